"""RoomStore contract (members, connections, counters, process liveness), on both backends."""

from __future__ import annotations

from collections.abc import Callable

from server.domain.roles import Role
from server.storage.embedded.rooms import EmbeddedRooms
from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B, KEY_C, member


def keys(members: list) -> set[bytes]:  # type: ignore[type-arg]
    return {m.identity_key for m in members}


async def test_room_membership(stores: Stores) -> None:
    store = stores.rooms
    room = "g/2026-11-26"
    a, b = member(KEY_A, "Anna"), member(KEY_B, "Bea", Role.MODERATOR)
    await store.add(room, "s1", a, "p1")
    await store.add(room, "s2", a, "p1")  # a second connection of A
    await store.add(room, "s3", b, "p2")
    assert sorted(await store.members(room), key=lambda m: m.pseudonym) == [a, b]
    assert await store.sids(room) == {"s1": KEY_A, "s2": KEY_A, "s3": KEY_B}
    assert await store.has_sid(room, "s3") and not await store.has_sid(room, "s9")
    assert not await store.has_sid("other/2026-11-26", "s1")
    assert await store.remove_sid(room, "s1") is None  # A still has s2
    assert await store.remove_sid(room, "s2") == a  # the member who left, role and name too
    assert await store.remove_sid(room, "nope") is None
    assert keys(await store.members(room)) == {KEY_B}
    assert await store.clear(room) == [b]
    assert await store.members(room) == [] and await store.sids(room) == {}


async def test_counters(stores: Stores) -> None:
    store = stores.rooms
    assert await store.epoch("r") == 0
    assert [await store.next_epoch("r") for _ in range(3)] == [1, 2, 3]
    assert await store.epoch("r") == 3
    assert [await store.next_seq("r") for _ in range(3)] == [1, 2, 3]
    assert await store.next_seq("other") == 1
    # A night's end drops its room's counters and no other room's.
    await store.forget("r")
    assert await store.epoch("r") == 0 and await store.next_seq("r") == 1
    assert await store.next_seq("other") == 2


async def test_counters_survive_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    await first.rooms.next_seq("r")
    await first.rooms.next_epoch("r")
    await first.close()
    second = open_stores()
    try:
        assert await second.rooms.next_seq("r") == 2 and await second.rooms.epoch("r") == 1
    finally:
        await second.close()


async def test_sequence_numbers_survive_a_crash_without_a_write_per_envelope(
        open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    given = [await first.rooms.next_seq("crash") for _ in range(2500)]
    assert given == list(range(1, 2501))
    if isinstance(first.rooms, EmbeddedRooms):
        # Writes to the file: one lease per SEQ_LEASE numbers, not one per envelope.
        db = first.rooms._d.db
        changes = db.total_changes
        for _ in range(500):
            await first.rooms.next_seq("crash")
        assert db.total_changes - changes <= 1
        given += list(range(2501, 3001))
        db.close()  # a crash: `close` never runs
    else:
        await first.close()
    second = open_stores()
    try:
        assert await second.rooms.next_seq("crash") > max(given)
    finally:
        await second.close()


async def test_process_liveness(stores: Stores) -> None:
    store = stores.rooms
    await store.add("r1", "s1", member(KEY_A), "p1")
    await store.add("r2", "s2", member(KEY_A), "p1")
    await store.add("r1", "s3", member(KEY_B), "p2")
    await store.add("r3", "s4", member(KEY_C), "p1")
    await store.heartbeat("p1", 100)
    await store.heartbeat("p2", 100)
    assert await store.dead_owners(120, 30) == []
    await store.heartbeat("p2", 140)
    assert await store.dead_owners(140, 30) == ["p1"]
    await store.remove_sid("r2", "s2")  # a clean leave is no longer the owner's
    await store.clear("r3")  # nor are connections of a closed room
    assert await store.owner_connections("p1") == [("r1", "s1")]
    assert await store.owner_connections("p2") == [("r1", "s3")]
    await store.forget_owner("p1")
    assert await store.dead_owners(1000, 30) == ["p2"]
    assert await store.owner_connections("p1") == []


def test_a_member_repr_shows_no_key_or_name() -> None:
    text = repr(member(KEY_A, "Salainen"))
    assert "Salainen" not in text and "QUFB" not in text


async def test_each_seq_is_bound_to_its_writer_for_the_night(stores: Stores) -> None:
    store = stores.rooms
    room, other = "g/2026-11-26", "h/2026-11-26"
    assert [await store.next_seq(room, who) for who in ("Anna", "Bea", "Anna")] == [1, 2, 3]
    assert await store.next_seq(other, "Anna") == 1
    assert [await store.sender_of(room, n) for n in (1, 2, 3, 4, 0)] == \
        ["Anna", "Bea", "Anna", None, None]
    # Erasure unbinds the erased writer's messages in the rooms named, nobody else's.
    assert await store.erase_sender([room], "Anna") == 2
    assert [await store.sender_of(room, n) for n in (1, 2, 3)] == [None, "Bea", None]
    assert await store.sender_of(other, 1) == "Anna"
    assert await store.erase_sender([room, "none/2026-11-26"], "Cecilia") == 0
    # The night's end forgets the room's senders with its counters.
    await store.forget(room)
    assert await store.sender_of(room, 2) is None
    assert await store.next_seq(room, "Bea") >= 1
