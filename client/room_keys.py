"""Group sender keys of the rooms I am in: verified membership in, key actions carried out.

The decisions come from the pure ``client.rooms.RoomState``; this module verifies the server's
signature on every membership event first, then carries the actions out: new keys in the
``Engine``, distributions over 1:1 through ``send_direct``. It decrypts room envelopes (holding
those that arrive before their sender's key) and hands each message to ``on_message``; a room
it stops keeping keys for is reported to ``on_closed``. It knows no ``Group`` handles, so the
same code serves any client that sits in rooms.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from client.clock import Clock, millis
from client.engine import Engine
from client.errors import BAD_PUSH, UNTRUSTED_KEY, ClientError, ProtocolViolation, RoomClosedError
from client.membership import verify_membership
from client.rooms import Action, DropRoomKeys, ForgetSender, NewSenderKey, RoomState, ShareSenderKey
from e2ee.content import Content, SenderKeyDistribution
from e2ee.envelopes import GroupEnvelope, Outgoing, Received
from e2ee.errors import E2EEError, LimitError, UnknownKeyError
from e2ee.membership import MembershipEvent

log = logging.getLogger("client.room_keys")

SendDirect = Callable[[str, bytes, Content], Awaitable[Any]]
"""``send_direct(pseudonym, identity_key, content)`` over the 1:1 session (lock held)."""
OnMessage = Callable[[GroupEnvelope, Received], None]
OnClosed = Callable[[str, str], None]
"""``on_closed(room, reason)``: the room's keys are gone; it takes no more messages."""
OnAction = Callable[[Action], None]
"""``on_action(action)``: told of every action just before it is carried out (diagnostics,
and the orchestration-vector replay)."""


@dataclass(frozen=True, kw_only=True)
class KeyOutcome:
    """What became of a sender key that arrived over 1:1.

    ``result`` is ``accepted``, ``duplicate`` (already held), ``ignored`` (a room I am neither
    in nor joining) or ``refused`` (forged, someone else's, made before a departure: ``error``
    says which). Holds no key material.
    """

    result: str
    error: E2EEError | None = None


