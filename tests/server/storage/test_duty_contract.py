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


async def test_only_a_moderator_unseen_since_the_cut_off_is_dropped(
        open_stores: Callable[[], Stores]) -> None:
    stores = open_stores()
    try:
        duty = stores.duty
        for staff in ("m1", "m2", "m3"):
            await duty.put(staff, True)
        await duty.seen(["m1", "m2"], 100.0)
        await duty.seen(["m2"], 150.0)
        await duty.seen([], 150.0)  # nobody: nothing
        assert await duty.absent(120.0) == {"m1", "m3"}  # m3 was never seen
        await duty.seen(["m1"], 130.0)  # seen meanwhile: not dropped
        assert await duty.drop_absent("m1", 120.0) is False
        assert await duty.drop_absent("m3", 120.0) is True
        assert await duty.drop_absent("m3", 120.0) is False  # once
        assert await duty.drop_absent("m9", 120.0) is False  # never on duty
        assert await duty.on_duty() == {"m1", "m2"}
        await duty.put("m2", False)  # off forgets when they were seen
        await duty.put("m2", True)
        assert await duty.absent(0.0) == {"m2"}
    finally:
        await stores.close()
