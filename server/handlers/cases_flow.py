"""The shared steps of escalation on the server: change a case (compare-and-set, retried on a
lost race so every refusal is decided on the latest version), what the person and the
counsellors see, telling the waiting people when the queue moves, fair offers, and the
scheduler's tick (stored deadlines, retention).

The rules are the pure `escalation/` model; this module only reads, asks it, writes and pushes.
Pushes go to `user:<id>` rooms (every connection of one key), `cases:duty` (counsellors set
available) and `cases:supervisors` (`cases.health {watch: true}`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Final

from escalation import machine as m
from escalation.case import IN_SESSION, TERMINAL, WAITING, Case, CaseState
from escalation.fallback import decide
from escalation.hours import is_open, next_opening
from escalation.offering import CounsellorStatus, plan_offers, sessions_held
from escalation.policy import EscalationPolicy, Notify
from escalation.queue import Estimate, estimate_wait, position
from escalation.timers import DueKind
from escalation.timers import due as timers_due
from moderation.limits import RuleError
from server.domain import ids, pseudonyms
from server.domain.ids import user_id, user_room
from server.handlers import audit_log
from server.handlers.services import Services
from server.storage.cases import CounsellorRecord
from server.wire.case_pushes import (
    CaseAlert,
    CaseHandoff,
    CaseOffer,
    CaseQueue,
    CaseStatus,
    CaseSummary,
    CaseUpdate,
    CounsellorInfo,
)
from server.wire.errors import ERROR_CODES, ApiError
from server.wire.pushes import Push

MAX_OPEN_CASES: Final = 1000
"""Open cases at once; beyond it `case.request` answers `queue_full` (and the alternatives)."""
CAS_ATTEMPTS: Final = 8
"""Re-reads of a case that another process changed between our read and our write."""
DUE_BATCH: Final = 200
"""Cases whose timers one tick fires."""
DELETE_BATCH: Final = 100
"""Finished cases one tick deletes after retention."""
CLAIMS_LOOKED_AT: Final = 1000
"""Recent claims the estimate and queue health read."""
DUTY_ROOM: Final = ids.DUTY_ROOM
SUPERVISOR_ROOM: Final = ids.SUPERVISOR_ROOM
DAY: Final = 86400


def policy_of(services: Services) -> EscalationPolicy:
    """The escalation settings in force."""
    return services.escalation


def rule_error(exc: RuleError) -> ApiError:
    """A model refusal as the wire error of the same code."""
    return ApiError(exc.code if exc.code in ERROR_CODES else "bad_request")


async def change(services: Services, case_id: str, step: Callable[[Case], Case]) -> tuple[Case, Case]:
    """Apply a machine `step` to the stored case with compare-and-set; (before, after)."""
    store = services.stores.cases
    for _ in range(CAS_ATTEMPTS):
        case = await store.get(case_id)
        if case is None:
            raise ApiError("unknown_case")
        try:
            new = step(case)
        except RuleError as exc:
            raise rule_error(exc) from None
        if await store.replace(new, expected_version=case.version):
            return case, new
    raise ApiError("version_conflict")


async def person_room(services: Services, pseudonym: str) -> str | None:
    """The `user:` room of whoever holds the pseudonym now (None if nobody does)."""
    binding = await services.stores.identities.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is None or binding.pseudonym != pseudonym:
        return None
    return user_room(user_id(binding.identity_key))


async def to_person(services: Services, case: Case, push: Push) -> None:
    """Push to every connection of the case's person (if they hold their pseudonym)."""
    room = await person_room(services, case.pseudonym)
    if room is not None:
        await services.emitter.emit(push, to=room)


def _iso(services: Services, t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, policy_of(services).hours.tz).isoformat(timespec="seconds")


class Snapshot:
    """One read of what positions, estimates, fallbacks and offers are decided on."""

    def __init__(self, *, waiting: list[Case], open_cases: list[Case], claim_times: list[float],
                 counsellors: list[CounsellorRecord], now: float) -> None:
        self.waiting = waiting
        self.open_cases = open_cases
        self.claim_times = claim_times
        self.counsellors = counsellors
        self.now = now

    def __repr__(self) -> str:
        return f"Snapshot(waiting={len(self.waiting)})"

    @property
    def available(self) -> int:
        """Counsellors set available now."""
        return sum(1 for c in self.counsellors if c.available)

    def statuses(self) -> list[CounsellorStatus]:
        """Every counsellor's availability with the sessions they hold now."""
        held = sessions_held(self.open_cases)
        return [CounsellorStatus(id=c.id, available=c.available, capacity=c.capacity,
                                 active=held.get(c.id, 0), idle_since=c.idle_since)
                for c in self.counsellors]

    def estimate(self, services: Services, case: Case) -> Estimate | None:
        """The estimated wait of a waiting case, if there is an honest one."""
        pos = position(self.waiting, case.id)
        if pos is None:
            return None
        p = policy_of(services)
        return estimate_wait(position=pos, claim_times=self.claim_times, now=self.now,
                             window_seconds=p.estimate_window_seconds,
                             min_claims=p.estimate_min_claims)


