"""Sanctions and room controls on the server (issue 10): who may (moderation/authorise.py),
what they are (moderation/sanctions.py), what people are told (moderation/notices.py).

    mod.sanction         mute, remove, ban, slow mode, lock, read-only, delete a message
    mod.lift             end one early
    room.read_only_self  a peer's own "I'll just read tonight" (binding for them)
    gate                 called by room.join and room.send: the first refusal, with a notice

The sanctioned person is pushed `mod.notice` (what, why in fi/sv/en, until when) on every
connection of their key; the room is pushed only what it needs (`room.notice`, `room.tombstone`)
and never who was sanctioned. Nothing has to run for a sanction to end: `check` reads its end.
A moderator's "rooms they moderate" are the rooms their connection is in (interim, until staff
sign in on the socket and rooms are assigned to shifts).
"""

from __future__ import annotations

import json
from typing import Any

from config.groups import GroupSpec
from moderation import sanctions as S
from moderation.authorise import Actor, Role, authorise, authorise_lift, is_room_staff
from moderation.limits import RuleError
from moderation.notices import (
    LANGUAGES,
    Notice,
    lifted_notice,
    person_notice,
    refusal_notice,
    room_notice,
)
from moderation.records import from_record, to_record
from moderation.sanctions import Action, Sanction, SanctionKind
from server import pseudonyms
from server.context import Connection, Relay, b64, user_room
from server.crypto import user_id
from server.errors import ApiError
from server.handlers import audit_log
from server.handlers.moderation import rule_error
from server.limits import MAX_ROOM_ID_CHARS
from server.schedule import current_occurrence, parse_room
from server.wire_moderation import Lift, ReadOnlySelf, SanctionRequest

SLOW_MODE_TTL_SECONDS = 3600


def actor_of(conn: Connection, room: str | None = None) -> Actor:
    """The acting connection as a `moderation.authorise.Actor` (peer or moderator)."""
    assert conn.pseudonym is not None
    if conn.role == "moderator":
        rooms = set(conn.rooms) | ({room} if room else set())
        return Actor(id=conn.pseudonym, role=Role.MODERATOR, rooms=frozenset(rooms))
    return Actor(id=conn.pseudonym, role=Role.PEER)


def notice_wire(notice: Notice, **extra: Any) -> dict[str, Any]:
    """A notice as pushed or answered: key, parameters, and the tombstone's message id."""
    out: dict[str, Any] = {"key": notice.key, "params": dict(notice.params), **extra}
    if notice.message_id is not None:
        out["message_id"] = notice.message_id
    return out


def _tonight(relay: Relay, room: str) -> tuple[GroupSpec, float]:
    parsed = parse_room(room) if len(room) <= MAX_ROOM_ID_CHARS else None
    group = next((g for g in relay.settings.groups if parsed and g.id == parsed[0]), None)
    if group is None:
        raise ApiError("unknown_group")
    night = current_occurrence(group, relay.clock.now())
    if night.room != room:
        raise ApiError("night_over")
    return group, night.ends_at


async def _load(relay: Relay, room: str, pseudonym: str | None) -> list[Sanction]:
    return [from_record(Sanction, json.loads(r))
            for r in await relay.moderation.sanctions_for(room, pseudonym)]


async def _target_role(relay: Relay, room: str, pseudonym: str | None) -> Role:
    if pseudonym is None:
        return Role.PEER
    for raw in (await relay.store.room_members(room)).values():
        member = json.loads(raw)
        if member["pseudonym"] == pseudonym and member["role"] == "moderator":
            return Role.MODERATOR
    binding = await relay.store.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is not None and binding.pseudonym == pseudonym and \
            b64(binding.identity_key) in relay.settings.moderator_keys:
        return Role.MODERATOR
    return Role.PEER


