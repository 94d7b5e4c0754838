"""1:1 conversations: sessions (X3DH on first contact), trust-on-first-use pins, receiving.

Every incoming envelope is taken into the ratchet state and saved before ``receive`` returns
(the inbox acknowledges after that), and the state is saved after every encrypt before the
message leaves (docs/crypto.md §6.4). A sender key that arrives over 1:1 is handed to
``on_distribution``; this module does not know about rooms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from client.chats import DirectChat, Notify
from client.engine import Engine
from client.errors import UNTRUSTED_KEY, ClientError, ProtocolViolation
from client.messages import Message
from client.session import Link
from client.wire import ts_to_datetime
from e2ee.content import Content, ControlContent, SenderKeyDistribution, TextContent
from e2ee.envelopes import DirectEnvelope
from e2ee.errors import E2EEError
from e2ee.identity import PrekeyBundle

log = logging.getLogger("client.directs")
APP_CONTROLS = frozenset({"emergency_share"})
"""Control actions handed to the application (the rest are the core's or ignored)."""

OnDistribution = Callable[[SenderKeyDistribution, bytes], None]
"""``on_distribution(skd, from_key)``: a sender key arrived over the session with ``from_key``."""


class Directs:
    """My 1:1 sessions and the ``DirectChat`` handles, one per pseudonym."""

    def __init__(
        self,
        engine: Engine,
        link: Link,
        save: Callable[[], None],
        *,
        notify: Notify,
        on_distribution: OnDistribution,
    ) -> None:
        self._engine = engine
        self._link = link
        self._save = save
        self._notify = notify
        self._on_distribution = on_distribution
        self.chats: dict[str, DirectChat] = {}
        self.undecryptable = 0
        """Envelopes dropped because they failed to decrypt or their key contradicts a pin."""

    def __repr__(self) -> str:
        return f"Directs(chats={len(self.chats)}, undecryptable={self.undecryptable})"

    async def open(self, pseudonym: str) -> DirectChat:
        """The chat with ``pseudonym``, starting a session unless one exists (see
        ``PeerClient.open_direct``)."""
        await self._link.await_ready()
        async with self._link.lock:
            chat = self.chats.get(pseudonym)
            if chat is not None:
                return chat
            key = self._engine.pins.get(pseudonym)
            if key is None or not self._engine.has_session(key):
                key = await self.start_session(pseudonym, key)
            return self._chat(pseudonym, key)

    async def send_text(self, chat: DirectChat, text: str) -> None:
        """Encrypt ``text`` for ``chat`` and queue it in the recipient's inbox."""
        await self._link.await_ready()
        async with self._link.lock:
            await self.send_content(chat.pseudonym, chat.identity_key, self._engine.new_text(text))

    async def send_control(self, chat: DirectChat, action: str, data: bytes) -> None:
        """Encrypt a control content for ``chat`` and queue it in the recipient's inbox."""
        await self._link.await_ready()
        async with self._link.lock:
            await self.send_content(chat.pseudonym, chat.identity_key,
                                    ControlContent(action, data))

    async def send_content(self, pseudonym: str, key: bytes, content: Content) -> dict[str, Any]:
        """Encrypt ``content`` (text or a sender key) over the session with ``key`` and send it
        (lock held). Starts a session first if there is none."""
        if not self._engine.has_session(key):
            await self.start_session(pseudonym, key)
        out = self._engine.encrypt_direct(key, content)
        self._save()  # the ratchet has moved: never reuse a message key after a crash
        return await self._link.request("direct.send", {"to": pseudonym, **out.to_wire()})

    async def start_session(self, pseudonym: str, expected: bytes | None) -> bytes:
        """X3DH with ``pseudonym``'s fetched bundle; its identity must match ``expected`` (the
        pin) if given. Returns the identity key."""
        reply = await self._link.request("keys.fetch", {"pseudonym": pseudonym})
        try:
            bundle = PrekeyBundle.from_fetch(reply)
        except E2EEError as err:
            raise ProtocolViolation(UNTRUSTED_KEY, f"key bundle of {pseudonym}: {err.code}") from None
        if expected is not None and bundle.identity_key != expected:
            raise ProtocolViolation(UNTRUSTED_KEY, f"key bundle of {pseudonym} has another identity")
        self._engine.pin(pseudonym, bundle.identity_key)  # refuses a changed key; bounded
        self._engine.start_session(bundle)
        self._save()
        return bundle.identity_key

    async def receive(self, env: DirectEnvelope) -> bool:
        """Decrypt and deliver one envelope, state saved; ``False`` if it cannot decrypt (it
        never will, and nothing but the counter changed)."""
        try:
            self._engine.check_pin(env.sender, env.sender_key)
            received = self._engine.decrypt_direct(env)
            self._engine.pin(env.sender, env.sender_key)  # only what authenticated is trusted
        except (ClientError, E2EEError) as err:
            self.undecryptable += 1
            log.info("direct envelope dropped: %s", err.code)
            self._save()
            return False
        self._save()  # before the ack: the envelope is gone from the server after it
        content = received.content
        if isinstance(content, TextContent):
            chat = self._chat(env.sender, env.sender_key)
            message = Message(
                text=content.text, sender=env.sender, sent_at=ts_to_datetime(env.ts), room=None,
                sender_key=env.sender_key, franking=received.opening,
            )
            chat._deliver(message)
            self._notify(message, chat)
        elif isinstance(content, SenderKeyDistribution):
            self._on_distribution(content, env.sender_key)
        elif isinstance(content, ControlContent):
            if content.action in APP_CONTROLS:
                self._chat(env.sender, env.sender_key)._deliver_control(content.action,
                                                                         content.data)
            else:
                log.debug("control %s ignored", content.action)
        return True

    def _chat(self, pseudonym: str, key: bytes) -> DirectChat:
        chat = self.chats.get(pseudonym)
        if chat is None or chat.identity_key != key:
            chat = DirectChat(self, pseudonym, key)
            self.chats[pseudonym] = chat
        return chat