class RoomKeys:
    """Membership state and sender keys of every room I am in."""

    def __init__(
        self,
        engine: Engine,
        send_direct: SendDirect,
        clock: Clock,
        *,
        on_message: OnMessage,
        on_closed: OnClosed,
        on_action: OnAction | None = None,
    ) -> None:
        self._engine = engine
        self._send_direct = send_direct
        self._clock = clock
        self._on_message = on_message
        self._on_closed = on_closed
        self._on_action = on_action
        self.server_key: bytes | None = None
        """The key the server signs memberships with (from ``hello``); nothing is verified,
        so nothing is acted on, before it is known."""
        self.rooms: dict[str, RoomState] = {}
        self.joining: set[str] = set()
        """Group ids with a ``group.join`` under way (their sender keys may arrive first)."""
        self.undecryptable = 0
        """Envelopes and sender keys dropped because they failed to decrypt or verify."""

    def __repr__(self) -> str:
        return f"RoomKeys(rooms={sorted(self.rooms)}, undecryptable={self.undecryptable})"

    def members(self, room: str) -> list[str]:
        """Pseudonyms in the last verified member list of ``room``."""
        state = self.rooms.get(room)
        return [m.pseudonym for m in state.members.values()] if state else []

    def roles(self, room: str) -> dict[str, str]:
        """Pseudonym -> role in the last verified member list (the roles are signed)."""
        state = self.rooms.get(room)
        return {m.pseudonym: m.role for m in state.members.values()} if state else {}

    async def joined(self, room: str, membership: MembershipEvent) -> None:
        """My join (or rejoin) of ``room`` was answered with ``membership``: verify it, then
        make and share my key."""
        if self.server_key is None:
            raise ProtocolViolation(BAD_PUSH, "no server key")
        verify_membership(membership, self.server_key)
        if membership.room != room:
            raise ProtocolViolation(BAD_PUSH, "membership of another room")
        state = self.rooms.get(room)
        if state is None:
            state = RoomState(room, self._engine.identity_key)
            self.rooms[room] = state
        await self._execute(state.joined(membership))

    async def membership(self, m: MembershipEvent) -> None:
        """A ``room.membership`` push: verified, then acted on (``bad_membership`` if forged)."""
        state = self.rooms.get(m.room)
        if state is None or state.closed or self.server_key is None:
            return
        verify_membership(m, self.server_key)
        if m.event in ("left", "removed") and m.identity_key == self._engine.identity_key:
            self.close(m.room, m.event)
            return
        await self._execute(state.membership(m))
        if state.closed:
            self.close(m.room, "closed")

    async def envelope(self, data: Any) -> None:
        """A ``room.envelope`` push: decrypt and deliver, or hold it until its key comes."""
        try:
            env = GroupEnvelope.from_wire(data)
        except E2EEError as err:
            raise ProtocolViolation(BAD_PUSH, f"room.envelope {err.code}") from None
        state = self.rooms.get(env.room)
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
            state.hold(env, self._clock())
            return
        except E2EEError as err:
            self.undecryptable += 1
            log.info("group envelope dropped: %s", err.code)
            return
        self._on_message(env, received)

    def accept_distribution(self, skd: SenderKeyDistribution, from_key: bytes) -> KeyOutcome:
        """A sender key that arrived over 1:1: keep it if valid, then release what it unlocks.

        Never raises for a bad key: it is dropped like any bad message, so it cannot abort the
        inbox fetch or a reconnect's rejoin."""
        group_id = skd.room.split("/", 1)[0]
        state = self.rooms.get(skd.room)
        if state is None and group_id not in self.joining:
            log.debug("sender key for a room I am not in ignored")
            return KeyOutcome(result="ignored")
        min_epoch = state.min_epoch if state is not None else 0
        try:
            fresh = self._engine.accept_distribution(
                skd, from_key, room=skd.room, min_epoch=min_epoch
            )
        except E2EEError as err:
            self.undecryptable += 1
            log.info("sender key dropped: %s", err.code)
            return KeyOutcome(result="refused", error=err)
        self._release_held(skd.room, from_key)
        return KeyOutcome(result="accepted" if fresh else "duplicate")

    async def encrypt(self, room: str, text: str) -> Outgoing:
        """Encrypt ``text`` for ``room`` with my sender key, rotating it first when its
        message-count or age bound is reached (docs/crypto.md §6.3). Lock held."""
        state = self.rooms.get(room)
        if state is None or state.closed:
            raise RoomClosedError(room)
        # Rotate on the bound (or an exhausted chain), at the same epoch, and share the new key
        # before using it.
        if not self._engine.needs_rotation(room, millis(self._clock)):
            try:
                return self._engine.encrypt_group(room, text)
            except LimitError:
                pass
        await self._execute([
            NewSenderKey(room=room, epoch=state.epoch),
            ShareSenderKey(room=room, members=state.others()),
        ])
        return self._engine.encrypt_group(room, text)

    def close(self, room: str, reason: str) -> None:
        """Forget every key and the state of ``room``; report it to ``on_closed``."""
        state = self.rooms.pop(room, None)
        if state is not None:
            state.close(reason)
        self._engine.drop_room(room)
        self._on_closed(room, reason)

    async def _execute(self, actions: list[Action]) -> None:
        for action in actions:
            if self._on_action is not None:
                self._on_action(action)
            if isinstance(action, NewSenderKey):
                self._engine.new_sender_key(action.room, action.epoch, millis(self._clock))
            elif isinstance(action, ShareSenderKey):
                distribution = self._engine.my_distribution(action.room)
                for member in action.members:
                    try:
                        await self._send_direct(member.pseudonym, member.identity_key, distribution)
                    except (ClientError, E2EEError) as err:
                        # One unreachable member must not keep the others from my key.
                        log.info("sender key to a member of %s failed: %s", action.room, err.code)
            elif isinstance(action, ForgetSender):
                self._engine.forget_sender(action.room, action.sender_key)
            elif isinstance(action, DropRoomKeys):
                self._engine.drop_room(action.room)

    def _release_held(self, room: str, sender_key: bytes) -> None:
        state = self.rooms.get(room)
        if state is None:
            return
        for env in state.release(sender_key, self._clock()):
            try:
                received = self._engine.decrypt_group(env)
            except E2EEError as err:
                self.undecryptable += 1
                log.info("held group envelope dropped: %s", err.code)
                continue
            self._on_message(env, received)
