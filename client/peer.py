"""``PeerClient``: the public asyncio API, and the glue between socket, keys and chats.

One ``PeerClient`` is one device. Pushes from the server are put on a bounded queue by the
transport and handled one at a time by a single task, in arrival order. Everything that touches
the key state (``Engine``) or must happen in order with it (send, join, leave) runs under one
``asyncio.Lock``, and the 1:1 state is saved to the keystore before an inbox envelope is
acknowledged, so a crash or a dropped socket never loses a 1:1 message.

Decisions (when to run X3DH, when to share or rotate a sender key) are made by the pure
``client.rooms.RoomState`` and ``client.engine.Engine``; this module carries them out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from client.chats import DirectChat, Group
from client.engine import Engine
from client.errors import (
    BAD_PUSH,
    UNTRUSTED_KEY,
    ClientError,
    ProtocolViolation,
    RoomClosedError,
)
from client.keystore import Keystore
from client.membership import verify_membership
from client.messages import Message
from client.rooms import (
    Action,
    DropRoomKeys,
    ForgetSender,
    NewSenderKey,
    RoomState,
    ShareSenderKey,
)
from client.transport import DISCONNECTED_EVENT, RECONNECTED, Transport
from client.wire import (
    AuthReply,
    GroupEvent,
    HelloReply,
    JoinReply,
    b64e,
    decode_membership,
    ts_to_datetime,
)
from e2ee.content import ControlContent, SenderKeyDistribution, TextContent
from e2ee.envelopes import DirectEnvelope, GroupEnvelope, Received
from e2ee.errors import E2EEError, LimitError, UnknownKeyError
from e2ee.identity import PrekeyBundle
from e2ee.membership import MembershipEvent
from e2ee.safety import format_safety_number, safety_number

log = logging.getLogger(__name__)

MAX_PENDING_PUSHES = 10_000
"""Server pushes waiting for the handler task; beyond it the inbox is re-fetched instead."""
MAX_SEEN_DIRECT_IDS = 4096
"""Recently handled inbox ids, so an envelope both pushed and fetched is handled once."""
OTK_LOW_WATERMARK = 10
"""Top up one-time prekeys on the server when it holds fewer than this."""
OTK_TARGET = 50
"""How many one-time prekeys the server should hold after a top-up."""
OTK_CHECK_EVERY = 5
"""Ask ``keys.count`` after this many incoming session starts (each used one prekey)."""
MAX_ACK_IDS = 100
"""Ids per ``inbox.ack`` (the server's ``max_ack_ids``)."""
MAX_INBOX_ROUNDS = 50
"""``inbox.fetch`` rounds per connect; the server hands out a bounded batch per round."""

Listener = Callable[[Message, "Group | DirectChat"], None]


class PeerClient:
    """One anonymous device connected to an Iltapiiri server."""

    def __init__(self, url: str, engine: Engine, keystore: Keystore, pseudonym: str | None) -> None:
        self._url = url
        self._engine = engine
        self._keystore = keystore
        self._wanted_pseudonym = pseudonym
        self.pseudonym: str = pseudonym or ""
        self.role: str = "peer"
        self._server_key: bytes | None = None
        self._lock = asyncio.Lock()
        self._pushes: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(MAX_PENDING_PUSHES)
        self._overflowed = False
        self._transport = Transport(url, self._on_push)
        self._worker: asyncio.Task[None] | None = None
        self._rooms: dict[str, RoomState] = {}
        self._groups: dict[str, Group] = {}
        self._joining: set[str] = set()
        self._directs: dict[str, DirectChat] = {}
        self._seen_ids: OrderedDict[str, None] = OrderedDict()
        self._listeners: list[Listener] = []
        self._closed = False
        self._session_starts = 0
        self.undecryptable = 0
        """Messages dropped because they failed to decrypt or verify (for diagnostics)."""

    def __repr__(self) -> str:
        return f"PeerClient(pseudonym={self.pseudonym!r}, rooms={sorted(self._rooms)})"

    @property
    def identity_key(self) -> bytes:
        """This device's public Ed25519 identity key."""
        return self._engine.identity_key

    @classmethod
    async def connect(
        cls,
        url: str,
        pseudonym: str | None = None,
        keystore: str | os.PathLike[str] | None = None,
    ) -> PeerClient:
        """Connect, authenticate, publish keys and fetch queued 1:1 messages.

        ``keystore`` is a file path to persist the identity and sessions (mode 0600), or
        ``None`` to keep them in memory. A restarted client with the same keystore keeps its
        pseudonym and decrypts what was queued for it while it was away.
        """
        store = Keystore(keystore)
        saved = store.load()
        engine = Engine.from_state(saved["engine"]) if saved else Engine.create()
        if pseudonym is None and saved:
            pseudonym = saved.get("pseudonym") or None
        peer = cls(url, engine, store, pseudonym)
        peer._save()
        await peer._transport.connect()
        try:
            async with peer._lock:
                await peer._establish()
        except BaseException:
            await peer._transport.close()
            raise
        peer._worker = asyncio.create_task(peer._run(), name=f"iltapiiri-peer-{peer.pseudonym}")
        return peer

    def add_listener(self, listener: Listener) -> None:
        """Also call ``listener(message, chat)`` for every message delivered (e.g. the CLI)."""
        self._listeners.append(listener)

    async def list_groups(self) -> list[dict[str, Any]]:
        """The server's groups (GroupInfo objects as in docs/protocol.md)."""
        reply = await self._transport.request("groups.list")
        groups = reply.get("groups")
        if not isinstance(groups, list):
            raise ProtocolViolation("bad_reply", "groups.list")
        return [g for g in groups if isinstance(g, dict)]

    async def join_group(self, group_id: str) -> Group:
        """Join tonight's room of ``group_id``; share my sender key with every member."""
        async with self._lock:
            self._joining.add(group_id)
            try:
                reply = JoinReply.from_wire(
                    await self._transport.request("group.join", {"group_id": group_id})
                )
                group = self._groups.get(reply.room)
                if group is None or group.is_closed:
                    group = Group(self, group_id, reply.room)
                    self._groups[reply.room] = group
                await self._apply_join(reply)
            finally:
                self._joining.discard(group_id)
        return group

    async def open_direct(self, pseudonym: str) -> DirectChat:
        """A 1:1 conversation with ``pseudonym`` (session set up on first send if needed)."""
        async with self._lock:
            chat = self._directs.get(pseudonym)
            if chat is not None:
                return chat
            key = self._engine.pins.get(pseudonym)
            if key is None or not self._engine.has_session(key):
                key = await self._start_session(pseudonym, key)
            return self._direct_chat(pseudonym, key)

    def safety_number(self, pseudonym: str) -> str:
        """The 60-digit safety number of me and ``pseudonym`` (12 groups of 5), to compare with
        theirs in person or over another channel. Known only after a 1:1 contact (pinned key)."""
        key = self._engine.pins.get(pseudonym)
        if key is None:
            raise ClientError("unknown_user", f"no key known for {pseudonym}; open_direct first")
        return format_safety_number(safety_number(self.identity_key, key))

    async def close(self) -> None:
        """Save state, stop the handler task and disconnect."""
        if self._closed:
            return
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        async with self._lock:
            self._save()
        await self._transport.close()

    async def drop_connection(self) -> None:
        """Cut the socket as a network fault would; the client reconnects by itself."""
        await self._transport.drop()

    # -- session set-up ------------------------------------------------------------------------

    async def _establish(self) -> None:
        """hello → signed challenge → auth → publish keys → fetch the inbox (lock held)."""
        hello = HelloReply.from_wire(await self._transport.request("hello"))
        self._server_key = hello.server_key
        request: dict[str, Any] = {
            "identity_key": b64e(self._engine.identity_key),
            "signature": b64e(self._engine.sign_auth(hello.challenge)),
        }
        wanted = self.pseudonym or self._wanted_pseudonym
        if wanted:
            request["pseudonym"] = wanted
        auth = AuthReply.from_wire(await self._transport.request("auth", request))
        self.pseudonym, self.role = auth.pseudonym, auth.role
        self._engine.set_pseudonym(auth.pseudonym)
        self._save()
        await self._publish_keys(always=True)
        await self._fetch_inbox()

    async def _publish_keys(self, *, always: bool) -> None:
        try:
            held = (await self._transport.request("keys.count")).get("one_time_prekeys")
            count = held if isinstance(held, int) else 0
        except ClientError as err:
            if err.code != "no_keys":
                raise
            count = 0
        top_up = OTK_TARGET - count if count < OTK_LOW_WATERMARK else 0
        if not always and top_up == 0:
            return
        request = self._engine.publish_request(top_up)
        self._save()  # the new private prekeys must exist on disk before the server hands them out
        await self._transport.request("keys.publish", request)

    async def _fetch_inbox(self) -> None:
        """Handle everything queued for me, batch by batch, acknowledging after each batch."""
        for _ in range(MAX_INBOX_ROUNDS):
            reply = await self._transport.request("inbox.fetch")
            envelopes = reply.get("envelopes")
            if not isinstance(envelopes, list):
                raise ProtocolViolation("bad_reply", "inbox.fetch")
            if not envelopes:
                return
            handled: list[str] = []
            for raw in envelopes:
                try:
                    envelope_id = await self._handle_direct(raw, ack=False)
                except ProtocolViolation as err:
                    # Malformed: it will never decode, so acknowledge it if it has an id at all.
                    log.info("inbox envelope dropped: %s", err.code)
                    raw_id = raw.get("id") if isinstance(raw, dict) else None
                    if isinstance(raw_id, str) and raw_id:
                        handled.append(raw_id)
                    continue
                handled.append(envelope_id)
            if not handled:
                return  # nothing we can acknowledge: do not spin on the same batch
            for start in range(0, len(handled), MAX_ACK_IDS):
                await self._ack(handled[start : start + MAX_ACK_IDS])

    async def _reestablish(self) -> None:
        """After a reconnect: authenticate again, rejoin my rooms, fetch what was queued."""
        await self._establish()
        for room, group in list(self._groups.items()):
            if group.is_closed:
                continue
            try:
                reply = JoinReply.from_wire(
                    await self._transport.request("group.join", {"group_id": group.group_id})
                )
            except ClientError as err:
                log.info("rejoin of %s failed: %s", room, err.code)
                self._close_room(room, err.code)
                continue
            await self._apply_join(reply)

    # -- pushes --------------------------------------------------------------------------------

    def _on_push(self, name: str, data: Any) -> None:
        """Called by the transport synchronously, in arrival order."""
        try:
            self._pushes.put_nowait((name, data))
        except asyncio.QueueFull:
            # Direct envelopes stay in the inbox until acked; refetch them once drained.
            self._overflowed = True

    async def _run(self) -> None:
        while True:
            name, data = await self._pushes.get()
            try:
                async with self._lock:
                    await self._dispatch(name, data)
                    if self._overflowed and self._pushes.empty():
                        self._overflowed = False
                        await self._fetch_inbox()
            except asyncio.CancelledError:
                raise
            except (ClientError, E2EEError) as err:
                log.info("push %s dropped: %s", name, err.code)
            except Exception as err:
                # Never log the exception text: it could quote a payload.
                log.warning("push %s failed: %s", name, type(err).__name__)

    async def _dispatch(self, name: str, data: Any) -> None:
        if name == "room.envelope":
            await self._handle_group_envelope(data)
        elif name == "direct.envelope":
            await self._handle_direct(data)
        elif name == "room.membership":
            await self._handle_membership(decode_membership(data))
        elif name == "group.closing":
            event = GroupEvent.from_wire(name, data)
            if event.room in self._groups:
                self._groups[event.room].closes_at = event.closes_at
        elif name == "group.closed":
            event = GroupEvent.from_wire(name, data)
            self._close_room(event.room, event.reason or "closed")
        elif name == RECONNECTED:
            await self._reestablish()
        elif name == DISCONNECTED_EVENT:
            log.info("connection lost; reconnecting")

    # -- groups ----------------------------------------------------------------------------

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

    async def _execute(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, NewSenderKey):
                self._engine.new_sender_key(action.room, action.epoch)
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

    async def _send_group(self, group: Group, text: str) -> None:
        async with self._lock:
            state = self._rooms.get(group.room)
            if state is None or state.closed or group.is_closed:
                raise RoomClosedError(group.room)
            try:
                out = self._engine.encrypt_group(group.room, text)
            except LimitError:
                # The chain reached its last iteration: rotate (same epoch) and share first.
                await self._execute([
                    NewSenderKey(room=group.room, epoch=state.epoch),
                    ShareSenderKey(room=group.room, members=state.others()),
                ])
                out = self._engine.encrypt_group(group.room, text)
            try:
                await self._transport.request("room.send", {"room": group.room, **out.to_wire()})
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

    # -- 1:1 -----------------------------------------------------------------------------------

    def _direct_chat(self, pseudonym: str, key: bytes) -> DirectChat:
        chat = self._directs.get(pseudonym)
        if chat is None or chat.identity_key != key:
            chat = DirectChat(self, pseudonym, key)
            self._directs[pseudonym] = chat
        return chat

    def _pin(self, pseudonym: str, key: bytes) -> None:
        """Trust on first use: a pseudonym keeps the identity key I first saw for it."""
        pinned = self._engine.pins.get(pseudonym)
        if pinned is not None and pinned != key:
            raise ProtocolViolation(UNTRUSTED_KEY, f"identity key of {pseudonym} changed")
        self._engine.pins[pseudonym] = key

    async def _start_session(self, pseudonym: str, expected: bytes | None) -> bytes:
        reply = await self._transport.request("keys.fetch", {"pseudonym": pseudonym})
        try:
            bundle = PrekeyBundle.from_fetch(reply)
        except E2EEError as err:
            raise ProtocolViolation(UNTRUSTED_KEY, f"key bundle of {pseudonym}: {err.code}") from None
        if expected is not None and bundle.identity_key != expected:
            raise ProtocolViolation(UNTRUSTED_KEY, f"key bundle of {pseudonym} has another identity")
        self._pin(pseudonym, bundle.identity_key)
        self._engine.start_session(bundle)
        self._save()
        return bundle.identity_key

    async def _send_content(
        self, pseudonym: str, key: bytes, content: TextContent | SenderKeyDistribution
    ) -> dict[str, Any]:
        if not self._engine.has_session(key):
            await self._start_session(pseudonym, key)
        out = self._engine.encrypt_direct(key, content)
        self._save()  # the ratchet has moved: never reuse a message key after a crash
        return await self._transport.request("direct.send", {"to": pseudonym, **out.to_wire()})

    async def _send_direct_text(self, chat: DirectChat, text: str) -> None:
        async with self._lock:
            await self._send_content(chat.pseudonym, chat.identity_key, TextContent.new(text))

    async def _handle_direct(self, data: Any, *, ack: bool = True) -> str:
        """Decrypt and dispatch one inbox envelope; ack it (or leave that to the caller).

        Returns the envelope id. State is saved before the ack, so an acknowledged envelope has
        always been taken into the saved ratchet state.
        """
        try:
            env = DirectEnvelope.from_wire(data)
        except E2EEError as err:
            raise ProtocolViolation(BAD_PUSH, f"direct.envelope {err.code}") from None
        if env.id in self._seen_ids:
            if ack:
                await self._ack([env.id])
            return env.id
        try:
            self._pin(env.sender, env.sender_key)
            received = self._engine.decrypt_direct(env)
        except (ClientError, E2EEError) as err:
            # It will never decrypt; acknowledging it keeps the inbox from refilling with it.
            self.undecryptable += 1
            log.info("direct envelope dropped: %s", err.code)
            self._save()
            if ack:
                await self._ack([env.id])
            return env.id
        self._save()  # before the ack: the envelope is gone from the server after it
        self._remember(env.id)
        content = received.content
        if isinstance(content, TextContent):
            chat = self._direct_chat(env.sender, env.sender_key)
            message = Message(
                text=content.text, sender=env.sender, sent_at=ts_to_datetime(env.ts), room=None,
                sender_key=env.sender_key, franking=received.opening,
            )
            chat._deliver(message)
            self._notify(message, chat)
        elif isinstance(content, SenderKeyDistribution):
            self._accept_distribution(content, env.sender_key)
        elif isinstance(content, ControlContent):
            log.debug("control %s ignored", content.action)
        if ack:
            await self._ack([env.id])
        if env.kind == "prekey":
            self._session_starts += 1
            if self._session_starts >= OTK_CHECK_EVERY:
                self._session_starts = 0
                await self._publish_keys(always=False)
        return env.id

    def _accept_distribution(self, skd: SenderKeyDistribution, from_key: bytes) -> None:
        group_id = skd.room.split("/", 1)[0]
        state = self._rooms.get(skd.room)
        if state is None and group_id not in self._joining:
            log.debug("sender key for a room I am not in ignored")
            return
        min_epoch = state.min_epoch if state is not None else 0
        self._engine.accept_distribution(skd, from_key, room=skd.room, min_epoch=min_epoch)
        self._release_held(skd.room, from_key)

    async def _ack(self, ids: list[str]) -> None:
        await self._transport.request("inbox.ack", {"ids": ids})

    def _remember(self, envelope_id: str) -> None:
        self._seen_ids[envelope_id] = None
        while len(self._seen_ids) > MAX_SEEN_DIRECT_IDS:
            self._seen_ids.popitem(last=False)

    # -- helpers -------------------------------------------------------------------------------

    def _notify(self, message: Message, chat: Group | DirectChat) -> None:
        for listener in self._listeners:
            try:
                listener(message, chat)
            except Exception as err:
                log.warning("listener failed: %s", type(err).__name__)

    def _save(self) -> None:
        self._keystore.save({"pseudonym": self.pseudonym, "engine": self._engine.export_state()})
