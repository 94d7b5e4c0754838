"""How connections leave rooms and rooms end: one connection dropped, a crashed process's or an
orphaned connection reaped, a room closed at the end of its night. Every membership change runs
under the room's lock, bumps the room's epoch and is announced as a `Membership` signed with the
server's room key over `e2ee.membership.membership_message` (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from e2ee.membership import membership_message
from server.clock import now_ms
from server.domain.records import Member
from server.domain.roles import Role
from server.handlers import counsellor, room_presence
from server.handlers.services import Connection, Services
from server.wire.pushes import GroupClosed, Membership


def ordered(members: Sequence[Member]) -> tuple[Member, ...]:
    """Moderators first, then by pseudonym (case-folded): the order clients show."""
    return tuple(sorted(members, key=lambda m: (m.role != Role.MODERATOR,
                                                m.pseudonym.casefold())))


def signed_membership(services: Services, *, room: str, epoch: int, event: str,
                      subject: Member | None, members: tuple[Member, ...]) -> Membership:
    """A Membership event with the server's signature (`subject` None: the room closed)."""
    at = now_ms(services.clock)
    key = b"" if subject is None else subject.identity_key
    role = "" if subject is None else subject.role.value
    message = membership_message(room, epoch, event, key, role,
                                 [(m.identity_key, m.role.value) for m in members], at)
    return Membership(room=room, epoch=epoch, event=event,
                      pseudonym="" if subject is None else subject.pseudonym,
                      identity_key=key, role=role, members=members, at=at,
                      sig=services.keys.signing_key.sign(message))


async def drop_connection(services: Services, conn: Connection, room: str, *,
                          event: str) -> None:
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
    rooms = services.stores.rooms
    async with services.stores.claims.lock(f"room:{room}"):
        gone = await rooms.remove_sid(room, sid)
        if gone is None:
            return None
        epoch = await rooms.next_epoch(room)
        members = ordered(await rooms.members(room))
        membership = signed_membership(services, room=room, epoch=epoch, event=event,
                                       subject=gone, members=members)
        await services.emitter.emit(membership, to=room, skip_sid=skip_sid)
        after = room_presence.moderators(members)
        await room_presence.changed(services, room, after + (gone.role == Role.MODERATOR),
                                    after)
    return epoch


async def reap_dead_processes(services: Services, max_age: float) -> int:
    """Heartbeat this process, then remove the room connections of processes that stopped
    beating (a crash leaves no disconnect behind). Returns how many connections were removed."""
    stores = services.stores
    now = services.clock.now()
    await stores.rooms.heartbeat(services.instance_id, now)
    removed = 0
    for owner in await stores.rooms.dead_owners(now, max_age):
        if owner == services.instance_id or not await stores.claims.claim_once(
                f"reap:{owner}", int(max_age) + 60):
            continue
        for room, sid in await stores.rooms.owner_connections(owner):
            await remove_sid(services, room, sid, event="left")
            removed += 1
        await stores.rooms.forget_owner(owner)
        await stores.identities.forget_owner(owner)
        await counsellor.owner_gone(services, owner)  # its counsellors are away (issue 11)
        services.log.warning("process.reaped", count=removed)
    return removed


async def reap_orphans(services: Services, live_sids: Callable[[], Collection[str]]) -> int:
    """Remove this process's room connections whose Socket.IO session is gone (a member left
    behind by a lost disconnect would hold a seat for ever). `live_sids` is read per record,
    after the store, so a connection that joins meanwhile is never taken for an orphan."""
    removed = 0
    for room, sid in await services.stores.rooms.owner_connections(services.instance_id):
        if sid not in live_sids() and \
                await remove_sid(services, room, sid, event="left") is not None:
            removed += 1
    if removed:
        services.log.warning("orphans.reaped", count=removed)
    return removed


async def close_room(services: Services, room: str, reason: str) -> int:
    """End a room: tell everyone, remove everyone. Returns how many members there were."""
    async with services.stores.claims.lock(f"room:{room}"):
        removed = await services.stores.rooms.clear(room)
        epoch = await services.stores.rooms.next_epoch(room)
        membership = signed_membership(services, room=room, epoch=epoch, event="closed",
                                       subject=None, members=())
        await services.emitter.emit(membership, to=room)
        await services.emitter.emit(GroupClosed(room=room, reason=reason), to=room)
        await services.emitter.close_room(room)
        await services.stores.rooms.forget(room)
        # The window's Stream holds this night's pushes, these last ones too: after them.
        await services.emitter.forget_replay([room], counters=True)
    services.log.info("group.closed", room=room, members=len(removed), reason=reason)
    return len(removed)
