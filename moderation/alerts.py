"""Alerts to moderators: who is told, the load cap, widening when nobody answers, acknowledgement.

An alert is opened when a message's merged flags are *raised* (``flags.merge_flag``). Records are
frozen; every function returns a new record with ``version`` + 1, so a store can write it with a
compare-and-set on the version. Time is the caller's ``now`` (seconds); ids are passed in.

The life of an alert is this one table (anything not in it is refused with the state's code)::

    state          event        -> state          notes
    -------------  -----------  ----------------  ------------------------------------------
    open           widen        open              deadline passed: re-sent to everyone on duty
    open           raise        open              higher severity; level 4 re-sent to all on duty
    open           acknowledge  acknowledged      only someone it was sent to
    open           expire       expired           the room's night ended
    acknowledged   raise        acknowledged      the acknowledger is told the new level
    acknowledged   resolve      resolved          only the acknowledger
    acknowledged   expire       expired
    resolved       -            (final)
    expired        -            (final)

Routing rules (``route``):

* Level 4 goes to **everyone on duty at once**, whatever their load: a life at risk outranks the
  cap (those over it are listed in ``Delivery.over_cap``).
* Below 4: the moderators present in the alert's room, then ``pool_size`` moderators of the
  on-duty pool (least loaded first, then by id). A moderator's load is the set of rooms in which
  they hold an open alert (sent to them, unacknowledged) or an acknowledged one; nobody is sent an
  alert that would take them over ``load_cap`` rooms. A room moderator skipped for the cap hands
  their place to the next pool moderator (overflow goes to the next).
* If that leaves nobody (everyone at the cap, or nobody in the room and no pool places), the
  on-duty leads get it (or, without a lead, the least loaded moderator), those at the cap marked
  over cap: an alert never goes nowhere while someone is on duty. With nobody
  on duty, ``Delivery.nobody_on_duty`` is set for the adapter to raise it elsewhere.
* An alert still open at its deadline is widened to everyone on duty and re-sent every
  ``resend_after_seconds`` until acknowledged or expired. The next deadline counts from ``now``,
  not from the missed one, so a server that was down re-sends once, not a burst.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from moderation.flags import FlagSource, MessageFlags
from moderation.limits import SEVERITY_MAX, RuleError, check_id, check_severity, check_time


class AlertState(StrEnum):
    """Where an alert is in its life."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXPIRED = "expired"


class AlertEvent(StrEnum):
    """What can happen to an alert."""

    WIDEN = "widen"
    RAISE = "raise"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    EXPIRE = "expire"


S, E = AlertState, AlertEvent
TRANSITIONS: dict[tuple[AlertState, AlertEvent], AlertState] = {
    (S.OPEN, E.WIDEN): S.OPEN,
    (S.OPEN, E.RAISE): S.OPEN,
    (S.OPEN, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.OPEN, E.EXPIRE): S.EXPIRED,
    (S.ACKNOWLEDGED, E.RAISE): S.ACKNOWLEDGED,
    (S.ACKNOWLEDGED, E.RESOLVE): S.RESOLVED,
    (S.ACKNOWLEDGED, E.EXPIRE): S.EXPIRED,
}
"""The whole state machine of an alert (see the module docstring)."""

REFUSALS: dict[AlertState, str] = {
    S.OPEN: "alert_not_acknowledged",
    S.ACKNOWLEDGED: "alert_already_acknowledged",
    S.RESOLVED: "alert_closed",
    S.EXPIRED: "alert_closed",
}
"""The stable code of an event the table refuses, by the alert's state."""
del S, E


class Audience(StrEnum):
    """Who a delivery was meant for."""

    ROOM = "room"  # moderators in the room, plus the pool, under the cap
    DUTY = "duty"  # everyone on duty


@dataclass(frozen=True, kw_only=True)
class AlertPolicy:
    """Alert settings (``config/moderation.toml`` ``[alerts]``)."""

    resend_after_seconds: float
    load_cap: int
    pool_size: int

    def __post_init__(self) -> None:
        if not 5 <= check_time(self.resend_after_seconds, "resend_after_seconds") <= 3600:
            raise RuleError("bad_config", "resend_after_seconds must be 5..3600")
        if not 1 <= self.load_cap <= 50:
            raise RuleError("bad_config", "load_cap must be 1..50")
        if not 0 <= self.pool_size <= 50:
            raise RuleError("bad_config", "pool_size must be 0..50")


