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

from collections.abc import Sequence
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
from moderation.sanctions import Action, Sanction, SanctionKind
from server.domain import pseudonyms
from server.domain.ids import user_id, user_room
from server.domain.roles import Role as ConnRole
from server.domain.schedule import current_occurrence, parse_room
from server.handlers import audit_log
from server.handlers.events import Budget, Event
from server.handlers.moderation import rule_error
from server.handlers.room_life import remove_sid
from server.handlers.services import Connection, Services
from server.limits import MAX_ROOM_ID_CHARS
from server.wire.errors import ApiError
from server.wire.moderation import Lift, ReadOnlySelf, SanctionRequest
from server.wire.pushes import ModNotice, RoomNotice, RoomTombstone, notice_body

SLOW_MODE_TTL_SECONDS = 3600


_ROLES = {ConnRole.MODERATOR: Role.MODERATOR, ConnRole.COUNSELLOR: Role.COUNSELLOR,
          ConnRole.ADMIN: Role.ADMIN}


def actor_of(conn: Connection, room: str | None = None) -> Actor:
    """The acting connection as a `moderation.authorise.Actor`, in its own role: a counsellor
    or an admin is not a peer (the rules answer a counsellor `role_not_allowed`, and let an
    admin review bans), so a staff role is never confused with a peer's."""
    assert conn.pseudonym is not None
    role = _ROLES.get(conn.role, Role.PEER)
    if role is Role.MODERATOR:
        rooms = set(conn.rooms) | ({room} if room else set())
        return Actor(id=conn.pseudonym, role=role, rooms=frozenset(rooms))
    return Actor(id=conn.pseudonym, role=role)


def _tonight(services: Services, room: str) -> tuple[GroupSpec, float]:
    parsed = parse_room(room) if len(room) <= MAX_ROOM_ID_CHARS else None
    group = next((g for g in services.settings.groups if parsed and g.id == parsed[0]), None)
    if group is None:
        raise ApiError("unknown_group")
    night = current_occurrence(group, services.clock.now())
    if night.room != room:
        raise ApiError("night_over")
    return group, night.ends_at


async def _load(services: Services, room: str, pseudonym: str | None) -> list[Sanction]:
    return await services.stores.sanctions.for_room(room, pseudonym)


async def _target_role(services: Services, room: str, pseudonym: str | None) -> Role:
    if pseudonym is None:
        return Role.PEER
    for member in await services.stores.rooms.members(room):
        if member.pseudonym == pseudonym and member.role != ConnRole.PEER:
            return Role.MODERATOR
    # A staff member outside the room: their pseudonym is their staff username, which no peer
    # can hold (docs/protocol.md, "Staff sign-in").
    if await services.staff_names.is_staff_name(pseudonyms.fold(pseudonym)):
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


async def sanction(services: Services, conn: Connection, req: SanctionRequest) -> dict[str, Any]:
    """A staff action: authorised against role and room before anything changes."""
    actor = actor_of(conn)
    kind = SanctionKind(req.kind)
    try:
        authorise(actor, kind, room=req.room, target_pseudonym=req.pseudonym,
                  target_role=await _target_role(services, req.room, req.pseudonym),
                  ban_days=None if req.permanent else req.days)
        _, night_end = _tonight(services, req.room)
        if req.reason_code is not None:
            services.mod_settings.texts.check_reason_code(req.reason_code)
        made = _build(req, actor, "sa-" + services.rng.bytes(8).hex(), services.clock.now(),
                      night_end)
    except RuleError as exc:
        await _refused(services, conn, req.room, exc.code)
        raise rule_error(exc) from None
    except ApiError as exc:
        await _refused(services, conn, req.room, exc.code)
        raise
    return await _impose(services, conn, made)


async def read_only_self(services: Services, conn: Connection, req: ReadOnlySelf) -> dict[str, Any]:
    """The person's own read-only for the rest of the night. A peer's promise: staff are not
    sanctioned (`target_is_staff`; a counsellor `role_not_allowed`), since a moderator could
    lift their own "binding" read-only and a staff name is no anonymous peer's."""
    assert conn.pseudonym is not None
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    try:
        authorise(actor_of(conn), SanctionKind.READ_ONLY, room=req.room,
                  target_pseudonym=conn.pseudonym,
                  target_role=Role.PEER if conn.staff is None else Role.MODERATOR)
        _, night_end = _tonight(services, req.room)
        made = S.read_only_tonight(id="sa-" + services.rng.bytes(8).hex(), actor_id=conn.pseudonym,
                                   room=req.room, pseudonym=conn.pseudonym,
                                   now=services.clock.now(), night_end=night_end, self_chosen=True,
                                   reason_text="self-chosen")  # never shown: no reason
    except RuleError as exc:
        raise rule_error(exc) from None
    return await _impose(services, conn, made)


async def _refused(services: Services, conn: Connection, room: str, code: str) -> None:
    assert conn.pseudonym is not None
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
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