def _build(req: SanctionRequest, actor: Actor, sid: str, now: float, night_end: float
           ) -> Sanction:
    reason = {"reason_code": req.reason_code, "reason_text": req.reason_text}
    common: dict[str, Any] = {"id": sid, "actor_id": actor.id, "now": now, **reason}
    kind = SanctionKind(req.kind)
    if kind is SanctionKind.MUTE:
        return S.mute(room=req.room, pseudonym=_who(req), minutes=_n(req.minutes), **common)
    if kind is SanctionKind.REMOVE:
        return S.remove_tonight(room=req.room, pseudonym=_who(req), night_end=night_end,
                                **common)
    if kind is SanctionKind.BAN:
        if req.appeal_note is None:
            raise ApiError("bad_request", "a ban carries an appeal note")
        return S.ban(room=req.room, pseudonym=_who(req), appeal_note=req.appeal_note,
                     days=None if req.permanent else _n(req.days), **common)
    if kind is SanctionKind.SLOW_MODE:
        return S.slow_mode(room=req.room, seconds=_n(req.seconds), night_end=night_end,
                           **common)
    if kind is SanctionKind.LOCK:
        return S.lock_room(room=req.room, night_end=night_end, **common)
    if kind is SanctionKind.READ_ONLY:
        return S.read_only_tonight(room=req.room, pseudonym=_who(req), night_end=night_end,
                                   self_chosen=False, **common)
    if req.message_id is None:
        raise ApiError("bad_request", "delete_message names the message")
    return S.delete_message(room=req.room, message_id=req.message_id, **common)


def _who(req: SanctionRequest) -> str:
    if req.pseudonym is None:
        raise ApiError("bad_request", f"{req.kind} names a pseudonym")
    return req.pseudonym


def _n(value: int | None) -> int:
    if value is None:
        raise ApiError("bad_duration")
    return value


async def sanction(relay: Relay, conn: Connection, req: SanctionRequest) -> dict[str, Any]:
    """A staff action: authorised against role and room before anything changes."""
    actor = actor_of(conn)
    kind = SanctionKind(req.kind)
    try:
        authorise(actor, kind, room=req.room, target_pseudonym=req.pseudonym,
                  target_role=await _target_role(relay, req.room, req.pseudonym),
                  ban_days=None if req.permanent else req.days)
        _, night_end = _tonight(relay, req.room)
        if req.reason_code is not None:
            relay.mod_settings.texts.check_reason_code(req.reason_code)
        made = _build(req, actor, "sa-" + relay.rng.bytes(8).hex(), relay.clock.now(),
                      night_end)
    except RuleError as exc:
        await _refused(relay, conn, req.room, exc.code)
        raise rule_error(exc) from None
    except ApiError as exc:
        await _refused(relay, conn, req.room, exc.code)
        raise
    return await _impose(relay, conn, made)


async def read_only_self(relay: Relay, conn: Connection, req: ReadOnlySelf) -> dict[str, Any]:
    """The person's own read-only for the rest of the night."""
    assert conn.pseudonym is not None
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    try:
        _, night_end = _tonight(relay, req.room)
        made = S.read_only_tonight(id="sa-" + relay.rng.bytes(8).hex(), actor_id=conn.pseudonym,
                                   room=req.room, pseudonym=conn.pseudonym,
                                   now=relay.clock.now(), night_end=night_end, self_chosen=True,
                                   reason_text="self-chosen")  # never shown: no reason
    except RuleError as exc:
        raise rule_error(exc) from None
    return await _impose(relay, conn, made)


async def _refused(relay: Relay, conn: Connection, room: str, code: str) -> None:
    assert conn.pseudonym is not None
    await audit_log.append(relay.moderation, relay.clock, actor=conn.pseudonym,
                           action="sanction_refused",
                           room=room if parse_room(room) else None, details={"code": code})


def _details(s: Sanction) -> dict[str, int | str]:
    out: dict[str, int | str] = {"sanction_id": s.id, "kind": str(s.kind)}
    if s.reason_code is not None:
        out["reason_code"] = s.reason_code
    if s.end is not None:
        out["until"] = int(s.end)
    if s.seconds is not None:
        out["seconds"] = s.seconds
    if s.message_id is not None:
        out["message_id"] = s.message_id
    return out


def public(s: Sanction) -> dict[str, Any]:
    """A sanction for the acting staff member (no free-text reason)."""
    return {"sanction_id": s.id, "kind": str(s.kind), "room": s.room, "pseudonym": s.pseudonym,
            "message_id": s.message_id, "start": s.start, "end": s.end,
            "self_chosen": s.self_chosen}


async def _impose(relay: Relay, conn: Connection, s: Sanction) -> dict[str, Any]:
    assert conn.pseudonym is not None
    await relay.moderation.put_sanction(s.id, s.room, s.pseudonym, s.kind is SanctionKind.BAN,
                                        json.dumps(to_record(s)))
    relay.metrics.sanctions[str(s.kind)] += 1
    await audit_log.append(relay.moderation, relay.clock, actor=conn.pseudonym,
                           action="sanction", room=s.room, pseudonym=s.pseudonym,
                           details=_details(s))
    await _tell(relay, s, lifted=False)
    if s.kind in (SanctionKind.REMOVE, SanctionKind.BAN) and s.pseudonym and s.room:
        await _drop_from_room(relay, s.room, s.pseudonym)
    return {"sanction": public(s)}


