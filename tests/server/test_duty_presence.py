"""On duty means present (issue 10), over real servers: a moderator whose last connection has
been gone for the grace period goes off duty on the next scheduler tick (audited, counted), an
alert sent only to them is re-sent at once to whoever is on duty, and a reconnect within the
grace keeps duty. Both stores; across two processes on one real redis-server, a process that
stops (as a kill -9 would: nothing of its own runs) leaves nobody on duty for ever."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moderation.audit import AuditRow
from server.clock import FakeClock
from server.domain.ids import user_id
from tests.fixtures.server import LiveServer, LiveServerFactory, ServerProcess, write_test_config
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import ModPeer, connect_staff, self_flag, staff_token

GRACE = 20.0  # seconds; alerts are re-sent after 60 (config/moderation.toml): not confused
REAL_GRACE = 5.0  # the least the settings allow, for the test on real clocks


async def _again(server: LiveServer, mod: ModPeer, name: str) -> tuple[ModPeer, dict[str, Any]]:
    """The same moderator's device signs in on a new socket; the new socket and its reply."""
    token = await staff_token(server, name)
    back = await ModPeer.connect(server.url, key=mod.key, staff_token=token, auth=False)
    assert isinstance(back, ModPeer)
    return back, await back.authenticate()


def _absent_rows(server: LiveServer) -> Any:
    async def rows() -> list[str]:
        return [r.entry.actor for r in await server.services.stores.audit.rows()
                if isinstance(r, AuditRow) and r.entry.action == "duty_off"
                and r.entry.details.get("code") == "absent"]
    return rows()


async def test_a_moderator_gone_past_the_grace_goes_off_duty_and_their_alert_moves_on(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       duty_grace_seconds=GRACE, **backend_kwargs)
    duty = server.services.stores.duty
    olli = await connect_staff(server, "Olli")
    olli_id = user_id(olli.identity_key)
    peer = await ModPeer.connect(server.url, "Aamu")
    assert isinstance(peer, ModPeer)
    mira: ModPeer | None = None
    back: ModPeer | None = None
    try:
        assert (await olli.call("mod.duty", {"on": True}))["on_duty"] is True
        room = await peer.join()
        sent = await peer.send(room)
        flagged = await peer.call("flag", self_flag(room, str(sent["seq"]), severity=3))
        assert (await olli.next("mod.alert"))["alert_id"] == flagged["alert_id"]
        mira = await connect_staff(server, "Mira")
        assert (await mira.call("mod.duty", {"on": True}))["ok"]
        await server.scheduler.tick()

        # The tab closes; a reconnect within the grace keeps duty, and auth says so.
        await olli.close()
        fake.advance(GRACE - 5)
        await server.scheduler.tick()
        assert olli_id in await duty.on_duty()
        back, reply = await _again(server, olli, "Olli")
        assert reply["ok"] and reply["on_duty"] is True, reply
        fake.advance(GRACE - 5)  # seen again by the tick: the grace starts over
        await server.scheduler.tick()
        assert olli_id in await duty.on_duty()
        await mira.nothing("mod.alert", 0.2)

        # Gone for good: past the grace the tick takes them off duty, and the alert they
        # alone were sent goes to Mira in that same tick (long before its 60 s re-send).
        await back.close()
        fake.advance(GRACE - 1)
        await server.scheduler.tick()
        assert olli_id in await duty.on_duty()
        fake.advance(2)
        await server.scheduler.tick()
        assert olli_id not in await duty.on_duty()
        assert user_id(mira.identity_key) in await duty.on_duty()
        assert (await mira.next("mod.alert", 2))["alert_id"] == flagged["alert_id"]
        assert await _absent_rows(server) == [olli_id]
        assert server.services.metrics.duty_absent == 1
        assert "iltapiiri_duty_absent_total 1" in server.services.metrics.render(
            open_rooms=0, inbox_size=0, members=0)
        await server.scheduler.tick()  # once only
        assert await _absent_rows(server) == [olli_id]

        # Back after the grace: off duty, until they choose again.
        back, reply = await _again(server, olli, "Olli")
        assert reply["ok"] and reply["on_duty"] is False, reply
        assert (await back.call("mod.duty", {"on": True}))["on_duty"] is True
        fake.advance(GRACE * 3)  # connected: every tick sees them
        await server.scheduler.tick()
        assert olli_id in await duty.on_duty()
    finally:
        for p in (back, mira, peer):
            if p is not None:
                await p.close()