async def _impose(services: Services, conn: Connection, s: Sanction) -> dict[str, Any]:
    assert conn.pseudonym is not None
    await services.stores.sanctions.put(s)
    services.metrics.sanctions[str(s.kind)] += 1
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                           action="sanction", room=s.room, pseudonym=s.pseudonym,
                           details=_details(s))
    await _tell(services, s, lifted=False)
    if s.kind in (SanctionKind.REMOVE, SanctionKind.BAN) and s.pseudonym and s.room:
        await _drop_from_room(services, s.room, s.pseudonym)
    return {"sanction": public(s)}


async def _tell(services: Services, s: Sanction, *, lifted: bool) -> None:
    texts = services.mod_settings.texts
    if s.pseudonym is not None and s.kind in S.PERSON_KINDS:
        notice = lifted_notice(s) if lifted else person_notice(s, texts, "en")
        if notice is not None:
            reasons = {} if lifted or s.self_chosen else {
                lang: texts.reason(s, lang) for lang in LANGUAGES}
            params = {k: v for k, v in notice.params.items() if k != "reason"}
            push = ModNotice(notice=Notice(key=notice.key, params=params), room=s.room,
                             sanction_id=s.id, kind=str(s.kind), reason=reasons)
            await _to_person(services, s.pseudonym, push)
    room_view = room_notice(s, lifted=lifted)
    if room_view is not None and s.room is not None:
        kind = RoomTombstone if room_view.key == "room.message_removed" else RoomNotice
        await services.emitter.emit(kind(room=s.room, notice=room_view), to=s.room)


async def _to_person(services: Services, pseudonym: str, push: ModNotice) -> None:
    binding = await services.stores.identities.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is not None and binding.pseudonym == pseudonym:
        await services.emitter.emit(push, to=user_room(user_id(binding.identity_key)))


async def _drop_from_room(services: Services, room: str, pseudonym: str) -> None:
    binding = await services.stores.identities.binding_of_name(pseudonyms.fold(pseudonym))
    if binding is None or binding.pseudonym != pseudonym:
        return
    for sid, member_key in (await services.stores.rooms.sids(room)).items():
        if member_key == binding.identity_key:
            await services.emitter.leave_room(sid, room)
            await remove_sid(services, room, sid, event="left")


async def lift(services: Services, conn: Connection, req: Lift) -> dict[str, Any]:
    """End a sanction early, if this actor may."""
    assert conn.pseudonym is not None
    current = await services.stores.sanctions.get(req.sanction_id)
    if current is None:
        raise ApiError("unknown_sanction")
    try:
        authorise_lift(actor_of(conn), current)
        lifted = S.lift(current, actor_id=conn.pseudonym, now=services.clock.now())
    except RuleError as exc:
        await _refused(services, conn, current.room or "-", exc.code)
        raise rule_error(exc) from None
    await services.stores.sanctions.put(lifted)
    await audit_log.append(services.stores.audit, services.clock, actor=conn.pseudonym,
                           action="sanction_lift", room=lifted.room, pseudonym=lifted.pseudonym,
                           details={"sanction_id": lifted.id, "kind": str(lifted.kind)})
    await _tell(services, lifted, lifted=True)
    return {"sanction": public(lifted)}


async def gate(services: Services, conn: Connection, room: str, action: Action, *,
               sanctions: Sequence[Sanction] | None = None,
               moderator_required: bool = False, moderators_present: int = 1) -> None:
    """Refuse a join or send by the first sanction in force, with the person's notice.
    `sanctions`: the room's and the person's bans as the caller has them (room.send's cache,
    server/handlers/send_cache.py); None reads the store (a join, under the room lock)."""
    assert conn.pseudonym is not None
    if sanctions is None:
        sanctions = await _load(services, room, conn.pseudonym)
    now = services.clock.now()
    slow = any(s.kind is SanctionKind.SLOW_MODE and s.active_at(now) for s in sanctions)
    last = await services.stores.sanctions.last_sent(room, conn.pseudonym) if slow else None
    decision = S.check(sanctions, action=action, room=room, pseudonym=conn.pseudonym, now=now,
                       exempt=is_room_staff(actor_of(conn, room), room), last_sent_at=last,
                       moderator_required=moderator_required,
                       moderators_present=moderators_present)
    if not decision.allowed:
        assert decision.code is not None
        notice = refusal_notice(decision)
        raise ApiError(decision.code, notice=None if notice is None else notice_body(notice))
    if action is Action.SEND and slow:
        await services.stores.sanctions.set_last_sent(room, conn.pseudonym, now,
                                                      SLOW_MODE_TTL_SECONDS)


EVENTS = (
    Event(name="mod.sanction", decode=SanctionRequest.decode, rule=sanction, budget=Budget.OTHER),
    Event(name="mod.lift", decode=Lift.decode, rule=lift, budget=Budget.OTHER),
    Event(name="room.read_only_self", decode=ReadOnlySelf.decode, rule=read_only_self,
          budget=Budget.OTHER),
)