@dataclass(frozen=True, kw_only=True)
class OnDuty:
    """A moderator on duty: their staff id, the rooms they are present in, whether a lead."""

    staff_id: str
    rooms: frozenset[str]
    lead: bool = False


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """Who to send an alert to now (staff ids, sorted), and why."""

    alert_id: str
    audience: Audience
    recipients: tuple[str, ...]
    over_cap: tuple[str, ...] = ()
    nobody_on_duty: bool = False


@dataclass(frozen=True, kw_only=True)
class Alert:
    """One alert about one flagged message. Never text: ids, level, categories, sources."""

    id: str
    room: str
    message_id: str
    pseudonym: str
    severity: int
    categories: tuple[str, ...]
    sources: tuple[FlagSource, ...]
    state: AlertState
    opened_at: float
    deadline: float | None
    sent_to: tuple[str, ...] = ()
    widened: int = 0
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    closed_at: float | None = None
    version: int = 1

    def __post_init__(self) -> None:
        check_id(self.id, "alert id")
        check_severity(self.severity)
        check_time(self.opened_at, "opened_at")
        if self.state is AlertState.ACKNOWLEDGED and self.acknowledged_by is None:
            raise RuleError("bad_alert", "an acknowledged alert names who acknowledged it")


def _apply(alert: Alert, event: AlertEvent) -> AlertState:
    target = TRANSITIONS.get((alert.state, event))
    if target is None:
        raise RuleError(REFUSALS[alert.state], f"{event} refused in state {alert.state}")
    return target


def loads(alerts: Iterable[Alert]) -> dict[str, frozenset[str]]:
    """Each moderator's load: the rooms in which they hold an open or acknowledged alert."""
    out: dict[str, set[str]] = {}
    for a in alerts:
        if a.state is AlertState.OPEN:
            holders: Iterable[str] = a.sent_to
        elif a.state is AlertState.ACKNOWLEDGED and a.acknowledged_by is not None:
            holders = (a.acknowledged_by,)
        else:
            continue
        for staff in holders:
            out.setdefault(staff, set()).add(a.room)
    return {k: frozenset(v) for k, v in out.items()}


def route(
    *,
    alert_id: str,
    room: str,
    severity: int,
    roster: Sequence[OnDuty],
    load: Mapping[str, frozenset[str]],
    policy: AlertPolicy,
    audience: Audience | None = None,
) -> Delivery:
    """Who gets an alert now (rules in the module docstring)."""
    if not roster:
        return Delivery(alert_id=alert_id, audience=Audience.DUTY, recipients=(), nobody_on_duty=True)

    def rooms_of(m: OnDuty) -> frozenset[str]:
        return load.get(m.staff_id, frozenset())

    def at_cap(m: OnDuty) -> bool:
        held = rooms_of(m)
        return room not in held and len(held) >= policy.load_cap

    if audience is None:
        audience = Audience.DUTY if severity >= SEVERITY_MAX else Audience.ROOM
    if audience is Audience.DUTY:
        ids = tuple(sorted(m.staff_id for m in roster))
        over = tuple(sorted(m.staff_id for m in roster if at_cap(m)))
        return Delivery(alert_id=alert_id, audience=audience, recipients=ids, over_cap=over)

    def by_load(m: OnDuty) -> tuple[int, str]:
        return (len(rooms_of(m)), m.staff_id)

    in_room = sorted((m for m in roster if room in m.rooms), key=by_load)
    pool = sorted((m for m in roster if room not in m.rooms), key=by_load)
    chosen = [m.staff_id for m in in_room if not at_cap(m)]
    quota = policy.pool_size + (len(in_room) - len(chosen))
    chosen += [m.staff_id for m in pool if not at_cap(m)][:quota]
    if chosen:
        return Delivery(alert_id=alert_id, audience=audience, recipients=tuple(sorted(chosen)))
    leads = [m for m in roster if m.lead]
    fallback = leads or [min(roster, key=by_load)]
    ids = tuple(sorted(m.staff_id for m in fallback))
    over = tuple(sorted(m.staff_id for m in fallback if at_cap(m)))
    return Delivery(alert_id=alert_id, audience=audience, recipients=ids, over_cap=over)


def _sent(alert: Alert, delivery: Delivery) -> tuple[str, ...]:
    return tuple(sorted(set(alert.sent_to) | set(delivery.recipients)))


