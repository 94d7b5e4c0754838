"""AlertStore contract, on SQLite and on a real redis-server: alerts by id, the active ones by
message and in `active()`, a closed one kept by id only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from moderation.alerts import AlertState
from server.storage.stores import Stores
from tests.server.storage.moderation_records import ROOM, alert


async def test_an_alert_is_found_by_message_while_it_is_active(stores: Stores) -> None:
    store = stores.alerts
    first, second = alert("al-1", "1"), alert("al-2", "2")
    await store.put(second)
    await store.put(first)
    assert await store.for_message(ROOM, "1") == first
    assert await store.active() == [first, second]  # by id
    taken = replace(first, state=AlertState.ACKNOWLEDGED, acknowledged_by="m1",
                    acknowledged_at=1010.0, version=2)
    await store.put(taken)
    assert await store.for_message(ROOM, "1") == taken  # acknowledged is still active
    closed = alert("al-1", "1", state=AlertState.RESOLVED)
    await store.put(closed)
    assert await store.for_message(ROOM, "1") is None
    assert await store.get("al-1") == closed
    assert await store.active() == [second]
    assert await store.get("al-9") is None
    assert await store.for_message(ROOM, "9") is None


async def test_alerts_survive_a_restart(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    record = alert("al-1", "1")
    await first.alerts.put(record)
    await first.close()
    again = open_stores()
    try:
        assert await again.alerts.active() == [record]
    finally:
        await again.close()
