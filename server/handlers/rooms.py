"""Group and room rules: listing tonight's groups, joining, leaving and relaying group
envelopes. Leaving, reaping and closing live in `server.handlers.room_life`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from config.groups import GroupSpec
from e2ee.franking import make_stamp
from moderation.sanctions import Action, Sanction
from server.clock import now_ms
from server.domain.records import Member
from server.domain.roles import Role
from server.domain.schedule import LOBBY, OPEN, current_occurrence, iso, parse_room
from server.handlers import room_presence
from server.handlers.events import Budget, Event
from server.handlers.room_life import drop_connection, ordered, signed_membership
from server.handlers.sanctions import gate
from server.handlers.send_cache import RoomView
from server.handlers.services import Connection, Services, b64
from server.wire.errors import ApiError
from server.wire.pushes import RoomEnvelope
from server.wire.requests import Empty, GroupJoin, GroupLeave, RoomSend


def find_group(services: Services, group_id: str) -> GroupSpec:
    """The configured group or `unknown_group`."""
    for group in services.settings.groups:
        if group.id == group_id:
            return group
    raise ApiError("unknown_group")


def _peer_count(members: tuple[Member, ...]) -> int:
    return sum(1 for m in members if m.role != Role.MODERATOR)


def _wire(members: tuple[Member, ...]) -> list[dict[str, str]]:
    return [m.to_dict() for m in members]


async def group_info(services: Services, group: GroupSpec, now: float) -> dict[str, Any]:
    """GroupInfo for the group's current or next night."""
    night = current_occurrence(group, now)
    state = night.state_at(now)
    members = ordered(await services.stores.rooms.members(night.room)) \
        if state in (LOBBY, OPEN) else ()
    return {
        "id": group.id, "name": group.name, "topic": group.topic, "language": group.language,
        "lobby_at": iso(night.lobby_at, group), "starts_at": iso(night.starts_at, group),
        "ends_at": iso(night.ends_at, group), "capacity": group.capacity,
        "seats_left": max(0, group.capacity - _peer_count(members)), "state": state,
        "open": state == OPEN, "moderator_required": group.moderator_required,
        "moderator_present": any(m.role == Role.MODERATOR for m in members),
        "room": night.room,
    }


async def list_groups(services: Services) -> dict[str, Any]:
    """Every configured group's GroupInfo."""
    now = services.clock.now()
    return {"groups": [await group_info(services, g, now) for g in services.settings.groups]}


async def join(services: Services, conn: Connection, req: GroupJoin) -> dict[str, Any]:
    """Join tonight's room of a group in lobby or open state."""
    group = find_group(services, req.group_id)
    now = services.clock.now()
    night = current_occurrence(group, now)
    if night.state_at(now) not in (LOBBY, OPEN):
        raise ApiError("group_not_open")
    me = conn.member()
    rooms = services.stores.rooms
    async with services.stores.claims.lock(f"room:{night.room}"):
        if conn.sid in await rooms.sids(night.room):
            # Joining again from the same connection changes nothing: the current state, with
            # the `joined` event re-signed at the current epoch, and no push to the others.
            epoch = await rooms.epoch(night.room)
            members = ordered(await rooms.members(night.room))
            membership = signed_membership(services, room=night.room, epoch=epoch,
                                           event="joined", subject=me, members=members)
            conn.rooms.add(night.room)
            return {"room": night.room, "group": await group_info(services, group, now),
                    "epoch": epoch, "members": _wire(members),
                    "membership": membership.to_wire()}
        current = await rooms.members(night.room)
        others = tuple(m for m in current if m.identity_key != me.identity_key)
        if conn.role != Role.MODERATOR:
            if group.moderator_required and not any(m.role == Role.MODERATOR for m in others):
                raise ApiError("moderator_absent")
            if _peer_count(others) >= group.capacity:
                raise ApiError("group_full")
        await gate(services, conn, night.room, Action.JOIN)  # bans, removals, a lock
        await rooms.add(night.room, conn.sid, me, services.instance_id)
        epoch = await rooms.next_epoch(night.room)
        members = ordered(await rooms.members(night.room))
        membership = signed_membership(services, room=night.room, epoch=epoch, event="joined",
                                       subject=me, members=members)
        await services.emitter.enter_room(conn.sid, night.room)
        await services.emitter.emit(membership, to=night.room, skip_sid=conn.sid)
        await room_presence.changed(services, night.room, room_presence.moderators(current),
                                    room_presence.moderators(members))
    conn.rooms.add(night.room)
    services.log.info("group.join", user_id=conn.user_id, room=night.room, epoch=epoch,
                      members=len(members))
    return {"room": night.room, "group": await group_info(services, group, now),
            "epoch": epoch, "members": _wire(members), "membership": membership.to_wire()}


