"""1:1 layer of ``PeerClient``: sessions (X3DH on first contact), pinning, the inbox.

Every direct envelope is saved into the ratchet state before it is acknowledged, and the state
is saved after every encrypt before the message leaves (docs/crypto.md §6.4).
"""

from __future__ import annotations

import time
from typing import Any

from client.chats import DirectChat
from client.errors import BAD_PUSH, UNTRUSTED_KEY, ClientError, ProtocolViolation
from client.messages import Message
from client.peer_base import PeerBase, log
from client.wire import ts_to_datetime
from e2ee.content import ControlContent, SenderKeyDistribution, TextContent
from e2ee.envelopes import DirectEnvelope
from e2ee.errors import E2EEError
from e2ee.identity import PrekeyBundle

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


class DirectFlow(PeerBase):
    """1:1 sessions and the inbox."""

    async def _publish_keys(self, *, always: bool) -> None:
        try:
            held = (await self._transport.request("keys.count")).get("one_time_prekeys")
            count = held if isinstance(held, int) else 0
        except ClientError as err:
            if err.code != "no_keys":
                raise
            count = 0
        top_up = OTK_TARGET - count if count < OTK_LOW_WATERMARK else 0
        rotated = self._engine.rotate_signed_prekey_if_due(time.time())
        if not always and top_up == 0 and not rotated:
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

    def _direct_chat(self, pseudonym: str, key: bytes) -> DirectChat:
        chat = self._directs.get(pseudonym)
        if chat is None or chat.identity_key != key:
            chat = DirectChat(self, pseudonym, key)
            self._directs[pseudonym] = chat
        return chat

    def _pin(self, pseudonym: str, key: bytes) -> None:
        """Trust on first use: a pseudonym keeps the identity key I first saw for it."""
        self._engine.pin(pseudonym, key)  # refuses a changed key; bounded (client.engine)

    def _check_pin(self, pseudonym: str, key: bytes) -> None:
        self._engine.check_pin(pseudonym, key)

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
        await self._await_ready()
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
            self._check_pin(env.sender, env.sender_key)
            received = self._engine.decrypt_direct(env)
            self._pin(env.sender, env.sender_key)  # only what authenticated is trusted
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
            self._on_distribution(content, env.sender_key)
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

