"""Group and room rules: listing tonight's groups, joining, leaving, relaying group envelopes,
and closing a room at the end of its night.

Every membership change runs under the room's store lock, bumps the room's epoch and is
announced as a Membership signed by the server's room key (docs/protocol.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Collection
from typing import Any

from config.groups import GroupSpec
from e2ee.franking import make_stamp
from e2ee.membership import membership_message
from server.clock import now_ms
from server.domain.roles import Role
from server.domain.schedule import LOBBY, OPEN, current_occurrence, iso, parse_room
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.wire.errors import ApiError
from server.wire.requests import Empty, GroupJoin, GroupLeave, RoomSend


def find_group(services: Services, group_id: str) -> GroupSpec:
    """The configured group or `unknown_group`."""
    for group in services.settings.groups:
        if group.id == group_id:
            return group
    raise ApiError("unknown_group")


def _members(raw: dict[str, str]) -> list[dict[str, str]]:
    members = [json.loads(v) for v in raw.values()]
    return sorted(members, key=lambda m: (m["role"] != Role.MODERATOR, m["pseudonym"].casefold()))


def _peer_count(members: list[dict[str, str]]) -> int:
    return sum(1 for m in members if m["role"] != Role.MODERATOR)


async def group_info(services: Services, group: GroupSpec, now: float) -> dict[str, Any]:
    """GroupInfo for the group's current or next night."""
    night = current_occurrence(group, now)
    state = night.state_at(now)
    members = _members(await services.store.room_members(night.room)) if state in (LOBBY, OPEN) \
        else []
    return {
        "id": group.id, "name": group.name, "topic": group.topic, "language": group.language,
        "lobby_at": iso(night.lobby_at, group), "starts_at": iso(night.starts_at, group),
        "ends_at": iso(night.ends_at, group), "capacity": group.capacity,
        "seats_left": max(0, group.capacity - _peer_count(members)), "state": state,
        "open": state == OPEN, "moderator_required": group.moderator_required,
        "moderator_present": any(m["role"] == Role.MODERATOR for m in members),
        "room": night.room,
    }


async def list_groups(services: Services) -> dict[str, Any]:
    """Every configured group's GroupInfo."""
    now = services.clock.now()
    return {"groups": [await group_info(services, g, now) for g in services.settings.groups]}


def signed_membership(services: Services, *, room: str, epoch: int, event: str, identity_key: str,
                      pseudonym: str, members: list[dict[str, str]]) -> dict[str, Any]:
    """A Membership event with the server's signature."""
    at = now_ms(services.clock)
    message = membership_message(room, epoch, event, base64.b64decode(identity_key),
                                 [base64.b64decode(m["identity_key"]) for m in members], at)
    return {"room": room, "epoch": epoch, "event": event, "pseudonym": pseudonym,
            "identity_key": identity_key, "members": members, "at": at,
            "sig": b64(services.keys.signing_key.sign(message))}


async def join(services: Services, conn: Connection, req: GroupJoin) -> dict[str, Any]:
    """Join tonight's room of a group in lobby or open state."""
    group = find_group(services, req.group_id)
    now = services.clock.now()
    night = current_occurrence(group, now)
    if night.state_at(now) not in (LOBBY, OPEN):
        raise ApiError("group_not_open")
    me = conn.member()
    async with services.store.lock(f"room:{night.room}"):
        if conn.sid in await services.store.room_sids(night.room):
            # Joining again from the same connection changes nothing: the current state, with
            # the `joined` event re-signed at the current epoch, and no push to the others.
            epoch = await services.store.epoch(night.room)
            members = _members(await services.store.room_members(night.room))
            membership = signed_membership(services, room=night.room, epoch=epoch, event="joined",
                                           identity_key=me["identity_key"],
                                           pseudonym=me["pseudonym"], members=members)
            conn.rooms.add(night.room)
            return {"room": night.room, "group": await group_info(services, group, now),
                    "epoch": epoch, "members": members, "membership": membership}
        current = _members(await services.store.room_members(night.room))
        others = [m for m in current if m["identity_key"] != me["identity_key"]]
        if conn.role != Role.MODERATOR:
            if group.moderator_required and not any(m["role"] == Role.MODERATOR for m in others):
                raise ApiError("moderator_absent")
            if _peer_count(others) >= group.capacity:
                raise ApiError("group_full")
        await services.store.room_add(night.room, conn.sid, me["identity_key"], json.dumps(me),
                                   services.instance_id)
        epoch = await services.store.next_epoch(night.room)
        members = _members(await services.store.room_members(night.room))
        membership = signed_membership(services, room=night.room, epoch=epoch, event="joined",
                                       identity_key=me["identity_key"],
                                       pseudonym=me["pseudonym"], members=members)
        await services.emitter.enter_room(conn.sid, night.room)
        await services.emitter.emit("room.membership", membership, to=night.room,
                                 skip_sid=conn.sid)
    conn.rooms.add(night.room)
    services.log.info("group.join", user_id=conn.user_id, room=night.room, epoch=epoch,
                   members=len(members))
    return {"room": night.room, "group": await group_info(services, group, now), "epoch": epoch,
            "members": members, "membership": membership}


async def leave(services: Services, conn: Connection, req: GroupLeave) -> dict[str, Any]:
    """Leave a room this connection is in."""
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    await drop_connection(services, conn, req.room, event="left")
    return {}