async def snapshot(services: Services) -> Snapshot:
    """Read the queue, the open cases, recent claims and the counsellors."""
    store = services.stores.cases
    now = services.clock.now()
    window = policy_of(services).estimate_window_seconds
    open_cases = await store.open_cases(MAX_OPEN_CASES)
    waiting = sorted((c for c in open_cases if c.state in WAITING),
                     key=lambda c: (-c.severity, c.queued_at or c.created_at, c.id))
    claimed = await store.claimed_since(now - window, CLAIMS_LOOKED_AT)
    return Snapshot(waiting=waiting, open_cases=open_cases,
                    claim_times=[c.claimed_at for c in claimed if c.claimed_at is not None],
                    counsellors=await store.counsellors(), now=now)


def counsellor_info(record: CounsellorRecord | None) -> CounsellorInfo | None:
    """What the person is told about their counsellor."""
    if record is None:
        return None
    return CounsellorInfo(name=record.name, pseudonym=record.name, identity_key=record.identity_key)


async def status(services: Services, case: Case, snap: Snapshot | None = None) -> CaseStatus:
    """The person's view of `case`."""
    snap = snap or await snapshot(services)
    p = policy_of(services)
    now = snap.now
    estimate = snap.estimate(services, case)
    fallback_reason: str | None = None
    alternatives: tuple[str, ...] = ()
    opens_at = None if is_open(p.hours, now) else next_opening(p.hours, now)
    if case.state in WAITING or case.state is CaseState.REQUESTED:
        fb = decide(case, now=now, policy=p, available_counsellors=snap.available,
                    estimate=estimate)
        if fb.reason is not None:
            fallback_reason, alternatives = fb.reason.value, fb.alternatives
    counsellor = None
    if case.state in IN_SESSION and case.counsellor is not None:
        counsellor = counsellor_info(next((c for c in snap.counsellors if c.id == case.counsellor),
                                          None))
    return CaseStatus(case_code=case.id, state=case.state.value, level=case.severity,
                      position=position(snap.waiting, case.id),
                      estimated_wait_s=None if estimate is None else estimate.seconds,
                      fallback=fallback_reason, alternatives=alternatives,
                      open_now=opens_at is None, opens_at=_iso(services, opens_at),
                      counsellor=counsellor,
                      outcome=None if case.outcome is None else case.outcome.value)


def summary(case: Case, *, now: float, me: str | None) -> CaseSummary:
    """A counsellor's view of `case` (no pseudonym)."""
    return CaseSummary(case_id=case.id, version=case.version, state=case.state.value,
                       level=case.severity, categories=case.categories,
                       source=case.source.value, from_group=case.room is not None,
                       shared_items=case.shared_items, queued_at=case.queued_at,
                       waited_s=int(case.waited(now)), realerts=case.realerts,
                       offered_to_me=me is not None and case.offered_to == me)


def queue_version(waiting: Sequence[Case]) -> str:
    """A digest of the waiting cases in order with their versions: equal means the same queue
    (what `case.list` shows, offers and raised levels included). Any process computes the same
    one from the same store, so no counter is kept."""
    digest = hashlib.blake2b(digest_size=8)
    for case in waiting:
        digest.update(f"{case.id}:{case.version};".encode("ascii"))
    return digest.hexdigest()


def queue_push(waiting: Sequence[Case]) -> CaseQueue:
    """`case.queue` for this queue: how many wait, the highest level, the version."""
    return CaseQueue(waiting=len(waiting),
                     top_level=max((c.severity for c in waiting), default=None),
                     version=queue_version(waiting))


