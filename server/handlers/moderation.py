"""Flags and alerts on the server (issue 10): the rules are moderation/flags.py and alerts.py;
this module loads and stores their records, routes alerts to connections and audits.

    flag        a client's flag -> checked against the writer the relay bound to the message id
                at send (`RoomStore.sender_of`) -> merged per (room, message id) -> risk
                history -> alert
    alert.ack   a moderator it was sent to takes it; the others are told it is taken
    mod.duty    a moderator (a staff socket with the moderator role, handlers/staff_socket.py) goes
                on or off duty: the pool of `moderation.alerts.route`
    tick        the scheduler re-sends unacknowledged alerts past their stored deadline, wider
    night end   the room's alerts expire and its flags (the risk history) are dropped

Every change runs under the claim store's `mod:alerts` lock (one lock across processes on
Redis), so a flag, an acknowledgement and a re-send never interleave. A moderator is named by
their user id (`staff_id`), which is also the Socket.IO room their connections are in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from moderation.alerts import (
    Alert,
    AlertState,
    Delivery,
    OnDuty,
    acknowledge,
    due,
    expire,
    loads,
    open_alert,
    raise_alert,
)
from moderation.flags import Flag, FlagSource, MessageFlags, RiskHistory, merge_flag, record
from moderation.limits import RuleError
from server.domain.ids import user_id, user_room
from server.domain.roles import Role
from server.handlers import audit_log
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services
from server.wire.errors import ERROR_CODES, ApiError
from server.wire.moderation import AlertAck, Duty, FlagRequest
from server.wire.pushes import AlertUpdate, ModAlert

ALERTS_LOCK = "mod:alerts"


def rule_error(exc: RuleError) -> ApiError:
    """A pure model's refusal as a wire error (same code)."""
    return ApiError(exc.code if exc.code in ERROR_CODES else "bad_request")


def require_moderator(conn: Connection) -> str:
    """The moderator's staff id, or `not_moderator`."""
    if conn.role != Role.MODERATOR or conn.user_id is None:
        raise ApiError("not_moderator")
    return conn.user_id


def night_of(room: str) -> str:
    """The night a group room belongs to: the date in `<group>/<YYYY-MM-DD>`."""
    return room.partition("/")[2]


async def _room_moderators(services: Services, room: str) -> set[str]:
    return {user_id(m.identity_key) for m in await services.stores.rooms.members(room)
            if m.role == Role.MODERATOR}


async def roster(services: Services, rooms: Iterable[str]) -> list[OnDuty]:
    """Everyone who can be alerted: the duty pool, and every moderator present in `rooms`."""
    present: dict[str, set[str]] = {}
    for room in set(rooms):
        for staff in await _room_moderators(services, room):
            present.setdefault(staff, set()).add(room)
    ids = await services.stores.duty.on_duty() | set(present)
    return [OnDuty(staff_id=i, rooms=frozenset(present.get(i, ()))) for i in sorted(ids)]


async def _active(services: Services) -> list[Alert]:
    return await services.stores.alerts.active()


async def _put(services: Services, alert: Alert) -> None:
    await services.stores.alerts.put(alert)


async def _history(services: Services, night: str, pseudonym: str) -> RiskHistory:
    history: RiskHistory | None = None
    for merged in await services.stores.flags.of_night(night, pseudonym):
        history = record(history, merged, night)
    return history or RiskHistory(night=night)


async def _deliver(services: Services, alert: Alert, delivery: Delivery, *, source: str,
                   history: RiskHistory | None) -> None:
    push = ModAlert(alert=alert, delivery=delivery, source=source,
                    history=None if history is None else history.summary(alert.pseudonym))
    for staff in delivery.recipients:
        await services.emitter.emit(push, to=user_room(staff))
    services.metrics.alerts_sent[alert.severity] += len(delivery.recipients)
    if delivery.nobody_on_duty:
        services.metrics.alerts_unrouted[alert.severity] += 1
        services.log.warning("alert.nobody_on_duty", level=alert.severity)


