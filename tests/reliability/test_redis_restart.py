"""Redis goes away and comes back (kill -9, deploy/redis.conf persistence: AOF, fsync every
second): two server processes resume by themselves, answer no `internal` error once Redis is
back, and nothing durable is lost (pseudonym bindings, the key directory, queued 1:1 envelopes).

Before the fix in server/redis_options.py the pooled connections that died with Redis were
handed out again and about half the requests after the restart answered `internal`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import redis

from client import ClientError, PeerClient
from server.limits import OTHER_RATE
from tests.fixtures.server import ServerProcess
from tests.reliability.conftest import RedisProcess
from tests.reliability.helpers import collect, eventually, internal_errors

REQUESTS_AFTER = 60  # requests each client makes once Redis answers again
BURST = 6  # of them at once, so each process holds several pooled connections
FANOUT_BACK_WITHIN_S = 10.0
FSYNC_WAIT_S = 1.5  # appendfsync everysec: a write is on disk within a second


def durable_snapshot(url: str) -> dict[str, object]:
    """The durable keys (bindings, names, bundles, prekeys, inboxes) and their values."""
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        out: dict[str, object] = {}
        for pattern in ("ilp:id:*", "ilp:name:*", "ilp:bundle:*", "ilp:otpk:*", "ilp:inbox:*",
                        "ilp:secret:*"):
            for key in client.scan_iter(match=pattern):
                kind = client.type(key)
                if kind == "hash":
                    value: object = dict(client.hgetall(key))
                    if key.startswith("ilp:id:"):
                        assert isinstance(value, dict)
                        value.pop("last_seen", None)  # moves on every disconnect
                elif kind == "list":
                    value = client.lrange(key, 0, -1)
                else:
                    value = client.get(key) if not key.startswith("ilp:secret:") else "set"
                out[key] = value
        return out
    finally:
        client.close()


async def test_service_resumes_after_redis_restart_and_loses_nothing_durable(
        aof_redis: RedisProcess, server_process: Callable[..., ServerProcess],
        tmp_path: Path) -> None:
    proc_a = server_process(redis_url=aof_redis.url)
    proc_b = server_process(redis_url=aof_redis.url)
    alice = await PeerClient.connect(proc_a.url, pseudonym="Alice")
    bob = await PeerClient.connect(proc_b.url, pseudonym="Bob")
    carol_keys = tmp_path / "carol.keys"
    carol = await PeerClient.connect(proc_a.url, pseudonym="Carol", keystore=carol_keys)
    await carol.close()  # offline: what alice writes to her waits in the inbox
    try:
        group_a, group_b = await alice.join_group("open"), await bob.join_group("open")
        await group_a.send("ennen katkoa")
        assert [m.text for m in await collect(group_b, {"ennen katkoa"}, 20)][-1] == "ennen katkoa"
        to_carol = await alice.open_direct("Carol")
        await to_carol.send("jonossa odottava viesti")
        await asyncio.gather(*(peer.list_groups() for peer in (alice, bob) for _ in range(BURST)))
        await asyncio.sleep(FSYNC_WAIT_S)
        before = durable_snapshot(aof_redis.url)
        assert any(k.startswith("ilp:inbox:") for k in before), "nothing queued to check"
        assert any(k.startswith("ilp:name:") for k in before)

        await aof_redis.arestart()
        assert durable_snapshot(aof_redis.url) == before, "AOF lost durable data"

        # Resumes by itself: from the moment Redis answers again, every request succeeds,
        # also those that get a pooled connection that died with the old Redis.
        internal_before = [await internal_errors(p.url) for p in (proc_a, proc_b)]
        refused: list[str] = []

        async def request(call: Awaitable[object]) -> None:
            try:
                await call
            except ClientError as err:
                refused.append(err.code)

        for i in range(REQUESTS_AFTER // BURST):
            await asyncio.gather(*(request(peer.list_groups())
                                   for peer in (alice, bob) for _ in range(BURST)))
            await request((group_a if i % 2 else group_b).send(f"katkon jälkeen {i}"))
            # Within the per-connection request rate: on a fast machine the 60 requests at full
            # speed ran into the rate limit, its strikes closed the socket ('disconnected').
            await asyncio.sleep(BURST / OTHER_RATE)
        internal_after = [await internal_errors(p.url) for p in (proc_a, proc_b)]
        assert refused == [], f"refused after Redis came back: {refused}"
        assert internal_after == internal_before

        # Fan-out across the two processes comes back within a bound (the subscriber's backoff).
        probes = iter(range(1000))

        async def crosses() -> bool:
            text = f"luotain {next(probes)}"
            await group_a.send(text)
            return any(m.text == text for m in await collect(group_b, {text}, 1.0))
        took = await eventually(crosses, FANOUT_BACK_WITHIN_S, "cross-process delivery")
        print(f"cross-process delivery back {took:.2f} s after the first request")

        # The group carries on across both processes and the queued envelope reaches carol.
        await group_b.send("molemmat prosessit kuulevat")
        assert "molemmat prosessit kuulevat" in [
            m.text for m in await collect(group_a, {"molemmat prosessit kuulevat"}, 20)]
        carol = await PeerClient.connect(proc_b.url, keystore=carol_keys)
        assert carol.pseudonym == "Carol"
        dm = await carol.open_direct("Alice")
        assert (await dm.next_message(20)).text == "jonossa odottava viesti"
    finally:
        for peer in (alice, bob, carol):
            await peer.close()
