"""HTTP routes: health, metrics, public JSON, static files and their security headers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from server.api import http as server_http
from server.clock import FakeClock
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, envelope


async def get(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def assert_security_headers(headers: dict[str, str]) -> None:
    assert headers["Content-Security-Policy"] == server_http.CSP
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


async def test_health_and_api_headers(live_server: LiveServer) -> None:
    status, headers, body = await get(f"{live_server.url}/healthz")
    assert status == 200 and json.loads(body) == {"ok": True}
    for path in ("/api/groups", "/api/server-key", "/metrics"):
        status, headers, _ = await get(live_server.url + path)
        assert status == 200, path
        assert headers["Cache-Control"] == "no-store"
        assert_security_headers(headers)
    _, _, body = await get(f"{live_server.url}/api/server-key")
    import base64
    assert base64.b64decode(json.loads(body)["server_key"]) == live_server.services.keys.public_key


async def test_static_files(live_server: LiveServer, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    web = tmp_path / "web"
    (web / "js").mkdir(parents=True)
    monkeypatch.setattr(server_http, "WEB_CLIENT_DIR", web)
    status, headers, body = await get(f"{live_server.url}/")
    assert status == 404  # the web client ships with the server: no placeholder page
    assert_security_headers(headers)
    (web / "index.html").write_text("<!doctype html><title>real</title>", encoding="utf-8")
    (web / "js" / "app.js").write_text("export const x = 1;\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    status, headers, body = await get(f"{live_server.url}/")
    assert status == 200 and b"real" in body
    (web / "app.webmanifest").write_text("{}", encoding="utf-8")
    status, headers, body = await get(f"{live_server.url}/js/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-cache"
    status, headers, _ = await get(f"{live_server.url}/app.webmanifest")
    assert headers["Content-Type"] == "application/manifest+json"
    assert_security_headers(headers)
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/js/../../secret.txt", "/nope.js"):
        status, headers, body = await get(live_server.url + path)
        assert status == 404 and b"outside" not in body, path
        assert_security_headers(headers)


async def test_config_json_endpoints(live_server: LiveServer, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_http, "CONFIG_DIR", tmp_path)
    for path in ("/api/detector.json", "/api/crisis-resources.json"):
        status, _, _ = await get(live_server.url + path)
        assert status == 404
    (tmp_path / "detector.json").write_text('{"version": 3}', encoding="utf-8")
    (tmp_path / "crisis_resources.json").write_text('{"fi": []}', encoding="utf-8")
    status, headers, body = await get(f"{live_server.url}/api/detector.json")
    assert status == 200 and json.loads(body) == {"version": 3}
    assert headers["Cache-Control"] == "no-store"
    status, _, body = await get(f"{live_server.url}/api/crisis-resources.json")
    assert status == 200 and json.loads(body) == {"fi": []}


async def test_metrics_count_traffic_and_hold_no_names(live_server_factory: Any) -> None:
    # Noon in Helsinki: the scheduled `nightly` group (19:00-20:30) is closed, so the open rooms
    # are the two always-open groups whatever the wall clock says.
    noon = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
    live_server = await live_server_factory(clock=FakeClock(noon))
    a = await Peer.connect(live_server.url, "Mittari")
    b = await Peer.connect(live_server.url, "Laskuri")
    try:
        room = (await a.call("group.join", {"group_id": "open"}))["room"]
        await b.call("group.join", {"group_id": "open"})
        for _ in range(3):
            await a.call("room.send", {"room": room, **envelope(b"abc")})
        await a.call("direct.send", {"to": "Laskuri", **envelope()})
        await a.call("group.join", {"group_id": "nope"})
        _, headers, body = await get(f"{live_server.url}/metrics")
        text = body.decode()
        assert headers["Content-Type"].startswith("text/plain")
        assert "iltapiiri_connections 2" in text
        assert "iltapiiri_authenticated_connections 2" in text
        assert 'iltapiiri_envelopes_relayed_total{kind="room"} 3' in text
        assert 'iltapiiri_envelopes_relayed_total{kind="direct"} 1' in text
        assert 'iltapiiri_errors_total{code="unknown_group"} 1' in text
        assert "iltapiiri_inbox_envelopes 1" in text
        assert "iltapiiri_open_rooms 2" in text  # the two always-open test groups
        assert "iltapiiri_room_members 2" in text
        for secret in ("Mittari", "Laskuri", "127.0.0.1", room):
            assert secret not in text
    finally:
        await a.close()
        await b.close()