async def flag(services: Services, conn: Connection, req: FlagRequest) -> dict[str, Any]:
    """Accept a flag, merge it, and open or raise the message's alert when it is raised."""
    assert conn.pseudonym is not None
    if req.source == FlagSource.SELF:
        if req.pseudonym not in (None, conn.pseudonym):
            raise ApiError("bad_request", "a self flag is about the writer's own message")
        pseudonym = conn.pseudonym
    elif req.source == FlagSource.MODERATOR:
        require_moderator(conn)
        if req.pseudonym is None:
            raise ApiError("bad_request", "a moderator flag names the writer")
        pseudonym = req.pseudonym
    else:
        raise ApiError("bad_source", "reports arrive as reports, not flags")
    now = services.clock.now()
    try:
        new = Flag(room=req.room, message_id=req.message_id, pseudonym=pseudonym,
                   severity=req.severity, categories=req.categories, rule_ids=req.rule_ids,
                   source=FlagSource(req.source), at=now)
    except RuleError as exc:
        raise rule_error(exc) from None
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    if await writer_of(services, req.room, req.message_id) != pseudonym:
        raise ApiError("flag_mismatch", "that message has another writer")
    return await record_flag(services, new, actor=conn.pseudonym)


async def writer_of(services: Services, room: str, message_id: str) -> str:
    """Who the relay stamped as the writer of a group message (its room seq) tonight:
    `unknown_message` when it relayed no such message (or forgot it: a restart of the
    embedded store, an erasure, the night's end). A flag takes a message id only for its
    writer, so nobody can pre-empt the writer's own flag with a lower one."""
    seq = int(message_id) if message_id.isdecimal() and len(message_id) <= 18 else 0
    writer = await services.stores.rooms.sender_of(room, seq) if seq > 0 else None
    if writer is None:
        raise ApiError("unknown_message", "the relay sent no such message in this room")
    return writer


async def record_flag(services: Services, new: Flag, *, actor: str) -> dict[str, Any]:
    """Merge a checked flag (a client's, or a stamped report's: server/handlers/reports.py),
    audit it, and open or raise the message's alert when it is raised."""
    now, pseudonym = new.at, new.pseudonym
    stores = services.stores
    async with services.stores.claims.lock(ALERTS_LOCK):
        existing = await stores.flags.get(new.room, new.message_id)
        try:
            merged, raised = merge_flag(existing, new)
        except RuleError as exc:
            raise rule_error(exc) from None
        await stores.flags.put(merged, night=night_of(new.room))
        services.metrics.flags[new.severity] += 1
        await audit_log.append(stores.audit, services.clock, actor=actor, action="flag",
                               room=new.room, pseudonym=pseudonym,
                               details={"message_id": new.message_id, "level": new.severity,
                                        "source": str(new.source),
                                        "categories": ",".join(new.categories)})
        if raised:
            alert_id: str | None = await _open_or_raise(services, merged, now,
                                                        source=str(new.source))
        else:  # merged into what is known: name the alert it joined, if one is open
            current = await stores.alerts.for_message(new.room, new.message_id)
            alert_id = None if current is None else current.id
    return {"severity": merged.severity, "raised": raised, "alert_id": alert_id}


async def _open_or_raise(services: Services, merged: MessageFlags, now: float, *,
                         source: str) -> str:
    stores, policy = services.stores, services.mod_settings.alerts
    active = await _active(services)
    load = loads(active)
    duty = await roster(services, [merged.room])
    history = await _history(services, night_of(merged.room), merged.pseudonym)
    current = await stores.alerts.for_message(merged.room, merged.message_id)
    delivery: Delivery | None
    if current is None:
        alert_id = "al-" + services.rng.bytes(8).hex()
        alert, delivery = open_alert(alert_id=alert_id, flags=merged, now=now, roster=duty,
                                     load=load, policy=policy)
        services.metrics.alerts_opened[alert.severity] += 1
        action = "alert_open"
    else:
        alert, delivery = raise_alert(current, merged, now=now, roster=duty, load=load,
                                      policy=policy)
        action = "alert_open"  # a raise re-routes: audited as the alert at its new level
    await _put(services, alert)
    await audit_log.append(stores.audit, services.clock, actor="server", action=action, room=alert.room,
                           pseudonym=alert.pseudonym,
                           details={"alert_id": alert.id, "level": alert.severity,
                                    "outcome": "routed" if delivery and delivery.recipients
                                    else "unrouted"})
    if delivery is not None:
        await _deliver(services, alert, delivery, source=source, history=history)
    return alert.id


