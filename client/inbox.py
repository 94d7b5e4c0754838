"""The 1:1 inbox: fetched in rounds at sign-in, pushed while connected, acknowledged after use.

An envelope is acknowledged only after the state it moved was saved (the receiver saves before
returning), so an acknowledged envelope has always been taken into the saved ratchet state
(docs/crypto.md §6.4). An envelope both pushed and fetched is handled once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from client.errors import BAD_PUSH, BAD_REPLY, ProtocolViolation
from client.transport import Request
from e2ee.envelopes import DirectEnvelope
from e2ee.errors import E2EEError

log = logging.getLogger("client.inbox")

MAX_ACK_IDS = 100
"""Ids per ``inbox.ack`` (the server's ``max_ack_ids``)."""
MAX_INBOX_ROUNDS = 50
"""``inbox.fetch`` rounds per sign-in; the server hands out a bounded batch per round."""
MAX_SEEN_DIRECT_IDS = 4096
"""Recently handled inbox ids, so an envelope both pushed and fetched is handled once."""

Receive = Callable[[DirectEnvelope], Awaitable[bool]]
"""Decrypt and deliver one envelope, state saved; ``False`` if it never will decrypt."""


class Inbox:
    """Fetches, de-duplicates and acknowledges 1:1 envelopes; ``receive`` does the rest."""

    def __init__(
        self,
        request: Request,
        receive: Receive,
        *,
        on_session_start: Callable[[], Awaitable[None]],
    ) -> None:
        self._request = request
        self._receive = receive
        self._on_session_start = on_session_start
        self._seen: OrderedDict[str, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"Inbox(seen={len(self._seen)})"

    async def fetch(self) -> None:
        """Handle everything queued for me, batch by batch, acknowledging after each batch."""
        for _ in range(MAX_INBOX_ROUNDS):
            reply = await self._request("inbox.fetch", None)
            envelopes = reply.get("envelopes")
            if not isinstance(envelopes, list):
                raise ProtocolViolation(BAD_REPLY, "inbox.fetch")
            if not envelopes:
                return
            handled: list[str] = []
            for raw in envelopes:
                try:
                    envelope_id = await self.handle(raw, ack=False)
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

    async def push(self, data: Any) -> None:
        """A ``direct.envelope`` pushed while connected."""
        await self.handle(data, ack=True)

    async def handle(self, data: Any, *, ack: bool) -> str:
        """Receive one envelope and ack it (or leave that to the caller); returns its id.

        ``ProtocolViolation(bad_push)`` if it does not decode (nothing changed). An envelope
        that does not decrypt is acknowledged too: it never will, and it must not refill the
        inbox.
        """
        try:
            env = DirectEnvelope.from_wire(data)
        except E2EEError as err:
            raise ProtocolViolation(BAD_PUSH, f"direct.envelope {err.code}") from None
        if env.id in self._seen:
            if ack:
                await self._ack([env.id])
            return env.id
        received = await self._receive(env)
        if received:
            self._remember(env.id)
        if ack:
            await self._ack([env.id])
        if received and env.kind == "prekey":
            await self._on_session_start()
        return env.id

    async def _ack(self, ids: list[str]) -> None:
        await self._request("inbox.ack", {"ids": ids})

    def _remember(self, envelope_id: str) -> None:
        self._seen[envelope_id] = None
        while len(self._seen) > MAX_SEEN_DIRECT_IDS:
            self._seen.popitem(last=False)
