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
from e2ee.membership import membership_message
from moderation.sanctions import Action
from server.clock import now_ms
from server.context import Connection, Relay, b64
from server.crypto import franking_stamp
from server.errors import ApiError
from server.handlers import room_presence
from server.handlers.sanctions import gate
from server.schedule import LOBBY, OPEN, current_occurrence, iso, parse_room
from server.wire import GroupJoin, GroupLeave, RoomSend


def find_group(relay: Relay, group_id: str) -> GroupSpec:
    """The configured group or `unknown_group`."""
    for group in relay.settings.groups:
        if group.id == group_id:
            return group
    raise ApiError("unknown_group")


def _members(raw: dict[str, str]) -> list[dict[str, str]]:
    members = [json.loads(v) for v in raw.values()]
    return sorted(members, key=lambda m: (m["role"] != "moderator", m["pseudonym"].casefold()))


def _peer_count(members: list[dict[str, str]]) -> int:
    return sum(1 for m in members if m["role"] != "moderator")


async def group_info(relay: Relay, group: GroupSpec, now: float) -> dict[str, Any]:
    """GroupInfo for the group's current or next night."""
    night = current_occurrence(group, now)
    state = night.state_at(now)
    members = _members(await relay.store.room_members(night.room)) if state in (LOBBY, OPEN) \
        else []
    return {
        "id": group.id, "name": group.name, "topic": group.topic, "language": group.language,
        "lobby_at": iso(night.lobby_at, group), "starts_at": iso(night.starts_at, group),
        "ends_at": iso(night.ends_at, group), "capacity": group.capacity,
        "seats_left": max(0, group.capacity - _peer_count(members)), "state": state,
        "open": state == OPEN, "moderator_required": group.moderator_required,
        "moderator_present": any(m["role"] == "moderator" for m in members),
        "room": night.room,
    }


async def list_groups(relay: Relay) -> dict[str, Any]:
    """Every configured group's GroupInfo."""
    now = relay.clock.now()
    return {"groups": [await group_info(relay, g, now) for g in relay.settings.groups]}


def signed_membership(relay: Relay, *, room: str, epoch: int, event: str, identity_key: str,
                      pseudonym: str, role: str,
                      members: list[dict[str, str]]) -> dict[str, Any]:
    """A Membership event with the server's signature over `e2ee.membership`'s v2 text, which
    covers the subject's and every member's role (the badge peers see)."""
    at = now_ms(relay.clock)
    message = membership_message(
        room, epoch, event, base64.b64decode(identity_key), role,
        [(base64.b64decode(m["identity_key"]), m["role"]) for m in members], at)
    return {"room": room, "epoch": epoch, "event": event, "pseudonym": pseudonym,
            "identity_key": identity_key, "role": role, "members": members, "at": at,
            "sig": b64(relay.keys.signing_key.sign(message))}


async def join(relay: Relay, conn: Connection, req: GroupJoin) -> dict[str, Any]:
    """Join tonight's room of a group in lobby or open state."""
    group = find_group(relay, req.group_id)
    now = relay.clock.now()
    night = current_occurrence(group, now)
    if night.state_at(now) not in (LOBBY, OPEN):
        raise ApiError("group_not_open")
    me = conn.member()
    async with relay.store.lock(f"room:{night.room}"):
        if conn.sid in await relay.store.room_sids(night.room):
            # Joining again from the same connection changes nothing: the current state, with
            # the `joined` event re-signed at the current epoch, and no push to the others.
            epoch = await relay.store.epoch(night.room)
            members = _members(await relay.store.room_members(night.room))
            membership = signed_membership(relay, room=night.room, epoch=epoch, event="joined",
                                           identity_key=me["identity_key"],
                                           pseudonym=me["pseudonym"], role=me["role"],
                                           members=members)
            conn.rooms.add(night.room)
            return {"room": night.room, "group": await group_info(relay, group, now),
                    "epoch": epoch, "members": members, "membership": membership}
        current = _members(await relay.store.room_members(night.room))
        others = [m for m in current if m["identity_key"] != me["identity_key"]]
        if conn.role != "moderator":
            if group.moderator_required and not any(m["role"] == "moderator" for m in others):
                raise ApiError("moderator_absent")
            if _peer_count(others) >= group.capacity:
                raise ApiError("group_full")
        await gate(relay, conn, night.room, Action.JOIN)  # bans, removals, a lock
        await relay.store.room_add(night.room, conn.sid, me["identity_key"], json.dumps(me),
                                   relay.instance_id)
        epoch = await relay.store.next_epoch(night.room)
        members = _members(await relay.store.room_members(night.room))
        membership = signed_membership(relay, room=night.room, epoch=epoch, event="joined",
                                       identity_key=me["identity_key"],
                                       pseudonym=me["pseudonym"], role=me["role"],
                                       members=members)
        await relay.emitter.enter_room(conn.sid, night.room)
        await relay.emitter.emit("room.membership", membership, to=night.room,
                                 skip_sid=conn.sid)
        await room_presence.changed(relay, night.room, room_presence.moderators(current),
                                    room_presence.moderators(members))
    conn.rooms.add(night.room)
    relay.log.info("group.join", user_id=conn.user_id, room=night.room, epoch=epoch,
                   members=len(members))
    return {"room": night.room, "group": await group_info(relay, group, now), "epoch": epoch,
            "members": members, "membership": membership}


async def leave(relay: Relay, conn: Connection, req: GroupLeave) -> dict[str, Any]:
    """Leave a room this connection is in."""
    if req.room not in conn.rooms:
        raise ApiError("not_in_room")
    await drop_connection(relay, conn, req.room, event="left")
    return {}


