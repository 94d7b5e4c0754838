"""`room.resync` on two real server processes on one real Redis: the Python client joins the
room again and says some messages may not have reached the person.

Bob is on process B; Alice and Carol on A. While every fan-out subscription is down
(tests/fixtures/replay_gap.py) Carol joins and Alice writes, and the room's replay Stream is
emptied: B cannot read back what it missed, so it pushes `room.resync` to Bob. Bob's client then
knows Carol (the re-join answers the current members), shares a fresh sender key with everyone
(Carol reads Bob, which she could not otherwise: Bob never saw her join), and counts the gap;
Alice's next message reaches him. Bob's new key reaches Carol over 1:1: live, or, when A was
still subscribing again as it was sent, from her inbox, which her client reads on the
`inbox.resync` A pushes. A lost its own packets from the Stream: Carol's join, which its
members had at once, and Alice's envelopes, which they had not (a process delivers its own
group envelopes from the room's channel, in the room's order, since perf11), so A tells its
members `room.resync` too and Carol's client marks the gap (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from client import PeerClient
from client.chats import Group
from tests.fixtures.replay_gap import subscriptions_down, wait_subscribed
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect
from tests.server.test_redis_rooms import fanout_counters


async def wait_gap(group: Group, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while group.gaps == 0:
        assert loop.time() < deadline, "the client never marked the gap"
        await asyncio.sleep(0.05)


async def test_a_gap_beyond_the_window_makes_the_client_join_again(
        server_process: Callable[..., ServerProcess], redis_url: str) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await PeerClient.connect(proc_a.url, "Alice")
    carol = await PeerClient.connect(proc_a.url, "Carol")
    bob = await PeerClient.connect(proc_b.url, "Bob")
    told: list[str] = []
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        gb.add_gap_listener(lambda g: told.append(g.room))
        await ga.send("ennen")
        assert [m.text for m in await collect(gb, {"ennen"}, 15)] == ["ennen"]

        async with subscriptions_down(redis_url) as gap:
            gc = await carol.join_group("open")
            for i in range(3):
                await ga.send(f"kadonnut {i}")
            await gap.trim(ga.room)
        await wait_subscribed(redis_url, f"socketio#r#/#{ga.room}", processes=2)

        await wait_gap(gb)
        assert told == [gb.room] and gb.gaps == 1
        assert fanout_counters(proc_b)["resyncs"] >= 1
        # Carol missed Alice's envelopes too: they reach A's members from the channel only.
        await wait_gap(gc)
        assert fanout_counters(proc_a)["resyncs"] >= 1
        assert "Carol" in gb.members  # her join was lost; the re-join's member list has her
        await ga.send("jälkeen")
        assert "jälkeen" in [m.text for m in await collect(gb, {"jälkeen"}, 15)]
        await gb.send("Bob taas")  # with the key his re-join shared, Carol included
        got = await collect(gc, {"Bob taas"}, 15)
        assert "Bob taas" in [m.text for m in got], [m.text for m in got]
    finally:
        for peer in (alice, carol, bob):
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
