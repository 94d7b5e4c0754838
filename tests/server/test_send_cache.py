"""The send gate's cache (server/handlers/send_cache.py): a warm `room.send` reads no store,
and a sanction or a moderator's leaving on one server process takes effect on another's
sends at once (two in-process apps, each with its own cache, on one real Redis)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.clock import FakeClock
from server.storage.notifying import NotifyingRooms, NotifyingSanctions
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.mod_harness import ModPeer, connect_staff, new_key

NOON = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
EVENING = datetime(2026, 6, 10, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
PROMPT_SECONDS = 1.0
READS = {"for_room", "bans", "get", "last_sent", "members", "sids", "has_sid", "epoch",
         "owner_connections", "dead_owners"}


def _count_calls(store: object, calls: Counter[str]) -> None:
    """Count every call on the real store object (each still runs the real method)."""
    for name in dir(store):
        if name.startswith("_"):
            continue
        method = getattr(store, name)
        if not callable(method):
            continue

        def counted(*args: Any, _m: Any = method, _n: str = name, **kwargs: Any) -> Any:
            calls[_n] += 1
            return _m(*args, **kwargs)

        setattr(store, name, counted)


def _counting(server: LiveServer) -> Counter[str]:
    stores = server.services.stores
    assert isinstance(stores.sanctions, NotifyingSanctions)
    assert isinstance(stores.rooms, NotifyingRooms)
    calls: Counter[str] = Counter()
    _count_calls(stores.sanctions.inner, calls)
    _count_calls(stores.rooms.inner, calls)
    return calls


async def test_a_warm_send_reads_no_store_and_a_sanction_write_drops_the_cache(
        live_server_factory: LiveServerFactory) -> None:
    clock = FakeClock(EVENING)
    server = await live_server_factory(clock=clock, run_scheduler=False, send_burst=100)
    mod = await connect_staff(server, "Mod0")
    room = await mod.join("nightly")  # moderator_required: the gate counts moderators
    peer = await ModPeer.connect(server.url, "Peer")
    await peer.join("nightly")
    assert "seq" in await peer.send(room)  # warms the cache
    calls = _counting(server)
    for _ in range(20):
        assert "seq" in await peer.send(room)
    assert {n: c for n, c in calls.items() if n in READS} == {}
    assert calls["next_seq"] == 20  # the one store call per send (a write)
    # A write drops the entry: the next send reads the store again, and sees the mute.
    muted = await mod.call("mod.sanction", {"kind": "mute", "room": room, "pseudonym": "Peer",
                                            "minutes": 5, "reason_code": "disrespect"})
    assert muted["ok"], muted
    calls.clear()
    assert (await peer.send(room))["error"] == "muted"
    assert calls["for_room"] == 1
    # The mute ends by the clock alone: no notice, and no store read per send. (A second
    # before its end the entries are older than MAX_AGE_SECONDS: one read each, still muted.)
    clock.advance(5 * 60 - 1)
    assert (await peer.send(room))["error"] == "muted"
    clock.advance(2)
    calls.clear()
    for _ in range(20):
        assert "seq" in await peer.send(room)
    assert {n: c for n, c in calls.items() if n in READS} == {}
    await peer.close()
    await mod.close()


async def _send_until(peer: ModPeer, room: str, want: str) -> float:
    """Send until the reply is `want` ("seq" or an error code); seconds it took."""
    start = time.monotonic()
    while True:
        reply = await peer.send(room)
        got = "seq" if "seq" in reply else reply.get("error")
        if got == want:
            return time.monotonic() - start
        assert time.monotonic() - start < PROMPT_SECONDS, (want, reply)


@pytest.fixture
async def two(live_server_factory: LiveServerFactory, redis_url: str
              ) -> tuple[LiveServer, LiveServer, FakeClock]:
    clock = FakeClock(NOON)
    a = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    b = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    return a, b, clock


async def test_mute_on_one_process_refuses_on_the_other_and_lift_there_frees_the_first(
        two: tuple[LiveServer, LiveServer, FakeClock]) -> None:
    a, b, clock = two
    mod_a = await connect_staff(a, "ModA", url=a.url)
    mod_b = await connect_staff(a, "ModB", url=b.url)
    room = await mod_a.join()
    assert await mod_b.join() == room
    key = new_key()
    peer_a = await ModPeer.connect(a.url, "Peer", key=key)
    peer_b = await ModPeer.connect(b.url, key=key)  # the same person on the other process
    await peer_a.join()
    await peer_b.join()
    assert "seq" in await peer_a.send(room) and "seq" in await peer_b.send(room)  # both warm
    muted = await mod_a.call("mod.sanction", {"kind": "mute", "room": room,
                                              "pseudonym": "Peer", "minutes": 5,
                                              "reason_code": "disrespect"})
    assert muted["ok"], muted
    took = await _send_until(peer_b, room, "muted")
    print(f"mute on A refused on B after {took * 1000:.1f} ms")
    assert (await peer_a.send(room))["error"] == "muted"
    lifted = await mod_b.call("mod.lift", {"sanction_id": muted["sanction"]["sanction_id"]})
    assert lifted["ok"], lifted
    took = await _send_until(peer_a, room, "seq")
    print(f"lift on B freed sends on A after {took * 1000:.1f} ms")
    # Expiry needs no event: a new mute ends on the clock alone, on both processes.
    again = await mod_b.call("mod.sanction", {"kind": "mute", "room": room,
                                              "pseudonym": "Peer", "minutes": 1,
                                              "reason_code": "disrespect"})
    assert again["ok"], again
    await _send_until(peer_a, room, "muted")
    assert (await peer_b.send(room))["error"] == "muted"
    clock.advance(59)  # older than MAX_AGE_SECONDS: read once more on each process, still muted
    assert (await peer_a.send(room))["error"] == "muted"
    assert (await peer_b.send(room))["error"] == "muted"
    clock.advance(2)
    calls_a, calls_b = _counting(a), _counting(b)  # the Redis stores' calls, on each process
    for _ in range(10):
        assert "seq" in await peer_a.send(room) and "seq" in await peer_b.send(room)
    assert {n: c for n, c in (calls_a + calls_b).items() if n in READS} == {}
    for p in (peer_a, peer_b, mod_a, mod_b):
        await p.close()


async def test_the_last_moderator_leaving_on_one_process_makes_the_room_read_only_on_another(
        live_server_factory: LiveServerFactory, redis_url: str) -> None:
    clock = FakeClock(EVENING)
    a = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    b = await live_server_factory(clock=clock, run_scheduler=False, redis_url=redis_url)
    mod = await connect_staff(a, "ModA", url=a.url)
    room = await mod.join("nightly")
    peer = await ModPeer.connect(b.url, "Peer")
    await peer.join("nightly")
    assert "seq" in await peer.send(room)
    assert (await mod.call("group.leave", {"room": room}))["ok"]
    await _send_until(peer, room, "moderator_absent")
    await mod.join("nightly")
    await _send_until(peer, room, "seq")
    await peer.close()
    await mod.close()
