"""Group layer of ``PeerClient``: joins, verified membership, sender keys, buffering.

The decisions come from the pure ``client.rooms.RoomState``; this layer verifies the server's
signature on every membership event first and then carries the actions out over 1:1.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from client.chats import Group
from client.direct_flow import DirectFlow
from client.errors import BAD_PUSH, UNTRUSTED_KEY, ClientError, ProtocolViolation, RoomClosedError
from client.membership import verify_membership
from client.messages import Message
from client.peer_base import log
from client.rooms import (
    Action,
    DropRoomKeys,
    ForgetSender,
    NewSenderKey,
    RoomState,
    ShareSenderKey,
)
from client.wire import JoinReply, ts_to_datetime
from e2ee.content import SenderKeyDistribution
from e2ee.envelopes import GroupEnvelope, Received
from e2ee.errors import E2EEError, LimitError, UnknownKeyError
from e2ee.membership import MembershipEvent


class GroupFlow(DirectFlow):
    """Rooms I am in and their sender keys."""

    async def _apply_join(self, reply: JoinReply) -> None:
        if self._server_key is None:
            raise ProtocolViolation(BAD_PUSH, "no server key")
        verify_membership(reply.membership, self._server_key)
        if reply.membership.room != reply.room:
            raise ProtocolViolation(BAD_PUSH, "membership of another room")
        state = self._rooms.get(reply.room)
        if state is None:
            state = RoomState(reply.room, self._engine.identity_key)
            self._rooms[reply.room] = state
        await self._execute(state.joined(reply.membership))

    async def _handle_membership(self, m: MembershipEvent) -> None:
        state = self._rooms.get(m.room)
        if state is None or state.closed:
            return
        if self._server_key is None:
            return
        verify_membership(m, self._server_key)
        if m.event in ("left", "removed") and m.identity_key == self._engine.identity_key:
            self._close_room(m.room, m.event)
            return
        await self._execute(state.membership(m))
        if state.closed:
            self._close_room(m.room, "closed")

    def _now_ms(self) -> int:
        """Monotonic milliseconds: the clock of the sender-key age bound."""
        return int(time.monotonic() * 1000)

    async def _execute(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, NewSenderKey):
                self._engine.new_sender_key(action.room, action.epoch, self._now_ms())
            elif isinstance(action, ShareSenderKey):
                distribution = self._engine.my_distribution(action.room)
                for member in action.members:
                    try:
                        await self._send_content(member.pseudonym, member.identity_key, distribution)
                    except (ClientError, E2EEError) as err:
                        # One unreachable member must not keep the others from my key.
                        log.info("sender key to a member of %s failed: %s", action.room, err.code)
            elif isinstance(action, ForgetSender):
                self._engine.forget_sender(action.room, action.sender_key)
            elif isinstance(action, DropRoomKeys):
                self._engine.drop_room(action.room)

    async def _handle_group_envelope(self, data: Any) -> None:
        try:
            env = GroupEnvelope.from_wire(data)
        except E2EEError as err:
            raise ProtocolViolation(BAD_PUSH, f"room.envelope {err.code}") from None
        state = self._rooms.get(env.room)
        if state is None or state.closed or env.sender_key == self._engine.identity_key:
            return
        pinned = self._engine.pins.get(env.sender)
        if pinned is not None and pinned != env.sender_key:
            # The relay's pseudonym is not covered by the signature: never show a message under
            # a name pinned to another identity (as for 1:1).
            self.undecryptable += 1
            log.info("group envelope dropped: %s", UNTRUSTED_KEY)
            return
        try:
            received = self._engine.decrypt_group(env)
        except UnknownKeyError:
            state.hold(env, asyncio.get_running_loop().time())
            return
        except E2EEError as err:
            self.undecryptable += 1
            log.info("group envelope dropped: %s", err.code)
            return
        self._deliver_group(env, received)

    def _deliver_group(self, env: GroupEnvelope, received: Received) -> None:
        group = self._groups.get(env.room)
        text = received.text
        if group is None or text is None:
            return
        message = Message(
            text=text, sender=env.sender, sent_at=ts_to_datetime(env.ts), room=env.room,
            seq=env.seq, sender_key=env.sender_key, franking=received.opening,
        )
        group._deliver(message)
        self._notify(message, group)

    def _release_held(self, room: str, sender_key: bytes) -> None:
        state = self._rooms.get(room)
        if state is None:
            return
        for env in state.release(sender_key, asyncio.get_running_loop().time()):
            try:
                received = self._engine.decrypt_group(env)
            except E2EEError as err:
                self.undecryptable += 1
                log.info("held group envelope dropped: %s", err.code)
                continue
            self._deliver_group(env, received)

    async def _send_group(self, group: Group, text: str) -> dict[str, Any]:
        await self._await_ready()
        async with self._lock:
            # Act on membership news that already arrived (a newcomer must get my key before
            # this message; a departure must rotate it first).
            await self._drain_pushes()
            state = self._rooms.get(group.room)
            if state is None or state.closed or group.is_closed:
                raise RoomClosedError(group.room)
            # docs/crypto.md §6.3: rotate on the message-count / age bound (or an exhausted
            # chain), at the same epoch, and share the new key before using it.
            rotate = self._engine.needs_rotation(group.room, self._now_ms())
            if not rotate:
                try:
                    out = self._engine.encrypt_group(group.room, text)
                except LimitError:
                    rotate = True
            if rotate:
                await self._execute([
                    NewSenderKey(room=group.room, epoch=state.epoch),
                    ShareSenderKey(room=group.room, members=state.others()),
                ])
                out = self._engine.encrypt_group(group.room, text)
            try:
                return await self._transport.request("room.send",
                                                     {"room": group.room, **out.to_wire()})
            except ClientError as err:
                if err.code in ("room_not_open", "not_in_room"):
                    self._close_room(group.room, err.code)
                    raise RoomClosedError(group.room) from None
                raise

    async def _leave_group(self, group: Group) -> None:
        async with self._lock:
            if group.is_closed:
                return
            try:
                await self._transport.request("group.leave", {"room": group.room})
            finally:
                self._close_room(group.room, "left")

    def _close_room(self, room: str, reason: str) -> None:
        state = self._rooms.pop(room, None)
        if state is not None:
            state.close(reason)
        self._engine.drop_room(room)
        group = self._groups.get(room)
        if group is not None:
            group._mark_closed(reason)

    def _member_names(self, room: str) -> list[str]:
        state = self._rooms.get(room)
        return [m.pseudonym for m in state.members.values()] if state else []

    def _on_distribution(self, skd: SenderKeyDistribution, from_key: bytes) -> None:
        group_id = skd.room.split("/", 1)[0]
        state = self._rooms.get(skd.room)
        if state is None and group_id not in self._joining:
            log.debug("sender key for a room I am not in ignored")
            return
        min_epoch = state.min_epoch if state is not None else 0
        try:
            self._engine.accept_distribution(skd, from_key, room=skd.room, min_epoch=min_epoch)
        except E2EEError as err:
            # Refused (forged, someone else's, pre-departure): drop it like any bad message; it
            # must not abort the inbox fetch or a reconnect's rejoin.
            self.undecryptable += 1
            log.info("sender key dropped: %s", err.code)
            return
        self._release_held(skd.room, from_key)