async def _tell(relay: Relay, s: Sanction, *, lifted: bool) -> None:
    texts = relay.mod_settings.texts
    if s.pseudonym is not None and s.kind in S.PERSON_KINDS:
        notice = lifted_notice(s) if lifted else person_notice(s, texts, "en")
        if notice is not None:
            reasons = {} if lifted or s.self_chosen else {
                lang: texts.reason(s, lang) for lang in LANGUAGES}
            params = {k: v for k, v in notice.params.items() if k != "reason"}
            push = notice_wire(Notice(key=notice.key, params=params), room=s.room,
                               sanction_id=s.id, kind=str(s.kind), reason=reasons)
            await _to_person(relay, s.pseudonym, "mod.notice", push)
    room_view = room_notice(s, lifted=lifted)
    if room_view is not None and s.room is not None:
        event = "room.tombstone" if room_view.key == "room.message_removed" else "room.notice"
        await relay.emitter.emit(event, notice_wire(room_view, room=s.room), to=s.room)


async def _to_person(relay: Relay, pseudonym: str, event: str, data: dict[str, Any]) -> None:
    binding = await relay.store.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is not None and binding.pseudonym == pseudonym:
        await relay.emitter.emit(event, data, to=user_room(user_id(binding.identity_key)))


async def _drop_from_room(relay: Relay, room: str, pseudonym: str) -> None:
    from server import rooms  # rooms calls the gate below: import at use, not at load

    binding = await relay.store.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is None or binding.pseudonym != pseudonym:
        return
    key = b64(binding.identity_key)
    for sid, member_key in (await relay.store.room_sids(room)).items():
        if member_key == key:
            await relay.emitter.leave_room(sid, room)
            await rooms.remove_sid(relay, room, sid, event="left")


async def lift(relay: Relay, conn: Connection, req: Lift) -> dict[str, Any]:
    """End a sanction early, if this actor may."""
    assert conn.pseudonym is not None
    raw = await relay.moderation.get_sanction(req.sanction_id)
    if raw is None:
        raise ApiError("unknown_sanction")
    current = from_record(Sanction, json.loads(raw))
    try:
        authorise_lift(actor_of(conn), current)
        lifted = S.lift(current, actor_id=conn.pseudonym, now=relay.clock.now())
    except RuleError as exc:
        await _refused(relay, conn, current.room or "-", exc.code)
        raise rule_error(exc) from None
    await relay.moderation.put_sanction(lifted.id, lifted.room, lifted.pseudonym,
                                        lifted.kind is SanctionKind.BAN,
                                        json.dumps(to_record(lifted)))
    await audit_log.append(relay.moderation, relay.clock, actor=conn.pseudonym,
                           action="sanction_lift", room=lifted.room, pseudonym=lifted.pseudonym,
                           details={"sanction_id": lifted.id, "kind": str(lifted.kind)})
    await _tell(relay, lifted, lifted=True)
    return {"sanction": public(lifted)}


async def gate(relay: Relay, conn: Connection, room: str, action: Action, *,
               moderator_required: bool = False, moderators_present: int = 1) -> None:
    """Refuse a join or send by the first sanction in force, with the person's notice."""
    assert conn.pseudonym is not None
    sanctions = await _load(relay, room, conn.pseudonym)
    now = relay.clock.now()
    slow = any(s.kind is SanctionKind.SLOW_MODE and s.active_at(now) for s in sanctions)
    last = await relay.moderation.last_sent(room, conn.pseudonym) if slow else None
    decision = S.check(sanctions, action=action, room=room, pseudonym=conn.pseudonym, now=now,
                       exempt=is_room_staff(actor_of(conn, room), room), last_sent_at=last,
                       moderator_required=moderator_required,
                       moderators_present=moderators_present)
    if not decision.allowed:
        assert decision.code is not None
        notice = refusal_notice(decision)
        raise ApiError(decision.code, notice=None if notice is None else notice_wire(notice))
    if action is Action.SEND and slow:
        await relay.moderation.set_last_sent(room, conn.pseudonym, now, SLOW_MODE_TTL_SECONDS)
