"""The fixtures other packages build on: in-process on both stores, and as a subprocess."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from tests.fixtures.server import LiveServer, ServerProcess
from tests.server.harness import Peer, envelope


async def _relay_once(url: str) -> None:
    a = await Peer.connect(url, "Aino")
    b = await Peer.connect(url, "Bertta")
    try:
        room = (await a.call("group.join", {"group_id": "open"}))["room"]
        assert (await b.call("group.join", {"group_id": "open"}))["ok"]
        assert (await a.call("room.send", {"room": room, **envelope()}))["ok"]
        assert (await b.next("room.envelope"))["sender"] == "Aino"
    finally:
        await a.close()
        await b.close()


async def test_live_server_redis_relays(live_server_redis: LiveServer) -> None:
    await _relay_once(live_server_redis.url)


async def test_server_process_serves_health_and_relays(
        server_process: Callable[..., ServerProcess]) -> None:
    proc = server_process()
    async with aiohttp.ClientSession() as http, http.get(f"{proc.url}/healthz") as resp:
        assert resp.status == 200
    await _relay_once(proc.url)
    await proc.astop()
    assert "Iltapiiri is running: http://127.0.0.1:" in proc.log_text()
