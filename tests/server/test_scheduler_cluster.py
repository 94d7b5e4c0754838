"""Two app instances on one Redis with one fake clock: each transition is announced once, and
closing a room removes members connected to the other instance too."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer, envelope
from tests.server.mod_harness import connect_staff

HEL = ZoneInfo("Europe/Helsinki")


def helsinki(h: int, m: int = 0) -> float:
    return datetime(2026, 11, 26, h, m, tzinfo=HEL).timestamp()


async def test_transitions_once_across_instances(live_server_factory: LiveServerFactory,
                                                 redis_url: str) -> None:
    clock = FakeClock(helsinki(18, 50))
    a = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    b = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    mod = await connect_staff(a, "Kuusi Valvoo")
    peer = await Peer.connect(b.url, "Vertainen B")
    try:
        joined = await mod.call("group.join", {"group_id": "nightly"})
        assert joined["ok"], joined
        room = joined["room"]
        assert (await peer.call("group.join", {"group_id": "nightly"}))["ok"]
        clock.set(helsinki(19, 0))
        await a.scheduler.tick()
        await b.scheduler.tick()
        assert await peer.next("group.opened") == {"room": room}
        assert await mod.next("group.opened") == {"room": room}
        await peer.nothing("group.opened", 0.3)
        assert (await peer.call("room.send", {"room": room, **envelope()}))["ok"]
        assert (await mod.next("room.envelope"))["sender"] == "Vertainen B"
        clock.set(helsinki(20, 30))
        await b.scheduler.tick()
        await a.scheduler.tick()
        assert (await peer.next("group.closed"))["room"] == room
        assert (await mod.next("group.closed"))["room"] == room
        await mod.nothing("group.closed", 0.3)
        # Removed on both instances: the Socket.IO room is gone and the store says not a member.
        assert (await peer.call("room.send", {"room": room, **envelope()}))["error"] == \
            "not_in_room"
        assert await a.services.stores.rooms.members(room) == []
        await mod.nothing("room.envelope", 0.2)
    finally:
        await mod.close()
        await peer.close()


async def test_connections_of_a_dead_process_are_removed(
        live_server_factory: LiveServerFactory, redis_url: str) -> None:
    clock = FakeClock(helsinki(12, 0))
    a = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    b = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    on_a = await Peer.connect(a.url, "Kaatuva")
    on_b = await Peer.connect(b.url, "Pysyvä")
    try:
        room = (await on_a.call("group.join", {"group_id": "open"}))["room"]
        await on_b.call("group.join", {"group_id": "open"})
        await a.scheduler.tick()
        await b.scheduler.tick()
        clock.advance(20)
        await b.scheduler.tick()  # A is still within its heartbeat window
        await on_b.nothing("room.membership", 0.2)
        clock.advance(20)  # A has not beaten for 40 s: as if it crashed
        await b.scheduler.tick()
        left = await on_b.next("room.membership")
        assert (left["event"], left["pseudonym"]) == ("left", "Kaatuva")
        assert [m["pseudonym"] for m in left["members"]] == ["Pysyvä"]
        members = await b.services.stores.rooms.members(room)
        assert [m.identity_key for m in members] == [on_b.identity_key]
        await b.scheduler.tick()  # reaped once only
        await on_b.nothing("room.membership", 0.2)
    finally:
        await on_a.close()
        await on_b.close()
