"""Group rooms as the user sees them: join, send, leave, and the ``Group`` handles.

``Groups`` owns the handles and a ``RoomKeys`` for the keys behind them; it needs only a
``Link`` (request, lock, drain) and a way to send over 1:1, so any client that sits in rooms
(a peer, a moderator, later a staff client) is built from the same parts.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from client.chats import Group, Notify
from client.clock import Clock, Rng, system_rng
from client.engine import Engine
from client.errors import (
    BAD_PUSH,
    BAD_REPLY,
    ROOM_GONE,
    ClientError,
    ProtocolViolation,
    RoomClosedError,
    TransportError,
)
from client.messages import Message
from client.moderation import flag_own_message, read_only_tonight, start_warming
from client.reports import NOT_REPORTABLE, send_report
from client.room_keys import RoomKeys, SendDirect
from client.session import Link
from client.wire import GroupEvent, GroupInfo, JoinReply, decode_membership, ts_to_datetime
from e2ee.envelopes import GroupEnvelope, Received

log = logging.getLogger("client.groups")


class Groups:
    """The rooms I am in, their handles and their keys."""

    def __init__(
        self, engine: Engine, link: Link, send_direct: SendDirect, clock: Clock, *, notify: Notify,
        rng: Rng = system_rng,
    ) -> None:
        self._link = link
        self._notify = notify
        self._rng = rng
        self.handles: dict[str, Group] = {}
        """room → handle, also of closed rooms (their handles answer ``closed``)."""
        self.keys = RoomKeys(
            engine, send_direct, clock, on_message=self._deliver, on_closed=self._mark_closed
        )

    def __repr__(self) -> str:
        return f"Groups(rooms={sorted(self.keys.rooms)})"

    async def available(self) -> list[GroupInfo]:
        """The server's groups and their current or next night."""
        reply = await self._link.request("groups.list")
        groups = reply.get("groups")
        if not isinstance(groups, list):
            raise ProtocolViolation(BAD_REPLY, "groups.list")
        return [GroupInfo.from_wire(g) for g in groups]

    async def join(self, group_id: str) -> Group:
        """Join tonight's room of ``group_id``; share my sender key with every member."""
        await self._link.await_ready()
        async with self._link.lock:
            self.keys.joining.add(group_id)
            try:
                reply = JoinReply.from_wire(
                    await self._link.request("group.join", {"group_id": group_id})
                )
                group = self.handles.get(reply.room)
                if group is None or group.is_closed:
                    group = Group(self, group_id, reply.room)
                    start_warming()  # the detector that flags my own crisis messages
                    self.handles[reply.room] = group
                group.info = reply.group
                await self.keys.joined(reply.room, reply.membership)
            finally:
                self.keys.joining.discard(group_id)
        return group

    async def rejoin(self) -> None:
        """After a reconnect, join every open room again (lock held); a room that refuses is
        closed with the server's code."""
        for room, group in list(self.handles.items()):
            if not group.is_closed:
                await self._rejoin_one(room, group)

    async def _rejoin_one(self, room: str, group: Group, *, resync: bool = False) -> bool:
        try:
            reply = JoinReply.from_wire(
                await self._link.request("group.join", {"group_id": group.group_id})
            )
        except TransportError as err:
            if resync:  # the socket went: the reconnect joins every open room again anyway
                log.info("resync of %s interrupted: %s", room, err.code)
                return False
            log.info("rejoin of %s failed: %s", room, err.code)
            self.keys.close(room, err.code)
            return False
        except ClientError as err:
            log.info("rejoin of %s failed: %s", room, err.code)
            self.keys.close(room, err.code)
            return False
        if reply.room != room:  # the night ended meanwhile: that room is gone, and the
            # new night's is not slipped into silently (as the web client does)
            with contextlib.suppress(ClientError):
                await self._link.request("group.leave", {"room": reply.room})
            self.keys.close(room, "ended")
            return False
        await self.keys.joined(reply.room, reply.membership)
        return True

    async def send(self, group: Group, text: str) -> None:
        """Encrypt ``text`` with my sender key and relay it (``RoomClosedError`` if closed)."""
        await self._link.await_ready()
        async with self._link.lock:
            # Act on membership news that already arrived (a newcomer must get my key before
            # this message; a departure must rotate it first).
            await self._link.drain()
            if group.is_closed:
                raise RoomClosedError(group.room)
            out = await self.keys.encrypt(group.room, text)
            try:
                reply = await self._link.request("room.send",
                                                 {"room": group.room, **out.to_wire()})
            except ClientError as err:
                if err.code in ROOM_GONE:
                    self.keys.close(group.room, err.code)
                    raise RoomClosedError(group.room) from None
                raise
        # Outside the lock: my own flag (level 2+, metadata only; client/moderation.py).
        await flag_own_message(self._link.request, group.room, text, reply)

    async def read_only_tonight(self, group: Group) -> dict[str, Any]:
        """See GroupOps."""
        return await read_only_tonight(self._link.request, group.room)

    async def report(self, group: Group, message: Message, reason: str, note: str
                     ) -> dict[str, Any]:
        """See GroupOps (client/reports.py)."""
        if message.room != group.room or message.seq is None or message.franking is None:
            raise ClientError(NOT_REPORTABLE, "only a franked message of this room is reported")
        await self._link.await_ready()
        return await send_report(self._link.request, message.franking, message.seq, reason,
                                 note=note, rng=self._rng)

    async def leave(self, group: Group) -> None:
        """Leave the room; its keys are dropped whatever the server answers."""
        async with self._link.lock:
            if group.is_closed:
                return
            try:
                await self._link.request("group.leave", {"room": group.room})
            finally:
                self.keys.close(group.room, "left")

    def members(self, room: str) -> list[str]:
        """Pseudonyms of the room's current members (from the last signed membership)."""
        return self.keys.members(room)

    def roles(self, room: str) -> dict[str, str]:
        """Pseudonym -> signed role of the room's current members."""
        return self.keys.roles(room)

    # -- pushes --------------------------------------------------------------------------------

    async def on_envelope(self, data: Any) -> None:
        """``room.envelope``."""
        await self.keys.envelope(data)

    async def on_membership(self, data: Any) -> None:
        """``room.membership``."""
        await self.keys.membership(decode_membership(data))

    async def on_resync(self, data: Any) -> None:
        """``room.resync``: pushes of this room were lost on their way to me (beyond the relay's
        replay window). Join again (the current members and epoch: members I missed are
        forgotten, my key renewed and shared with everyone, as on a membership change), then
        tell the person some messages may not have reached them."""
        room = data.get("room") if isinstance(data, dict) else None
        if not isinstance(room, str):
            raise ProtocolViolation(BAD_PUSH, "room.resync")
        group = self.handles.get(room)
        if group is None or group.is_closed:
            return
        await self._rejoin_one(room, group, resync=True)
        if not group.is_closed:  # said even when the re-join was cut short: messages were lost
            group._mark_gap()

    async def on_closing(self, data: Any) -> None:
        """``group.closing``: the night ends soon."""
        event = GroupEvent.from_wire("group.closing", data)
        group = self.handles.get(event.room)
        if group is not None:
            group._mark_closing(event.closes_at)

    async def on_closed(self, data: Any) -> None:
        """``group.closed``: the night ended; every key of the room goes."""
        event = GroupEvent.from_wire("group.closed", data)
        self.keys.close(event.room, event.reason or "closed")

    # -- from RoomKeys -------------------------------------------------------------------------

    def _deliver(self, env: GroupEnvelope, received: Received) -> None:
        group = self.handles.get(env.room)
        text = received.text
        if group is None or text is None:
            return
        message = Message(
            text=text, sender=env.sender, sent_at=ts_to_datetime(env.ts), room=env.room,
            seq=env.seq, sender_key=env.sender_key, franking=received.opening,
        )
        group._deliver(message)
        self._notify(message, group)

    def _mark_closed(self, room: str, reason: str) -> None:
        group = self.handles.get(room)
        if group is not None:
            group._mark_closed(reason)