async def drop_connection(services: Services, conn: Connection, room: str, *, event: str) -> None:
    """Remove one connection from a room; announce it if its key is no longer a member."""
    conn.rooms.discard(room)
    await services.emitter.leave_room(conn.sid, room)
    # The leaver is skipped: while a connection closes, python-socketio (on Redis) still has it
    # in the room on this process, and a client told "you left" by its dying socket would drop
    # a room it is about to rejoin through another connection (tests/deploy/test_nginx.py).
    epoch = await remove_sid(services, room, conn.sid, event=event, skip_sid=conn.sid)
    if epoch is not None:
        services.log.info("group.leave", user_id=conn.user_id, room=room, epoch=epoch)


async def remove_sid(services: Services, room: str, sid: str, *, event: str,
                     skip_sid: str | None = None) -> int | None:
    """Remove a connection id from a room's records (under the room lock); if that was the
    key's last connection there, bump the epoch, announce it and return the new epoch."""
    async with services.store.lock(f"room:{room}"):
        before = await services.store.room_members(room)
        gone = await services.store.room_remove_sid(room, sid)
        if gone is None:
            return None
        pseudonym = str(json.loads(before[gone])["pseudonym"]) if gone in before else ""
        epoch = await services.store.next_epoch(room)
        members = _members(await services.store.room_members(room))
        membership = signed_membership(services, room=room, epoch=epoch, event=event,
                                       identity_key=gone, pseudonym=pseudonym, members=members)
        await services.emitter.emit("room.membership", membership, to=room, skip_sid=skip_sid)
    return epoch


async def reap_dead_processes(services: Services, max_age: float) -> int:
    """Heartbeat this process, then remove the room connections of processes that stopped
    beating (a crash leaves no disconnect behind). Returns how many connections were removed."""
    now = services.clock.now()
    await services.store.heartbeat(services.instance_id, now)
    removed = 0
    for owner in await services.store.dead_owners(now, max_age):
        if owner == services.instance_id or not await services.store.claim_once(
                f"reap:{owner}", int(max_age) + 60):
            continue
        for room, sid in await services.store.owner_connections(owner):
            await remove_sid(services, room, sid, event="left")
            removed += 1
        await services.store.forget_owner(owner)
        services.log.warning("process.reaped", count=removed)
    return removed


async def reap_orphans(services: Services, live_sids: Callable[[], Collection[str]]) -> int:
    """Remove this process's room connections whose Socket.IO session is gone (a member left
    behind by a lost disconnect would hold a seat for ever). `live_sids` is read per record,
    after the store, so a connection that joins meanwhile is never taken for an orphan."""
    removed = 0
    for room, sid in await services.store.owner_connections(services.instance_id):
        if sid not in live_sids() and \
                await remove_sid(services, room, sid, event="left") is not None:
            removed += 1
    if removed:
        services.log.warning("orphans.reaped", count=removed)
    return removed


async def send(services: Services, conn: Connection, req: RoomSend) -> dict[str, Any]:
    """Stamp and relay a group envelope to every other connection in the room."""
    if req.room not in conn.rooms or conn.sid not in await services.store.room_sids(req.room):
        conn.rooms.discard(req.room)
        raise ApiError("not_in_room")
    parsed = parse_room(req.room)
    if parsed is None:
        raise ApiError("not_in_room")
    group = find_group(services, parsed[0])
    night = current_occurrence(group, services.clock.now())
    if night.room != req.room or night.state_at(services.clock.now()) != OPEN:
        raise ApiError("room_not_open")
    assert conn.identity_key is not None and conn.pseudonym is not None
    env = req.envelope
    seq = await services.store.next_seq(req.room)
    ts = now_ms(services.clock)
    push: dict[str, Any] = {
        "room": req.room, "seq": seq, "ts": ts, "sender": conn.pseudonym,
        "sender_key": b64(conn.identity_key), "kind": env.kind, "header": b64(env.header),
        "body": b64(env.body)}
    reply: dict[str, Any] = {"seq": seq, "ts": ts}
    if env.commitment is not None:
        stamp = b64(make_stamp(services.keys.franking_key, env.commitment, conn.identity_key,
                                   req.room, ts))
        push["commitment"] = b64(env.commitment)
        push["stamp"] = reply["stamp"] = stamp
    await services.emitter.emit("room.envelope", push, to=req.room, skip_sid=conn.sid)
    services.metrics.relayed["room"] += 1
    services.metrics.relayed_bytes += len(env.header) + len(env.body)
    return reply


async def close_room(services: Services, room: str, reason: str) -> int:
    """End a room: tell everyone, remove everyone. Returns how many members there were."""
    async with services.store.lock(f"room:{room}"):
        removed = await services.store.room_clear(room)
        epoch = await services.store.next_epoch(room)
        membership = signed_membership(services, room=room, epoch=epoch, event="closed",
                                       identity_key="", pseudonym="", members=[])
        await services.emitter.emit("room.membership", membership, to=room)
        await services.emitter.emit("group.closed", {"room": room, "reason": reason}, to=room)
        await services.emitter.close_room(room)
    services.log.info("group.closed", room=room, members=len(removed), reason=reason)
    return len(removed)


EVENTS = (
    Event(name="groups.list", decode=Empty.decode, rule=lambda s, c, _: list_groups(s),
          budget=Budget.OTHER),
    Event(name="group.join", decode=GroupJoin.decode, rule=join, budget=Budget.OTHER),
    Event(name="group.leave", decode=GroupLeave.decode, rule=leave, budget=Budget.OTHER),
    Event(name="room.send", decode=RoomSend.decode, rule=send, budget=Budget.SEND),
)
