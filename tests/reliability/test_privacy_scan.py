"""Privacy after a full scenario: what the server wrote anywhere (its log, nginx's logs,
every Redis key and value, every file of its data directory) holds no plaintext canary, no IP
address (127.0.0.1, nor the client's own source address 127.0.0.7) and no key material; and a
room's group data is gone once its night ends.

The scenario: group, 1:1 and an offline 1:1 with a unique sentence, through nginx; a second
client from 127.0.0.7 that sends the same token in every field it can get refused (pseudonym,
group id, kind, body, recipient, an unknown event) and in HTTP paths and query strings.
The search is shown able to fail (it finds what we know is stored).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from client import PeerClient
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.deploy.conftest import Nginx
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect
from tests.reliability.wire import RawPeer, b64

CLIENT_SOURCE = "127.0.0.7"
SERVER_START_LINE = "Iltapiiri is running: http://127.0.0.1:"  # its own address, printed once


@pytest.fixture(params=["redis", "embedded"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("redis_url")) if request.param == "redis" else None


async def refused_with_token(url: str, token: str, *, in_paths: bool) -> list[str]:
    """Requests from CLIENT_SOURCE that carry the token and are refused; their error codes."""
    codes: list[str] = []
    stranger = RawPeer(url, source=CLIENT_SOURCE, headers={"X-Forwarded-For": CLIENT_SOURCE})
    await stranger.connect()
    try:
        first = await stranger.call("auth", {"identity_key": b64(stranger.identity_key),
                                             "signature": b64(bytes(64)),
                                             "pseudonym": f"<{token}>"})
        codes.append(first["error"])
        await stranger.login()
        tries = [
            ("group.join", {"group_id": token}),
            ("room.send", {"room": token, "kind": "x", "header": "", "body": token}),
            ("room.send", {"room": "r", "kind": token, "header": "", "body": ""}),
            ("direct.send", {"to": f"Kanaria{token[:8]}", "kind": "x", "header": "",
                             "body": b64(token.encode())}),
            ("keys.fetch", {"pseudonym": token}),
            ("inbox.ack", {"ids": [f"not-an-id-{token}"]}),
            (f"event.{token}", {"text": token}),
        ]
        for event, payload in tries:
            reply = await stranger.call(event, payload)
            assert reply.get("ok") is not True, event
            codes.append(reply["error"])
    finally:
        await stranger.close()
    async with aiohttp.ClientSession() as http:
        paths = [f"/api/groups?q={token}", f"/?{token}"]
        if in_paths:  # nginx logs the path (never the query): a path is never content
            paths += [f"/{token}", f"/js/{token}.js"]
        for path in paths:
            async with http.get(url + path) as resp:
                await resp.read()
    return codes


async def test_no_canary_address_or_key_anywhere_after_a_full_scenario(
        backend: str | None, server_process: Callable[..., ServerProcess],
        nginx: Callable[[list[int]], Nginx], tmp_path: Path) -> None:
    # The production log configuration (python -m server). At DEBUG python-socketio's own
    # logger prints raw packets, request fields included: see docs/threat-model.md.
    server = server_process(redis_url=backend)
    proxy = nginx([server.port])
    token = secrets.token_hex(16)
    canary = f"Majakanvartija {token} sytyttää lyhdyn"
    carol_keys = tmp_path / "carol.keys"
    carol = await PeerClient.connect(proxy.url, keystore=carol_keys)
    carol_name = str(carol.pseudonym)
    await carol.close()
    alice = await PeerClient.connect(proxy.url)
    bob = await PeerClient.connect(proxy.url)
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        await ga.send(f"{canary} (ryhmä)")
        assert await collect(gb, {f"{canary} (ryhmä)"}, 15)
        await (await alice.open_direct(str(bob.pseudonym))).send(f"{canary} (kahden)")
        assert await collect(await bob.open_direct(str(alice.pseudonym)),
                             {f"{canary} (kahden)"}, 15)
        await (await alice.open_direct(carol_name)).send(f"{canary} (jonossa)")
        codes = await refused_with_token(proxy.url, token, in_paths=False)
        assert "internal" not in codes and len(codes) == 8, codes
        # The stranger again, directly (no proxy in between), so the server sees 127.0.0.7.
        await refused_with_token(server.url, token, in_paths=True)
        stranger = RawPeer(server.url, source=CLIENT_SOURCE)
        await stranger.connect()
        await stranger.login()
        private_key = stranger.key.private_bytes_raw()
        await stranger.close()

        # While carol's envelope waits: search everything.
        blobs = [*file_blobs([server.data_dir, server.log_path]),
                 ("nginx", proxy.logs().encode())]
        if backend:
            blobs += list(redis_blobs(backend))
        assert find(token.encode(), blobs) == []
        assert find(private_key, blobs) == []
        assert find(CLIENT_SOURCE.encode(), blobs) == []
        loopback = [(name, b"\n".join(line for line in blob.splitlines()
                                      if not line.startswith(SERVER_START_LINE.encode())))
                    for name, blob in blobs]
        assert find(b"127.0.0.1", loopback) == []
        # The search reaches the data: it finds what we know is there.
        assert find(str(alice.pseudonym).encode(), blobs), "the store was not searched"
        assert find(b'"event":"refused"', blobs), "the log was not searched"
        assert find(b"GET /socket.io/", blobs), "nginx's log was not searched"
        assert find(b"127.0.0.1", blobs), "the start line is there (so the filter above works)"

        carol = await PeerClient.connect(proxy.url, keystore=carol_keys)
        assert await collect(await carol.open_direct(str(alice.pseudonym)),
                             {f"{canary} (jonossa)"}, 15)
    finally:
        for peer in (alice, bob, carol):
            await peer.close()
    # Server secrets (the store holds them) never reach a log line.
    log_text = server.log_text().encode() + proxy.logs().encode()
    secrets_found = [v for name, v in (list(redis_blobs(backend)) if backend else [])
                     if name.startswith("redis:ilp:secret:")]
    for value in secrets_found:
        assert find(value[:32], [("log", log_text)]) == []


CLAIM_SUFFIXES = (b":opened", b":closing", b":closed")


def unclaimed_mentions(blob: bytes, room: bytes) -> int:
    """Occurrences of the room id that are not a scheduler claim key (`<room>:opened` ...)."""
    count, at = 0, blob.find(room)
    while at >= 0:
        if not blob[at + len(room):].startswith(CLAIM_SUFFIXES):
            count += 1
        at = blob.find(room, at + 1)
    return count


NIGHT_TOML = """
[[group]]
id = "night"
name = "Night"
topic = "Tonight only"
language = "fi"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "19:00"
duration_minutes = 90
timezone = "Europe/Helsinki"
moderator_required = false
"""


async def test_group_data_is_gone_when_the_night_ends(
        backend: str | None, live_server_factory: Callable[..., Any]) -> None:
    """A room's members, connections and counters leave the store when its night ends (the
    1:1 inbox stays: it is not the group's). Fake clock, the server in-process."""
    import datetime as dt
    import tomllib
    from zoneinfo import ZoneInfo

    from config.groups import parse_groups
    from server.clock import FakeClock

    evening = dt.datetime(2026, 12, 7, 19, 5, tzinfo=ZoneInfo("Europe/Helsinki"))
    clock = FakeClock(evening.timestamp())
    server = await live_server_factory(clock=clock, run_scheduler=False, redis_url=backend,
                                       groups=parse_groups(tomllib.loads(NIGHT_TOML)))
    await server.scheduler.tick()
    alice = await PeerClient.connect(server.url)
    bob = await PeerClient.connect(server.url)
    try:
        ga, gb = await alice.join_group("night"), await bob.join_group("night")
        room = ga.room
        await ga.send("tänä iltana")
        assert await collect(gb, {"tänä iltana"}, 10)
        await (await alice.open_direct(str(bob.pseudonym))).send("huomennakin")

        def stored() -> list[tuple[str, bytes]]:
            blobs = list(file_blobs([server.data_dir]))
            return blobs + list(redis_blobs(backend)) if backend else blobs
        assert find(room.encode(), stored()), "the room is not in the store while open?"

        clock.advance(90 * 60)
        await server.scheduler.tick()
        assert await gb.closed(timeout=10) is not None
        # Only the scheduler's claims still name the room (the schedule is public): they keep
        # a second process from closing it again and expire by themselves.
        left = [name for name, blob in stored() if ":claim:" not in name
                and unclaimed_mentions(blob, room.encode())]
        assert left == [], f"group data kept after the night: {left}"
        if backend:
            import redis

            client = redis.Redis.from_url(backend)
            claims = list(client.scan_iter(match=f"ilp:claim:{room}:*"))
            assert claims and all(0 < client.ttl(k) <= 3 * 24 * 3600 for k in claims)
            client.close()
        assert find(str(bob.pseudonym).encode(), stored()), "1:1 inbox and bindings stay"
    finally:
        await alice.close()
        await bob.close()
