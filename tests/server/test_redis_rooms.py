"""Per-room Redis channels (server/api/redis_manager.py) with two real `python -m server`
processes on one real redis-server.

A room's traffic reaches its members on both processes; a process with no member of a room is
not subscribed to that room's channel and decodes none of its packets (its
`iltapiiri_fanout_redis_total{kind="room_decoded"}` counter, read from /metrics); the last local
member leaving unsubscribes the process.
"""

from __future__ import annotations

import asyncio
import re
import urllib.request
from collections.abc import Callable

import redis.asyncio as aioredis

from tests.fixtures.server import ServerProcess
from tests.server.harness import Peer, envelope, unb64

N = 6  # envelopes per room (under the send burst)


def fanout_counters(proc: ServerProcess) -> dict[str, int]:
    """This process's Redis fan-out counters from /metrics."""
    with urllib.request.urlopen(proc.url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    return {kind: int(value) for kind, value in
            re.findall(r'^iltapiiri_fanout_redis_total\{kind="(\w+)"\} (\d+)$', text, re.M)}


def decoded(counters: dict[str, int]) -> int:
    """Packets of other processes this process decoded (room channels + the shared one)."""
    return counters["room_decoded"] + counters["shared_decoded"]


def channel(room: str) -> str:
    return f"socketio#r#/#{room}"


async def subscribers(client: aioredis.Redis, room: str) -> int:
    [(_, count)] = await client.pubsub_numsub(channel(room))
    return int(count)


async def settle(proc: ServerProcess) -> dict[str, int]:
    """Counters once the decoded packets stopped moving for a moment."""
    last = fanout_counters(proc)
    for _ in range(20):
        await asyncio.sleep(0.1)
        now = fanout_counters(proc)
        if decoded(now) == decoded(last):
            return now
        last = now
    return last


async def test_room_traffic_goes_only_to_processes_with_members(
        server_process: Callable[..., ServerProcess], redis_url: str) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await Peer.connect(proc_a.url, "Alice")
    carol = await Peer.connect(proc_a.url, "Carol")
    bob = await Peer.connect(proc_b.url, "Bob")
    client = aioredis.Redis.from_url(redis_url)
    try:
        shared = (await alice.call("group.join", {"group_id": "open"}))["room"]
        assert (await bob.call("group.join", {"group_id": "open"}))["ok"]
        assert (await alice.next("room.membership"))["pseudonym"] == "Bob"  # across processes
        local = (await alice.call("group.join", {"group_id": "small"}))["room"]
        assert (await carol.call("group.join", {"group_id": "small"}))["ok"]
        # A is on both rooms' channels, B only on the shared room's.
        assert await subscribers(client, shared) == 2
        assert await subscribers(client, local) == 1
        before_b = await settle(proc_b)

        for i in range(N):  # a room with members on A only
            assert (await alice.call("room.send", {"room": local, **envelope(b"l%d" % i)}))["ok"]
        got = [unb64((await carol.next("room.envelope"))["body"]) for _ in range(N)]
        assert got == [b"l%d" % i for i in range(N)]
        for i in range(N):  # a room with members on both
            assert (await alice.call("room.send", {"room": shared, **envelope(b"s%d" % i)}))["ok"]
        got = [unb64((await bob.next("room.envelope"))["body"]) for _ in range(N)]
        assert got == [b"s%d" % i for i in range(N)]
        await bob.nothing("room.envelope", 0.3)  # nothing of the other room reached Bob

        after_b = await settle(proc_b)
        # B decoded exactly the shared room's N envelopes, none of the local room's (with one
        # channel for all, it would decode 2 N).
        assert decoded(after_b) - decoded(before_b) == N
        assert after_b["room_decoded"] - before_b["room_decoded"] == N
        counters_a = fanout_counters(proc_a)
        # A's own envelopes come back to it on the channel and are delivered from there, in
        # the room's order (docs/decisions.md, perf11); its other own packets are skipped.
        assert counters_a["echoed"] >= 2 * N, counters_a
        assert counters_a["own_skipped"] >= 1, counters_a  # the membership pushes
        assert counters_a["published"] >= 2 * N

        # And back: B -> A across processes on the shared room's channel.
        assert (await bob.call("room.send", {"room": shared, **envelope(b"from B")}))["ok"]
        assert unb64((await alice.next("room.envelope"))["body"]) == b"from B"

        # The last local member leaving unsubscribes the process from the room's channel.
        assert (await carol.call("group.leave", {"room": local}))["ok"]
        assert await subscribers(client, local) == 1  # Alice is still there
        assert (await alice.call("group.leave", {"room": local}))["ok"]
        for _ in range(50):
            if await subscribers(client, local) == 0:
                break
            await asyncio.sleep(0.05)
        assert await subscribers(client, local) == 0
        alice.drain("room.membership")
        await bob.close()
        left = await alice.next("room.membership")  # B's disconnect is seen on A
        assert (left["event"], left["pseudonym"]) == ("left", "Bob")
        for _ in range(50):
            if await subscribers(client, shared) == 1:
                break
            await asyncio.sleep(0.05)
        assert await subscribers(client, shared) == 1  # B left the shared room's channel
    finally:
        await client.aclose()
        for peer in (alice, carol, bob):
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
        assert proc.proc is not None and proc.proc.returncode == 0, proc.log_text()[-2000:]
