"""Group `seq` numbers in arrival order on Redis (issue 14): two real `python -m server`
processes on one real redis-server, senders on both writing into one room at once.

The envelope's `seq` is given in the Lua script that publishes it (server/api/redis_replay.py
`SEQUENCED_SCRIPT`), and every process, the sender's own included, delivers the room's packets
in the order Redis published them. So every member sees `seq` strictly increasing in arrival
order, the acks' numbers are 1..N with no gap and none twice, each number is bound to its
writer in the room store (the flags of a message belong to its writer), and all of this still
holds when every process's subscription is killed in the middle of the bursts (what was missed
is read back from the room's replay Stream, the seq inside the packet).

Before, the seq came from an INCR before the emit, and the sender's process delivered to its
own members at once: a member saw, for example, 1, 2, 3, 6, 5, 4.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis.asyncio as aioredis

from tests.fixtures.server import ServerProcess
from tests.server.harness import Peer, envelope, unb64
from tests.server.test_redis_rooms import fanout_counters

SENDERS_PER_PROCESS = 2
PER_BURST = 6  # each sender's envelopes in one burst, all in flight at once
BURSTS = 3  # 18 per sender: under the send burst (20)


async def test_every_member_sees_seq_in_arrival_order(
        server_process: Callable[..., ServerProcess], redis_url: str) -> None:
    procs = [server_process(redis_url=redis_url), server_process(redis_url=redis_url)]
    senders = [await Peer.connect(proc.url, f"{name}{i}") for proc, name in
               zip(procs, ("Aino", "Bert"), strict=True) for i in range(SENDERS_PER_PROCESS)]
    listeners = [await Peer.connect(proc.url, name)
                 for proc, name in zip(procs, ("Lauri", "Mira"), strict=True)]
    peers = [*senders, *listeners]
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    acked: dict[int, tuple[str, str]] = {}  # seq -> (writer, body)
    try:
        room = (await peers[0].call("group.join", {"group_id": "open"}))["room"]
        for peer in peers[1:]:
            assert (await peer.call("group.join", {"group_id": "open"}))["ok"]
        for peer in peers:
            peer.drain("room.membership")

        async def send(peer: Peer, burst: int, i: int) -> None:
            body = f"{peer.pseudonym}:{burst}:{i}"
            reply = await peer.call("room.send", {"room": room, **envelope(body.encode())})
            assert reply["ok"], reply
            assert reply["seq"] not in acked, (reply["seq"], acked[reply["seq"]], body)
            assert peer.pseudonym is not None
            acked[reply["seq"]] = (peer.pseudonym, body)

        async def burst(n: int) -> None:  # every sender's envelopes at once, on both processes
            await asyncio.gather(*(send(p, n, i) for p in senders for i in range(PER_BURST)))

        await burst(0)
        assert await client.client_kill_filter(_type="pubsub") >= 2  # both subscribers
        await burst(1)  # published while the processes subscribe again
        await burst(2)

        total = len(senders) * PER_BURST * BURSTS
        assert sorted(acked) == list(range(1, total + 1))  # no gap, none twice
        for peer in peers:
            mine = {seq for seq, (writer, _) in acked.items() if writer == peer.pseudonym}
            arrived = []
            for _ in range(total - len(mine)):
                try:
                    push = await peer.next("room.envelope", 10.0)
                except TimeoutError:
                    raise AssertionError((peer.pseudonym, len(arrived), arrived[-5:],
                                          [fanout_counters(p) for p in procs])) from None
                assert (push["sender"], unb64(push["body"]).decode()) == acked[push["seq"]]
                arrived.append(push["seq"])
            # The order it arrived in is the order of seq, and nothing is missing.
            assert arrived == sorted(arrived), (peer.pseudonym, arrived)
            assert set(arrived) == set(acked) - mine
            await peer.nothing("room.envelope", 0.3)  # and no duplicate after
            assert peer.drain("room.resync") == []  # nothing was beyond the window
        # Every number bound to its writer, as `sender_of` reads it back.
        writers = await client.hgetall(f"ilp:room:{room}:senders")
        assert {int(seq): who for seq, who in writers.items()} == {
            seq: writer for seq, (writer, _) in acked.items()}
        counters = [fanout_counters(p) for p in procs]
        assert all(c["echoed"] > 0 for c in counters), counters  # own, delivered in order
        assert sum(c["replayed"] for c in counters) >= 1, counters  # the drop was filled
    finally:
        await client.aclose()
        for peer in peers:
            await peer.close()
    for proc in procs:
        await proc.astop()