async def drop_connection(relay: Relay, conn: Connection, room: str, *, event: str) -> None:
    """Remove one connection from a room; announce it if its key is no longer a member."""
    conn.rooms.discard(room)
    await relay.emitter.leave_room(conn.sid, room)
    # The leaver is skipped: while a connection closes, python-socketio (on Redis) still has it
    # in the room on this process, and a client told "you left" by its dying socket would drop
    # a room it is about to rejoin through another connection (tests/deploy/test_nginx.py).
    epoch = await remove_sid(relay, room, conn.sid, event=event, skip_sid=conn.sid)
    if epoch is not None:
        relay.log.info("group.leave", user_id=conn.user_id, room=room, epoch=epoch)


async def remove_sid(relay: Relay, room: str, sid: str, *, event: str,
                     skip_sid: str | None = None) -> int | None:
    """Remove a connection id from a room's records (under the room lock); if that was the
    key's last connection there, bump the epoch, announce it and return the new epoch."""
    async with relay.store.lock(f"room:{room}"):
        before = await relay.store.room_members(room)
        gone = await relay.store.room_remove_sid(room, sid)
        if gone is None:
            return None
        record = json.loads(before[gone]) if gone in before else {}
        pseudonym, role = str(record.get("pseudonym", "")), str(record.get("role", "peer"))
        epoch = await relay.store.next_epoch(room)
        members = _members(await relay.store.room_members(room))
        membership = signed_membership(relay, room=room, epoch=epoch, event=event,
                                       identity_key=gone, pseudonym=pseudonym, role=role,
                                       members=members)
        await relay.emitter.emit("room.membership", membership, to=room, skip_sid=skip_sid)
        await room_presence.changed(
            relay, room, room_presence.moderators(json.loads(v) for v in before.values()),
            room_presence.moderators(members))
    return epoch


async def reap_dead_processes(relay: Relay, max_age: float) -> int:
    """Heartbeat this process, then remove the room connections of processes that stopped
    beating (a crash leaves no disconnect behind). Returns how many connections were removed."""
    now = relay.clock.now()
    await relay.store.heartbeat(relay.instance_id, now)
    removed = 0
    for owner in await relay.store.dead_owners(now, max_age):
        if owner == relay.instance_id or not await relay.store.claim_once(
                f"reap:{owner}", int(max_age) + 60):
            continue
        for room, sid in await relay.store.owner_connections(owner):
            await remove_sid(relay, room, sid, event="left")
            removed += 1
        await relay.store.forget_owner(owner)
        relay.log.warning("process.reaped", count=removed)
    return removed


async def reap_orphans(relay: Relay, live_sids: Callable[[], Collection[str]]) -> int:
    """Remove this process's room connections whose Socket.IO session is gone (a member left
    behind by a lost disconnect would hold a seat for ever). `live_sids` is read per record,
    after the store, so a connection that joins meanwhile is never taken for an orphan."""
    removed = 0
    for room, sid in await relay.store.owner_connections(relay.instance_id):
        if sid not in live_sids() and \
                await remove_sid(relay, room, sid, event="left") is not None:
            removed += 1
    if removed:
        relay.log.warning("orphans.reaped", count=removed)
    return removed


async def send(relay: Relay, conn: Connection, req: RoomSend) -> dict[str, Any]:
    """Stamp and relay a group envelope to every other connection in the room."""
    if req.room not in conn.rooms or not await relay.store.room_has_sid(req.room, conn.sid):
        conn.rooms.discard(req.room)
        raise ApiError("not_in_room")
    parsed = parse_room(req.room)
    if parsed is None:
        raise ApiError("not_in_room")
    group = find_group(relay, parsed[0])
    now = relay.clock.now()
    night = current_occurrence(group, now)
    if night.room != req.room or night.state_at(now) != OPEN:
        raise ApiError("room_not_open")
    assert conn.identity_key is not None and conn.pseudonym is not None
    required = group.moderator_required
    present = room_presence.moderators(
        _members(await relay.store.room_members(req.room))) if required else 1
    await gate(relay, conn, req.room, Action.SEND, moderator_required=required,
               moderators_present=present)
    env = req.envelope
    seq = await relay.store.next_seq(req.room)
    ts = now_ms(relay.clock)
    push: dict[str, Any] = {
        "room": req.room, "seq": seq, "ts": ts, "sender": conn.pseudonym,
        "sender_key": b64(conn.identity_key), "kind": env.kind, "header": b64(env.header),
        "body": b64(env.body)}
    reply: dict[str, Any] = {"seq": seq, "ts": ts}
    if env.commitment is not None:
        stamp = b64(franking_stamp(relay.keys.franking_key, env.commitment, conn.identity_key,
                                   req.room, ts))
        push["commitment"] = b64(env.commitment)
        push["stamp"] = reply["stamp"] = stamp
    await relay.emitter.emit("room.envelope", push, to=req.room, skip_sid=conn.sid)
    relay.metrics.relayed["room"] += 1
    relay.metrics.relayed_bytes += len(env.header) + len(env.body)
    return reply


async def close_room(relay: Relay, room: str, reason: str) -> int:
    """End a room: tell everyone, remove everyone. Returns how many members there were."""
    async with relay.store.lock(f"room:{room}"):
        removed = await relay.store.room_clear(room)
        epoch = await relay.store.next_epoch(room)
        membership = signed_membership(relay, room=room, epoch=epoch, event="closed",
                                       identity_key="", pseudonym="", role="", members=[])
        await relay.emitter.emit("room.membership", membership, to=room)
        await relay.emitter.emit("group.closed", {"room": room, "reason": reason}, to=room)
        await relay.emitter.close_room(room)
        await relay.store.room_forget(room)
    relay.log.info("group.closed", room=room, members=len(removed), reason=reason)
    return len(removed)