def open_alert(
    *,
    alert_id: str,
    flags: MessageFlags,
    now: float,
    roster: Sequence[OnDuty],
    load: Mapping[str, frozenset[str]],
    policy: AlertPolicy,
) -> tuple[Alert, Delivery]:
    """A new alert for a raised message, and its first delivery."""
    delivery = route(
        alert_id=alert_id, room=flags.room, severity=flags.severity, roster=roster, load=load, policy=policy
    )
    alert = Alert(
        id=alert_id,
        room=flags.room,
        message_id=flags.message_id,
        pseudonym=flags.pseudonym,
        severity=flags.severity,
        categories=flags.categories,
        sources=flags.sources,
        state=AlertState.OPEN,
        opened_at=now,
        deadline=now + policy.resend_after_seconds,
        sent_to=tuple(sorted(delivery.recipients)),
    )
    return alert, delivery


def raise_alert(
    alert: Alert,
    flags: MessageFlags,
    *,
    now: float,
    roster: Sequence[OnDuty],
    load: Mapping[str, frozenset[str]],
    policy: AlertPolicy,
) -> tuple[Alert, Delivery | None]:
    """Fold a higher merged severity into the alert; who must hear about it, if anyone."""
    if flags.key != (alert.room, alert.message_id):
        raise RuleError("flag_mismatch", "flags are about another message")
    state = _apply(alert, AlertEvent.RAISE)
    updated = replace(
        alert,
        state=state,
        severity=max(alert.severity, flags.severity),
        categories=flags.categories,
        sources=flags.sources,
        version=alert.version + 1,
    )
    if updated.severity == alert.severity:
        return updated, None
    if state is AlertState.ACKNOWLEDGED:
        assert alert.acknowledged_by is not None
        who = (alert.acknowledged_by,)
        return updated, Delivery(alert_id=alert.id, audience=Audience.ROOM, recipients=who)
    delivery = route(
        alert_id=alert.id, room=alert.room, severity=updated.severity, roster=roster, load=load, policy=policy
    )
    return replace(updated, sent_to=_sent(updated, delivery)), delivery


def acknowledge(alert: Alert, *, staff_id: str, now: float) -> Alert:
    """A moderator it was sent to takes the alert (``not_a_recipient`` otherwise)."""
    state = _apply(alert, AlertEvent.ACKNOWLEDGE)
    if staff_id not in alert.sent_to:
        raise RuleError("not_a_recipient", "only a moderator the alert was sent to acknowledges it")
    return replace(
        alert,
        state=state,
        acknowledged_by=staff_id,
        acknowledged_at=check_time(now, "now"),
        deadline=None,
        version=alert.version + 1,
    )


def resolve(alert: Alert, *, staff_id: str, now: float) -> Alert:
    """The acknowledging moderator closes the alert (``not_acknowledger`` for anyone else)."""
    state = _apply(alert, AlertEvent.RESOLVE)
    if staff_id != alert.acknowledged_by:
        raise RuleError("not_acknowledger", "only the moderator who acknowledged resolves")
    return replace(alert, state=state, closed_at=check_time(now, "now"), version=alert.version + 1)


def expire(alert: Alert, *, now: float) -> Alert:
    """The room's night ended with the alert still open or acknowledged."""
    state = _apply(alert, AlertEvent.EXPIRE)
    return replace(alert, state=state, deadline=None, closed_at=now, version=alert.version + 1)


def due(
    alerts: Iterable[Alert],
    *,
    now: float,
    roster: Sequence[OnDuty],
    policy: AlertPolicy,
) -> list[tuple[Alert, Delivery]]:
    """The re-sends due at ``now``: every open alert past its deadline, widened to all on duty.

    Returns the updated alerts (new deadline ``now + resend_after_seconds``) with their deliveries,
    ordered by severity (highest first), then by how long they have waited.
    """
    alerts = list(alerts)
    load = loads(alerts)
    out: list[tuple[Alert, Delivery]] = []
    for alert in sorted(alerts, key=lambda a: (-a.severity, a.opened_at, a.id)):
        if alert.state is not AlertState.OPEN or alert.deadline is None or alert.deadline > now:
            continue
        state = _apply(alert, AlertEvent.WIDEN)
        delivery = route(
            alert_id=alert.id,
            room=alert.room,
            severity=alert.severity,
            roster=roster,
            load=load,
            policy=policy,
            audience=Audience.DUTY,
        )
        widened = replace(
            alert,
            state=state,
            deadline=now + policy.resend_after_seconds,
            sent_to=_sent(alert, delivery),
            widened=alert.widened + 1,
            version=alert.version + 1,
        )
        out.append((widened, delivery))
    return out