async def queue_changed(services: Services) -> None:
    """The queue moved: tell every waiting person their position, estimate and fallback, offer
    waiting cases to counsellors with a free place, then tell every counsellor on duty and
    every supervisor watching (`case.queue`, once per connection): offers reach only as many
    counsellors as have a free place, so without it a console would show a stale queue."""
    snap = await snapshot(services)
    for case in snap.waiting:
        await to_person(services, case, CaseUpdate(status=await status(services, case, snap)))
    offered = {c.id: c for c in await make_offers(services, snap)}
    waiting = [offered.get(c.id, c) for c in snap.waiting]
    await services.emitter.emit(queue_push(waiting), to=[DUTY_ROOM, SUPERVISOR_ROOM])


async def make_offers(services: Services, snap: Snapshot) -> list[Case]:
    """Offer queued cases fairly (`escalation.offering.plan_offers`); a case another process
    offered first is left alone (its compare-and-set loses). The cases offered, as stored."""
    p = policy_of(services)

    def offer_to(who: str) -> Callable[[Case], Case]:
        return lambda c: m.offer(c, counsellor=who, now=snap.now, policy=p)

    made = []
    for case_id, who in plan_offers(snap.open_cases, snap.statuses()):
        try:
            _, offered = await change(services, case_id, offer_to(who))
        except ApiError:
            continue
        assert offered.offer_deadline is not None
        made.append(offered)
        await services.emitter.emit(
            CaseOffer(case=summary(offered, now=snap.now, me=who), expires_at=offered.offer_deadline),
            to=user_room(who))
    return made


async def open_count(services: Services) -> int:
    """How many cases are open now (bounded read)."""
    return len(await services.stores.cases.open_cases(MAX_OPEN_CASES))


def _notify_rooms(notify: Iterable[Notify]) -> list[str]:
    rooms = []
    if Notify.DUTY in notify:
        rooms.append(DUTY_ROOM)
    if Notify.SUPERVISOR in notify:
        rooms.append(SUPERVISOR_ROOM)
    return rooms


async def tick(services: Services) -> None:
    """Fire the stored deadlines due now (re-alerts, lapsed offers, unanswered hand-offs) and
    delete finished cases past retention. Of several processes ticking at once, each timer's
    write lands once (compare-and-set), and only the process whose write landed pushes."""
    store = services.stores.cases
    p = policy_of(services)
    now = services.clock.now()
    moved = False
    for case in await store.due(now, DUE_BATCH):
        items = timers_due([case], now=now, policy=p)
        if not items or not await store.replace(items[-1].case, expected_version=case.version):
            continue
        for item in items:
            if item.kind is DueKind.REALERT:
                services.metrics.case_realerts[str(item.case.severity)] += 1
                alert = CaseAlert(case=summary(item.case, now=now, me=None),
                                  realerts=item.case.realerts, waited_s=int(item.waited_seconds))
                for room in _notify_rooms(item.notify):
                    await services.emitter.emit(alert, to=room)
                services.log.info("case.realert", level=item.case.severity,
                                  realerts=item.case.realerts)
            elif item.kind is DueKind.OFFER_LAPSED:
                moved = True
            elif item.kind is DueKind.CONSENT_EXPIRED and item.case.escalated_by is not None:
                await services.emitter.emit(CaseHandoff(case_id=case.id, state="expired"),
                                            to=user_room(item.case.escalated_by))
                await to_person(services, item.case,
                                CaseUpdate(status=await status(services, item.case)))
    if moved:
        await queue_changed(services)
    deleted = await store.delete_finished(now - p.retention_days * DAY, DELETE_BATCH)
    if deleted:
        services.metrics.cases_deleted += len(deleted)
        services.log.info("cases.deleted", count=len(deleted))
        try:
            await audit_log.append(services.stores.audit, services.clock, actor="system",
                                   action="case_delete", details={"days": p.retention_days})
        except Exception as exc:
            services.log.error("audit.failed", action="case_delete", code=type(exc).__name__)


async def audit(services: Services, *, actor: str, action: str, case: Case,
                **details: int | str) -> None:
    """An audit entry of a staff action on a case (ids, codes and levels only). The change it
    records is already stored, so a failed append is logged, not answered as a failure."""
    try:
        await audit_log.append(services.stores.audit, services.clock, actor=actor,
                               action=action, room=case.room,
                               details={"case_id": case.id, "level": case.severity, **details})
    except Exception as exc:
        services.log.error("audit.failed", action=action, code=type(exc).__name__)


def is_finished(case: Case) -> bool:
    """Closed, declined or expired."""
    return case.state in TERMINAL
