"""The scheduler: on every tick (driven by the injected clock) it pushes `group.opened` when a
night opens, `group.closing` five minutes before the end, and at the end closes the room
(`group.closed`, everyone removed). Each tick is also this process's heartbeat, and removes the
room connections of a process that stopped beating (crashed) from the shared store, removes
this process's room connections whose session is gone (orphans), and sweeps
expired 1:1 envelopes (a bounded batch per tick). The moderation pipeline (issue 10) hooks in
twice: a night's end expires its alerts and drops its flags, and after every ended night is
closed, unacknowledged alerts past their stored deadline are re-sent wider.
The escalation cases' stored deadlines (re-alerts, lapsed offers, unanswered hand-offs)
fire on every tick too, with their retention deletion. Moderators no process has seen
connected for the grace period go off duty (server/handlers/duty_presence.py).

Each transition is claimed once per store (`claim_once`), so with several processes on one
Redis exactly one of them announces it. Tests call `tick()` after moving a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection

from server.domain.schedule import OPEN, current_occurrence, iso, previous_occurrence
from server.handlers import cases_flow, duty_presence, moderation, offboard, room_life
from server.handlers.services import Services
from server.limits import (
    CLOSING_WARNING_SECONDS,
    INBOX_SWEEP_BATCH,
    PROCESS_DEAD_AFTER_SECONDS,
    SCHEDULER_TICK_SECONDS,
)
from server.wire.pushes import GroupClosing, GroupOpened

CLAIM_TTL_SECONDS = 3 * 24 * 3600
CLOSE_GRACE_SECONDS = 24 * 3600  # a night ended longer ago than this is not closed again


class Scheduler:
    """Opens, warns and closes tonight's rooms."""

    def __init__(self, services: Services,
                 live_sids: Callable[[], Collection[str]] | None = None,
                 end_expired_staff: Callable[[], Awaitable[int]] | None = None,
                 live_moderators: Callable[[], Collection[str]] | None = None) -> None:
        self._services = services
        self._live_moderators = live_moderators
        self._live_sids = live_sids
        self._end_expired_staff = end_expired_staff
        self._stopping = asyncio.Event()

    def __repr__(self) -> str:
        return "Scheduler()"

    async def tick(self) -> None:
        """Apply every transition due at the clock's current time."""
        services = self._services
        claims = services.stores.claims
        await room_life.reap_dead_processes(services, PROCESS_DEAD_AFTER_SECONDS)
        if self._live_sids is not None:
            await room_life.reap_orphans(services, self._live_sids)
        now = services.clock.now()
        await services.stores.inbox.sweep(now, INBOX_SWEEP_BATCH)
        await cases_flow.tick(services)
        for group in services.settings.groups:
            ended = previous_occurrence(group, now)
            if ended is not None and now - ended.ends_at < CLOSE_GRACE_SECONDS \
                    and await claims.claim_once(f"{ended.room}:closed", CLAIM_TTL_SECONDS):
                await room_life.close_room(services, ended.room, "ended")
                await moderation.night_ended(services, ended.room)
            night = current_occurrence(group, now)
            if night.state_at(now) != OPEN:
                continue
            if await claims.claim_once(f"{night.room}:opened", CLAIM_TTL_SECONDS):
                await services.emitter.emit(GroupOpened(room=night.room), to=night.room)
                services.log.info("group.opened", room=night.room)
            if not group.always_open and now >= night.ends_at - CLOSING_WARNING_SECONDS \
                    and await claims.claim_once(f"{night.room}:closing", CLAIM_TTL_SECONDS):
                await services.emitter.emit(
                    GroupClosing(room=night.room, closes_at=iso(night.ends_at, group)),
                    to=night.room)
                services.log.info("group.closing", room=night.room)
        # Staff sockets whose session ended (sign-out, disable, expiry), on this process;
        # then accounts an admin disabled leave the duty pools and their cases go back to the
        # queue (issue 15), before alerts are re-sent, so nothing is routed to them.
        if self._end_expired_staff is not None:
            await self._end_expired_staff()
        await offboard.release_disabled(services)
        # On duty means present: moderators no process saw for the grace go off duty.
        if self._live_moderators is not None:
            await duty_presence.sweep(services, self._live_moderators)
        # Stored alert deadlines (issue 10), after the ended nights' alerts have expired.
        await moderation.resend_due(services)

    async def run(self, interval: float = SCHEDULER_TICK_SECONDS) -> None:
        """Tick until `stop()`; a failed tick is logged and the next one tries again."""
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception as exc:
                self._services.log.error("scheduler.failed", code=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), interval)

    async def stop(self, task: asyncio.Task[None]) -> None:
        """Stop the loop started as `task`: ask it to finish its tick, then cancel if it must.

        A stop flag rather than a bare cancel, because a client library that swallows a
        CancelledError in the middle of a tick would otherwise leave the loop running forever.
        """
        self._stopping.set()
        done, _ = await asyncio.wait({task}, timeout=5)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
