"""No plaintext, key material, pseudonyms or IP addresses in logs, metrics or `repr`."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from config.settings import Settings
from server.domain.records import Binding
from server.handlers.services import Connection
from server.keys import ServerKeys
from server.logs import ADDRESS_RE, AddressFilter, JsonFormatter
from server.wire.requests import Auth, DirectSend, RoomSend
from tests.fixtures.server import LiveServer, ServerProcess
from tests.server.harness import Peer, envelope
from tests.server.rawsocket import RawSocket

IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
IPV6 = re.compile(r"[0-9a-fA-F]{0,4}::[0-9a-fA-F]{0,4}|(?:[0-9a-fA-F]{1,4}:){7}")
CANARY = b"CANARY-plaintext-7f3a"


async def test_logs_hold_ids_only(server_process: Callable[..., ServerProcess]) -> None:
    proc = server_process()
    alice = await Peer.connect(proc.url, "Salainen Kettu")
    bob = await Peer.connect(proc.url, "Piilossa Oleva")
    secrets_seen: list[str] = ["Salainen Kettu", "Piilossa Oleva",
                               base64.b64encode(alice.identity_key).decode(),
                               base64.b64encode(bob.identity_key).decode(),
                               base64.b64encode(CANARY).decode(), CANARY.decode()]
    try:
        room = (await alice.call("group.join", {"group_id": "open"}))["room"]
        await bob.call("group.join", {"group_id": "open"})
        await alice.call("room.send", {"room": room, **envelope(CANARY, header=CANARY)})
        await bob.call("direct.send", {"to": "Salainen Kettu", **envelope(CANARY)})
        await bob.call("direct.send", {"to": "Ei Ketaan", **envelope(CANARY)})  # refused
        await bob.call("keys.fetch", {"pseudonym": "Salainen Kettu"})  # refused: no keys
        await alice.call("room.send", {"room": room, **envelope(CANARY * 5000)})  # too large
        await alice.call("auth", {"pseudonym": "Toinen Nimi"})  # refused
        async with aiohttp.ClientSession() as http:
            for path in ("/", "/api/groups", "/metrics", f"/nope?who={CANARY.decode()}"):
                async with http.get(proc.url + path, headers={"X-Forwarded-For": "10.9.8.7"}):
                    pass
        secrets_seen += ["Ei Ketaan", "Toinen Nimi", "10.9.8.7"]
    finally:
        await alice.close()
        await bob.close()
    await proc.astop()
    lines = proc.log_text().splitlines()
    events = []
    for line in lines:
        if line.startswith("Iltapiiri is running: http://127.0.0.1:"):
            continue  # the listen URL the operator opens, not a peer's address
        record = json.loads(line)  # every other line is structured JSON
        events.append(record)
        assert not IPV4.search(line), line
        for secret in secrets_seen:
            assert secret not in line, (secret, line)
    names = [e["event"] for e in events]
    # The log is not empty: it recorded the traffic by ids.
    assert "auth" in names and "group.join" in names and "refused" in names and "http" in names
    assert {e.get("code") for e in events if e["event"] == "refused"} >= {
        "unknown_user", "no_keys", "too_large", "already_authenticated"}
    assert any(e.get("user_id") for e in events)


async def test_metrics_and_http_log_on_in_process_server(live_server: LiveServer) -> None:
    peer = await Peer.connect(live_server.url, "Nimetön Kuu")
    await peer.close()
    async with aiohttp.ClientSession() as http, http.get(f"{live_server.url}/metrics") as resp:
        text = await resp.text()
    assert "Nimetön" not in text and not IPV4.search(text)


def test_reprs_hide_secrets(tmp_path: Path) -> None:
    key = b"\x11" * 32
    conn = Connection(sid="sid1", identity_key=key, pseudonym="Salainen", user_id="abcd")
    texts = [
        repr(conn),
        repr(ServerKeys.__new__(ServerKeys)),
        repr(Settings(redis_url="redis://:hunter2@10.0.0.5:6379/0", data_dir=tmp_path)),
        repr(Binding(identity_key=key, pseudonym="Salainen", folded="salalnen", last_seen=1.0)),
        repr(Auth(identity_key=key, signature=b"\x22" * 64, pseudonym="Salainen")),
        repr(RoomSend.decode({"room": "open/2026-11-26", **envelope(CANARY)})),
        repr(DirectSend.decode({"to": "Salainen", **envelope(CANARY)})),
    ]
    for text in texts:
        for secret in ("Salainen", "hunter2", "10.0.0.5", base64.b64encode(key).decode(),
                       CANARY.decode(), base64.b64encode(CANARY).decode(), "\\x11"):
            assert secret not in text, text


async def test_internal_errors_answer_a_code_and_log_no_text(
        live_server: LiveServer, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    peer = await Peer.connect(live_server.url, "Virhe Tilanne")
    try:
        room = (await peer.call("group.join", {"group_id": "open"}))["room"]

        async def broken(room: str, sender: str | None = None) -> int:
            raise RuntimeError(f"store down while holding {CANARY.decode()}")

        monkeypatch.setattr(live_server.services.stores.rooms, "next_seq", broken)
        with caplog.at_level(logging.INFO, logger="iltapiiri"):
            reply = await peer.call("room.send", {"room": room, **envelope(CANARY)})
        assert reply == {"ok": False, "error": "internal", "message": "internal"}
        lines = [JsonFormatter().format(r) for r in caplog.records]
        assert any('"code":"RuntimeError"' in line for line in lines)
        assert not any(CANARY.decode() in line or "store down" in line for line in lines)
        monkeypatch.undo()
        assert (await peer.call("room.send", {"room": room, **envelope()}))["ok"]  # goes on
    finally:
        await peer.close()


MALFORMED_FRAMES: tuple[str | bytes, ...] = (
    "", "\x00", b"", b"\x00", "x", "9", "4", "49", "4x", "42", "42[", '42["connect",{}]',
    '42["disconnect"]', '42["no.such",1]', "42" + "[" * 5000 + "]" * 5000,
    '42["hello",' + "9" * 5000 + "]", '43[{"ok":true}]', "44", "45-", "451-[\"auth\"]",
    "40/other,", "41", "\ud800".encode("utf-8", "surrogatepass"), "\xff\xfe")


@pytest.mark.parametrize("store", ["embedded", "redis"])
async def test_malformed_frames_log_no_address(server_process: Callable[..., ServerProcess],
                                               request: pytest.FixtureRequest,
                                               store: str) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    proc = server_process(redis_url=redis_url)
    for frame in MALFORMED_FRAMES:
        raw = await RawSocket.open(proc.url)
        try:
            await raw.send(frame)
            await asyncio.sleep(0.05)
        finally:
            await raw.close()
    for headers in ({"X-Real-IP": "10.9.8.7"}, {"X-Forwarded-For": "10.9.8.7, 2001:db8::1"}):
        raw = await RawSocket.open(proc.url, headers=headers)
        await raw.send("\x00")
        await raw.close()
    survivor = await Peer.connect(proc.url, "Jatkaja")  # the server goes on
    assert (await survivor.call("groups.list"))["ok"]
    await survivor.close()
    await proc.astop()
    text = proc.log_text()
    assert text.strip(), "the server logged nothing at all"
    for line in text.splitlines():
        if line.startswith("Iltapiiri is running: http://127.0.0.1:"):
            continue
        json.loads(line)  # structured JSON only, no traceback lines
        assert not IPV4.search(line), line
        assert not IPV6.search(line), line


def test_address_filter_scrubs_library_records() -> None:
    record = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1,
                               "Error handling request from %s", ("192.0.2.7",), None)
    record.exc_info = (ValueError, ValueError("payload 10.1.1.1"), None)
    assert AddressFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "192.0.2.7" not in line and "10.1.1.1" not in line and "<address>" in line
    for text in ("peer 2001:db8::1 said", "at fe80::1%eth0", "from ::1",
                 "x 2001:0db8:0000:0000:0000:ff00:0042:8329 y"):
        scrubbed = ADDRESS_RE.sub("<address>", text)
        assert not IPV6.search(scrubbed) and "<address>" in scrubbed, scrubbed
    for text in ("2026-12-03T12:37:06.683Z", "open/2026-12-03", "user 0f3a9c"):
        assert ADDRESS_RE.sub("<address>", text) == text