async def leave(services: Services, conn: Connection, req: GroupLeave) -> dict[str, Any]:
    """Leave a room this connection is in."""
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    await drop_connection(services, conn, req.room, event="left")
    return {}


async def send(services: Services, conn: Connection, req: RoomSend) -> dict[str, Any]:
    """Stamp and relay a group envelope to every other connection in the room. The gate's
    reads (membership, sanctions, moderator count) come from `services.send_cache`: no store
    read on a warm cache; the one round trip is the sequence number (bound to the writer),
    on Redis in the same step as the publish."""
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    parsed = parse_room(req.room)
    if parsed is None:
        raise ApiError("not_in_room")
    assert conn.identity_key is not None and conn.pseudonym is not None
    view, bans = await _gate_view(services, req.room, conn.pseudonym)
    if conn.sid not in view.sids:  # removed on another process (a sanction, a reap)
        conn.rooms.discard(req.room)
        raise ApiError("not_in_room")
    group = find_group(services, parsed[0])
    now = services.clock.now()
    night = current_occurrence(group, now)
    if night.room != req.room or night.state_at(now) != OPEN:
        raise ApiError("room_not_open")
    sanctions = sorted(view.sanctions + tuple(b for b in bans if b.room != req.room),
                       key=lambda s: s.id)
    await gate(services, conn, req.room, Action.SEND, sanctions=sanctions,
               moderator_required=group.moderator_required,
               moderators_present=view.moderators)
    env = req.envelope
    ts = now_ms(services.clock)
    # The stamp does not cover seq (e2ee.franking.stamp_input), so the number can be chosen
    # as the envelope is published: on Redis in the publish script, in the order members
    # receive it; elsewhere here. Either way with its writer: a message's flags belong to it.
    stamp = None if env.commitment is None else make_stamp(
        services.keys.franking_key, env.commitment, conn.identity_key, req.room, ts)
    push = RoomEnvelope(room=req.room, seq=0, ts=ts, sender=conn.pseudonym,
                        sender_key=conn.identity_key, kind=env.kind, header=env.header,
                        body=env.body, commitment=env.commitment, stamp=stamp)
    seq = await services.emitter.emit_numbered(push, to=req.room, skip_sid=conn.sid,
                                               writer=conn.pseudonym)
    if seq is None:
        seq = await services.stores.rooms.next_seq(req.room, conn.pseudonym)
        await services.emitter.emit(replace(push, seq=seq), to=req.room, skip_sid=conn.sid)
    services.metrics.relayed["room"] += 1
    services.metrics.relayed_bytes += len(env.header) + len(env.body)
    reply: dict[str, Any] = {"seq": seq, "ts": ts}
    if stamp is not None:
        reply["stamp"] = b64(stamp)
    return reply


async def _gate_view(services: Services, room: str, pseudonym: str
                     ) -> tuple[RoomView, tuple[Sanction, ...]]:
    if services.send_cache is not None:
        return await services.send_cache.view(room, pseudonym)
    stores = services.stores  # no cache wired (a bare Services): read the store
    members = await stores.rooms.members(room)
    view = RoomView(sids=frozenset(await stores.rooms.sids(room)),
                    moderators=room_presence.moderators(members),
                    sanctions=tuple(await stores.sanctions.for_room(room, None)))
    return view, tuple(await stores.sanctions.bans(pseudonym))


EVENTS = (
    Event(name="groups.list", decode=Empty.decode, rule=lambda s, c, _: list_groups(s),
          budget=Budget.OTHER),
    Event(name="group.join", decode=GroupJoin.decode, rule=join, budget=Budget.OTHER),
    Event(name="group.leave", decode=GroupLeave.decode, rule=leave, budget=Budget.OTHER),
    Event(name="room.send", decode=RoomSend.decode, rule=send, budget=Budget.SEND),
)
