"""The send gate's cache across two real `python -m server` processes on one real Redis
(server/handlers/send_cache.py): warm sends on process B make no sanction, ban or membership
read on Redis (every command seen with MONITOR), a mute set on process A refuses B's next send,
and a lift on A frees it. The fake-clock half (a mute ends by time with no store read) is
tests/server/test_send_cache.py."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as aioredis

from tests.fixtures.server import ServerProcess, write_test_config
from tests.server.mod_harness import ModPeer
from tests.server.staff_http_client import GOOD_PASSWORD, StaffHttp
from tests.server.test_staff_cli import FAST_TOML, Admin

PROMPT_SECONDS = 1.0
SENDS = 20
GATE_READS = ("SMEMBERS", "SISMEMBER", "SCARD", "HGETALL", "HGET", "HMGET", "MGET", "GET",
              "EXISTS", "ZRANGE", "LRANGE")


@asynccontextmanager
async def monitored(redis_url: str) -> AsyncIterator[list[str]]:
    """Every command Redis runs while inside, as "COMMAND key" strings."""
    seen: list[str] = []
    client = aioredis.Redis.from_url(redis_url)
    monitor = client.monitor()
    await monitor.connect()
    await monitor.connection.send_command("MONITOR")
    await monitor.connection.read_response()  # OK

    async def read() -> None:
        while True:
            info = await monitor.next_command()
            seen.append(str(info["command"]))

    task = asyncio.create_task(read())
    try:
        yield seen
        await asyncio.sleep(0.2)  # the last commands reach the monitor
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await monitor.connection.disconnect()
        await client.aclose()


def gate_reads(commands: list[str]) -> list[str]:
    """Reads of what the send gate needs: sanctions, bans and last-send times (ilp:mod:sanc*,
    ilp:mod:sent:*; moderation_keys.py) and the room's members and connections (ilp:room:*).
    The schedulers' own reads (active alerts, heartbeats) are not the gate's."""
    out = []
    for c in commands:
        parts = c.split()
        if len(parts) < 2:
            continue
        name, key = parts[0].upper(), parts[1]
        if key.startswith(("ilp:mod:sanc", "ilp:mod:sent:")) or (
                key.startswith("ilp:room:") and name in GATE_READS):
            out.append(c)
    return out


async def send_until(peer: ModPeer, room: str, want: str) -> float:
    start = time.monotonic()
    while True:
        reply = await peer.send(room)
        got = "seq" if "seq" in reply else reply.get("error")
        if got == want:
            return time.monotonic() - start
        assert time.monotonic() - start < PROMPT_SECONDS, (want, reply)
        await asyncio.sleep(0.01)


async def test_a_mute_on_process_a_refuses_on_process_b_and_warm_sends_read_nothing(
        tmp_path: Path, redis_url: str, server_process: Callable[..., ServerProcess]) -> None:
    # The lines before FAST_TOML's [staff] land in write_test_config's [limits] table.
    config = write_test_config(tmp_path / "config",
                               extra_toml="send_burst = 1000\n" + FAST_TOML)
    admin = Admin(config, tmp_path / "admin", redis_url)
    made = await asyncio.to_thread(admin, "create-staff", "--role", "moderator", "--username",
                                   "Mia Moderoi", "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    a = await asyncio.to_thread(server_process, config=config, redis_url=redis_url,
                                data_dir=tmp_path / "a")
    b = await asyncio.to_thread(server_process, config=config, redis_url=redis_url,
                                data_dir=tmp_path / "b")
    http = StaffHttp(a.url)
    assert (await http.login("Mia Moderoi", GOOD_PASSWORD)).status == 200
    mod = await ModPeer.connect(a.url, staff_token=http.cookie)
    peer = await ModPeer.connect(b.url, "Peer")
    try:
        room = await mod.join()
        assert await peer.join() == room
        assert "seq" in await peer.send(room)  # warms B's cache
        async with monitored(redis_url) as seen:
            for _ in range(SENDS):
                assert "seq" in await peer.send(room)
        per_send = Counter(c.split()[0].upper() for c in seen)
        print(f"{SENDS} warm sends on B: {len(seen)} Redis commands in all, {dict(per_send)}")
        print(sorted({" ".join(c.split()[:2]) for c in seen}))
        assert seen, "the monitor saw nothing: it cannot fail"
        assert gate_reads(seen) == [], gate_reads(seen)[:5]

        muted = await mod.call("mod.sanction", {"kind": "mute", "room": room, "pseudonym": "Peer",
                                                "minutes": 5, "reason_code": "disrespect"})
        assert muted["ok"], muted
        took = await send_until(peer, room, "muted")
        print(f"mute on process A refused on process B after {took * 1000:.1f} ms")
        async with monitored(redis_url) as seen:  # refused from the cache too: no reads
            for _ in range(5):
                assert (await peer.send(room))["error"] == "muted"
        assert gate_reads(seen) == [], gate_reads(seen)[:5]

        lifted = await mod.call("mod.lift", {"sanction_id": muted["sanction"]["sanction_id"]})
        assert lifted["ok"], lifted
        took = await send_until(peer, room, "seq")
        print(f"lift on process A freed process B's sends after {took * 1000:.1f} ms")
    finally:
        await peer.close()
        await mod.close()