async def ack(services: Services, conn: Connection, req: AlertAck) -> dict[str, Any]:
    """A moderator the alert was sent to takes it; the other recipients are told."""
    staff = require_moderator(conn)
    assert conn.pseudonym is not None
    async with services.stores.claims.lock(ALERTS_LOCK):
        current = await services.stores.alerts.get(req.alert_id)
        if current is None:
            raise ApiError("unknown_alert")
        try:
            alert = acknowledge(current, staff_id=staff, now=services.clock.now())
        except RuleError as exc:
            raise rule_error(exc) from None
        await _put(services, alert)
        await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                               action="alert_ack", room=alert.room, pseudonym=alert.pseudonym,
                               details={"alert_id": alert.id, "level": alert.severity})
    update = AlertUpdate(alert_id=alert.id, state=str(alert.state), by=conn.pseudonym)
    for other in alert.sent_to:
        await services.emitter.emit(update, to=user_room(other))
    return {"alert_id": alert.id, "state": str(alert.state)}


async def duty(services: Services, conn: Connection, req: Duty) -> dict[str, Any]:
    """On or off duty (the alert pool)."""
    staff = require_moderator(conn)
    assert conn.pseudonym is not None
    await services.stores.duty.put(staff, req.on)
    if req.on:  # seen now: a process that dies before its next tick still gives the grace
        await services.stores.duty.seen([staff], services.clock.now())
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                           action="duty_on" if req.on else "duty_off")
    return {"on_duty": req.on}


async def resend_due(services: Services) -> int:
    """Re-send every open alert past its stored deadline to everyone on duty (scheduler tick).
    Returns how many alerts were re-sent."""
    now = services.clock.now()
    sent = 0
    async with services.stores.claims.lock(ALERTS_LOCK):
        active = await _active(services)
        late = [a for a in active if a.state is AlertState.OPEN and a.deadline is not None
                and a.deadline <= now]
        if not late:
            return 0
        duty_roster = await roster(services, {a.room for a in late})
        for alert, delivery in due(late, now=now, roster=duty_roster,
                                   policy=services.mod_settings.alerts):
            await _put(services, alert)
            services.metrics.alerts_resent[alert.severity] += 1
            await audit_log.append(services.stores.audit, services.clock, actor="server",
                                   action="alert_widen", room=alert.room,
                                   pseudonym=alert.pseudonym,
                                   details={"alert_id": alert.id, "level": alert.severity,
                                            "round": alert.widened})
            await _deliver(services, alert, delivery, source="", history=None)
            sent += 1
    return sent


async def night_ended(services: Services, room: str) -> None:
    """The room closed: its alerts expire, its flags (the risk history) are dropped."""
    now = services.clock.now()
    async with services.stores.claims.lock(ALERTS_LOCK):
        for alert in await _active(services):
            if alert.room != room:
                continue
            expired = expire(alert, now=now)
            await _put(services, expired)
            await audit_log.append(services.stores.audit, services.clock, actor="server",
                                   action="alert_expire", room=room, pseudonym=alert.pseudonym,
                                   details={"alert_id": alert.id})
        await services.stores.flags.drop_room(room)


EVENTS = (
    Event(name="flag", decode=FlagRequest.decode, rule=flag, budget=Budget.OTHER),
    Event(name="alert.ack", decode=AlertAck.decode, rule=ack, budget=Budget.OTHER),
    Event(name="mod.duty", decode=Duty.decode, rule=duty, budget=Budget.OTHER),
)
