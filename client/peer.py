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
import os
from typing import Any

from client.chats import DirectChat, Group
from client.engine import Engine
from client.errors import ClientError, ProtocolViolation
from client.group_flow import GroupFlow
from client.keystore import Keystore
from client.moderation import MOD_PUSHES
from client.peer_base import Listener, log
from client.transport import DISCONNECTED_EVENT, RECONNECTED
from client.wire import (
    WIRE_PROTOCOL,
    AuthReply,
    GroupEvent,
    GroupInfo,
    HelloReply,
    JoinReply,
    b64e,
    decode_membership,
)
from e2ee.errors import E2EEError
from e2ee.pow import solve as solve_pow
from e2ee.safety import format_safety_number, safety_number


class PeerClient(GroupFlow):
    """One anonymous device connected to an Iltapiiri server."""

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
        *,
        passphrase: str | None = None,
    ) -> PeerClient:
        """Connect, authenticate, publish keys and fetch queued 1:1 messages.

        ``keystore`` is a file path to persist the identity and sessions (mode 0600), or
        ``None`` to keep them in memory. A restarted client with the same keystore keeps its
        pseudonym and decrypts what was queued for it while it was away. With ``passphrase``
        the file is encrypted at rest (PBKDF2-SHA256 → AES-256-GCM; ``bad_passphrase`` if it
        does not open, ``keystore_locked`` if a sealed file is opened without one).
        """
        store = Keystore(keystore, passphrase)
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
            peer._ready.set()
        except BaseException:
            await peer._transport.close()
            raise
        peer._worker = asyncio.create_task(peer._run(), name=f"iltapiiri-peer-{peer.pseudonym}")
        return peer

    def add_listener(self, listener: Listener) -> None:
        """Also call ``listener(message, chat)`` for every message delivered (e.g. the CLI)."""
        self._listeners.append(listener)

    async def list_groups(self) -> list[GroupInfo]:
        """The server's groups and their current or next night."""
        reply = await self._transport.request("groups.list")
        groups = reply.get("groups")
        if not isinstance(groups, list):
            raise ProtocolViolation("bad_reply", "groups.list")
        return [GroupInfo.from_wire(g) for g in groups]

    async def join_group(self, group_id: str) -> Group:
        """Join tonight's room of ``group_id``; share my sender key with every member."""
        await self._await_ready()
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
                group.info = reply.group
                await self._apply_join(reply)
            finally:
                self._joining.discard(group_id)
        return group

    async def open_direct(self, pseudonym: str) -> DirectChat:
        """A 1:1 conversation with ``pseudonym``: its key bundle is fetched and checked against
        the pinned identity, and a session started, unless one exists (``unknown_user`` if the
        server knows no such pseudonym, ``untrusted_key`` if its identity changed)."""
        await self._await_ready()
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
        if hello.protocol != WIRE_PROTOCOL:
            raise ProtocolViolation("unsupported_protocol", f"server speaks v{hello.protocol}")
        self._server_key = hello.server_key
        request: dict[str, Any] = {
            "identity_key": b64e(self._engine.identity_key),
            "signature": b64e(self._engine.sign_auth(hello.challenge, hello.server_key)),
            # Off the event loop: 2^pow_bits hashes (about half a second at the default 16).
            "pow": await asyncio.to_thread(solve_pow, hello.challenge, self._engine.identity_key,
                                           hello.pow_bits),
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
        if name == DISCONNECTED_EVENT:
            self._ready.clear()  # at once, not when the handler gets to it
        self._push_ready.set()

    async def _run(self) -> None:
        while True:
            await self._push_ready.wait()
            async with self._lock:
                await self._drain_pushes()

    async def _drain_pushes(self) -> None:
        """Handle every queued push in arrival order (the lock is held).

        Pushes leave the queue only here, under the lock, so order holds even when a group
        send drains first: a member who joined a moment ago then gets my sender key before the
        message they should be able to read.
        """
        while not self._pushes.empty():
            name, data = self._pushes.get_nowait()
            try:
                await self._dispatch(name, data)
            except asyncio.CancelledError:
                raise
            except (ClientError, E2EEError) as err:
                log.info("push %s dropped: %s", name, err.code)
            except Exception as err:
                # Never log the exception text: it could quote a payload.
                log.warning("push %s failed: %s", name, type(err).__name__)
        # No await between the empty check and this: a push cannot slip in unseen.
        self._push_ready.clear()
        if self._overflowed:
            self._overflowed = False
            try:
                await self._fetch_inbox()
            except (ClientError, E2EEError) as err:
                log.info("inbox refetch failed: %s", err.code)

    async def _dispatch(self, name: str, data: Any) -> None:
        if name == "room.envelope":
            await self._handle_group_envelope(data)
        elif name == "direct.envelope":
            await self._handle_direct(data)
        elif name == "room.membership":
            await self._handle_membership(decode_membership(data))
        elif name in MOD_PUSHES:
            self.moderation.put(name, data)
        elif name == "keys.low":  # my one-time prekeys run short: top up now (finding 7)
            await self._publish_keys(always=False)
        elif name == "group.closing":
            event = GroupEvent.from_wire(name, data)
            if event.room in self._groups:
                self._groups[event.room]._mark_closing(event.closes_at)
        elif name == "group.closed":
            event = GroupEvent.from_wire(name, data)
            self._close_room(event.room, event.reason or "closed")
        elif name == RECONNECTED:
            try:
                await self._reestablish()
            except ClientError:
                if self._transport.connected:
                    # The socket is fine but the set-up failed (e.g. a timeout): try again later,
                    # or no further reconnect would ever authenticate this session.
                    self._retries = min(self._retries + 1, 5)
                    asyncio.get_running_loop().call_later(
                        2.0 ** self._retries, self._on_push, RECONNECTED, None
                    )
                raise
            self._retries = 0
            self._ready.set()
        elif name == DISCONNECTED_EVENT:
            log.info("connection lost; reconnecting")

