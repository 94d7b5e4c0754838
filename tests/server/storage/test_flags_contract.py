"""FlagStore contract, on SQLite and on a real redis-server: merged flags per message, the risk
history per night and pseudonym, dropped with the room."""

from __future__ import annotations

from collections.abc import Callable

from server.storage.stores import Stores
from tests.server.storage.moderation_records import NIGHT, OTHER_ROOM, ROOM, flags


async def test_flags_are_kept_per_message_and_dropped_with_the_room(stores: Stores) -> None:
    store = stores.flags
    await store.put(flags(ROOM, "1", "Aino"), night=NIGHT)
    twice = flags(ROOM, "1", "Aino", severity=3, times=2)
    await store.put(twice, night=NIGHT)  # the merged record replaces the first
    elsewhere = flags(OTHER_ROOM, "7", "Aino")
    await store.put(elsewhere, night=NIGHT)
    await store.put(flags(ROOM, "2", "Eero"), night=NIGHT)
    assert await store.get(ROOM, "1") == twice
    assert await store.get(ROOM, "9") is None
    history = await store.of_night(NIGHT, "Aino")
    assert sorted(history, key=lambda f: f.room) == [elsewhere, twice]
    assert await store.of_night("2026-06-11", "Aino") == []
    assert await store.drop_room(ROOM) == 2
    assert await store.get(ROOM, "1") is None
    assert await store.of_night(NIGHT, "Aino") == [elsewhere]
    assert await store.of_night(NIGHT, "Eero") == []
    assert await store.drop_room(ROOM) == 0


async def test_flags_survive_a_restart(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    record = flags(ROOM, "1", "Aino", severity=3)
    await first.flags.put(record, night=NIGHT)
    await first.close()
    again = open_stores()
    try:
        assert await again.flags.get(ROOM, "1") == record
        assert await again.flags.of_night(NIGHT, "Aino") == [record]
    finally:
        await again.close()
