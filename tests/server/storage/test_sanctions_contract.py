"""SanctionStore contract, on SQLite and on a real redis-server: sanctions by room, bans by
pseudonym in every room, a lifted one rewritten under its id, last sends for slow mode."""

from __future__ import annotations

from collections.abc import Callable

from moderation import sanctions as S
from server.storage.stores import Stores
from tests.server.storage.moderation_records import OTHER_ROOM, ROOM, ban, lock, mute


async def test_sanctions_by_room_and_bans_by_pseudonym(stores: Stores) -> None:
    store = stores.sanctions
    muted, banned, locked = mute("sa-1"), ban("sa-2"), lock("sa-3", OTHER_ROOM)
    for s in (locked, banned, muted):
        await store.put(s)
    assert await store.for_room(ROOM, "Aino") == [muted, banned]  # by id
    assert await store.for_room(OTHER_ROOM, "Aino") == [banned, locked]  # a ban follows
    assert await store.for_room(OTHER_ROOM, "Eero") == [locked]
    assert await store.for_room(OTHER_ROOM, None) == [locked]
    assert await store.for_room("quiet/2026-06-10", None) == []
    lifted = S.lift(muted, actor_id="Moderaattori", now=1100.0)
    await store.put(lifted)
    assert await store.get("sa-1") == lifted
    assert await store.for_room(ROOM, "Aino") == [lifted, banned]
    assert await store.get("sa-9") is None


async def test_last_sent_for_slow_mode(stores: Stores) -> None:
    store = stores.sanctions
    assert await store.last_sent(ROOM, "Aino") is None
    await store.set_last_sent(ROOM, "Aino", 12.5, 60)
    await store.set_last_sent(ROOM, "Aino", 20.25, 60)
    assert await store.last_sent(ROOM, "Aino") == 20.25
    assert await store.last_sent(OTHER_ROOM, "Aino") is None
    assert await store.last_sent(ROOM, "Eero") is None


async def test_sanctions_survive_a_restart(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    banned = ban("sa-2")
    await first.sanctions.put(banned)
    await first.close()
    again = open_stores()
    try:
        assert await again.sanctions.get("sa-2") == banned
        assert await again.sanctions.for_room(OTHER_ROOM, "Aino") == [banned]
    finally:
        await again.close()
