"""`inbox.resync` on two real server processes on one real Redis: 1:1 pushes missed while a
process's fan-out subscription was down reach the Python client without a reconnect.

Bob is on process B; Alice and Carol on A. While no process can hold a fan-out subscription
(tests/fixtures/replay_gap.py) Carol joins the room (her join shares her new sender key with
Bob over 1:1) and Alice writes Bob a 1:1 message: both `direct.envelope` pushes to Bob's user
room are published while B is not subscribed, so they reach nobody live and wait in Bob's
inbox. Nothing is trimmed: the room's own packets (Carol's join) are replayed from the Stream,
so no `room.resync` comes (before this push existed, nothing made Bob read his inbox then).
Once B is subscribed again it pushes `inbox.resync` to Bob's connections; his client reads the
inbox, on the same socket: he reads Alice's 1:1 message and Carol's group message that follows
(sealed with the key that was in the inbox; without it the envelope is held ≤ 30 s, then dropped).
"""

from __future__ import annotations

from collections.abc import Callable

from client import PeerClient
from tests.fixtures.replay_gap import subscriptions_down, wait_subscribed
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect
from tests.server.test_redis_rooms import fanout_counters


def socket_id(peer: PeerClient) -> str | None:
    """The Engine.IO session of the peer's socket: the same one means no reconnect."""
    sid: str | None = peer._session._transport._sio.get_sid("/")
    return sid


async def test_pushes_missed_in_a_drop_are_read_from_the_inbox_without_a_reconnect(
        server_process: Callable[..., ServerProcess], redis_url: str) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await PeerClient.connect(proc_a.url, "Alice")
    carol = await PeerClient.connect(proc_a.url, "Carol")
    bob = await PeerClient.connect(proc_b.url, "Bob")
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        await ga.send("ennen")
        assert [m.text for m in await collect(gb, {"ennen"}, 15)] == ["ennen"]
        to_bob = await alice.open_direct("Bob")  # the key bundle, fetched before the drop
        sid = socket_id(bob)
        assert sid is not None
        before = fanout_counters(proc_b)

        async with subscriptions_down(redis_url):
            gc = await carol.join_group("open")  # her sender key goes to Bob over 1:1
            await to_bob.send("suoraan sinulle")
        await wait_subscribed(redis_url, f"socketio#r#/#{ga.room}", processes=2)

        await gc.send("Carol täällä")  # sealed with the key Bob missed live
        got = await collect(gb, {"Carol täällä"}, 15)
        assert "Carol täällä" in [m.text for m in got], ([m.text for m in got],
                                                          fanout_counters(proc_b))
        from_alice = await bob.open_direct("Alice")
        assert "suoraan sinulle" in [m.text for m in await collect(
            from_alice, {"suoraan sinulle"}, 15)]
        after = fanout_counters(proc_b)
        assert after.get("inbox_resyncs", 0) > before.get("inbox_resyncs", 0), after
        assert after.get("resyncs", 0) == before.get("resyncs", 0)  # no room.resync did it
        assert gb.gaps == 0 and "Carol" in gb.members  # her join came from the Stream
        assert socket_id(bob) == sid  # the same socket: no reconnect read the inbox
    finally:
        for peer in (alice, carol, bob):
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