async def test_nobody_left_on_duty_is_counted_unrouted(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       duty_grace_seconds=GRACE, **backend_kwargs)
    olli = await connect_staff(server, "Olli")
    peer = await ModPeer.connect(server.url, "Aamu")
    assert isinstance(peer, ModPeer)
    try:
        assert (await olli.call("mod.duty", {"on": True}))["ok"]
        room = await peer.join()
        sent = await peer.send(room)
        assert (await peer.call("flag", self_flag(room, str(sent["seq"]), severity=4)))["ok"]
        await olli.next("mod.alert")
        await olli.close()
        unrouted = server.services.metrics.alerts_unrouted[4]
        fake.advance(GRACE + 1)
        await server.scheduler.tick()
        assert await server.services.stores.duty.on_duty() == set()
        assert server.services.metrics.alerts_unrouted[4] == unrouted + 1  # "nobody on duty"
    finally:
        await peer.close()


async def test_across_two_processes_a_stopped_process_leaves_nobody_on_duty(
        live_server_factory: LiveServerFactory, redis_url: str) -> None:
    fake = FakeClock(clock().now())
    one = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                    duty_grace_seconds=GRACE, redis_url=redis_url)
    two = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                    duty_grace_seconds=GRACE, redis_url=redis_url)
    olli = await connect_staff(one, "Olli", url=two.url)  # connected to process two only
    olli_id = user_id(olli.identity_key)
    try:
        assert (await olli.call("mod.duty", {"on": True}))["ok"]
        for _ in range(3):  # process one does not hold them, but process two sees them
            fake.advance(GRACE)
            await two.scheduler.tick()
            await one.scheduler.tick()
            assert olli_id in await one.services.stores.duty.on_duty()
        # Process two stops ticking and holds nothing: one's tick alone finds them gone.
        await two.stop()
        fake.advance(GRACE + 1)
        await one.scheduler.tick()
        assert olli_id not in await one.services.stores.duty.on_duty()
        assert one.services.metrics.duty_absent == 1
    finally:
        await olli.close()


async def test_a_moderator_of_a_process_killed_with_sigkill_goes_off_duty(
        live_server_factory: LiveServerFactory, server_process: Callable[..., ServerProcess],
        redis_url: str, tmp_path: Path) -> None:
    """Real clocks and schedulers: process two is `python -m server`, killed with SIGKILL (no
    clean-up of any kind runs); process one's own ticks find its moderator gone."""
    one = await live_server_factory(**FAST_STAFF, redis_url=redis_url,
                                    duty_grace_seconds=REAL_GRACE)
    config = write_test_config(tmp_path / "two", extra_toml=f"duty_grace_seconds = {REAL_GRACE}\n")
    two = server_process(redis_url=redis_url, config=config)
    olli = await connect_staff(one, "Olli", url=two.url)
    olli_id = user_id(olli.identity_key)
    duty = one.services.stores.duty
    try:
        assert (await olli.call("mod.duty", {"on": True}))["ok"]
        await asyncio.sleep(REAL_GRACE + 2)  # both schedulers ticked: two keeps them on duty
        assert olli_id in await duty.on_duty()
        assert two.proc is not None
        two.proc.send_signal(signal.SIGKILL)
        two.proc.wait(5)
        killed = time.monotonic()
        while olli_id in await duty.on_duty() and time.monotonic() - killed < 20:
            await asyncio.sleep(0.2)
        took = time.monotonic() - killed
        print(f"off duty {took:.1f} s after SIGKILL (grace {REAL_GRACE:.0f} s)")
        assert olli_id not in await duty.on_duty()
        assert took >= REAL_GRACE - 2  # not before the grace (the last mark was before the kill)
        assert one.services.metrics.duty_absent == 1
    finally:
        await olli.close()
