"""DutyStore contract, on SQLite and on a real redis-server."""

from __future__ import annotations

from collections.abc import Callable

from server.storage.stores import Stores


async def test_moderators_go_on_and_off_duty_and_it_survives_a_restart(
        open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    assert await first.duty.on_duty() == set()
    await first.duty.put("m1", True)
    await first.duty.put("m2", True)
    await first.duty.put("m2", True)  # twice on is on
    await first.duty.put("m1", False)
    await first.duty.put("m3", False)  # off when not on: nothing
    assert await first.duty.on_duty() == {"m2"}
    await first.close()
    again = open_stores()
    try:
        assert await again.duty.on_duty() == {"m2"}
    finally:
        await again.close()
