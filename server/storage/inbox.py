"""Port: the 1:1 inbox (envelopes waiting for their recipient, with a TTL). Durable."""

from __future__ import annotations

from typing import Protocol

from server.domain.records import QueuedEnvelope


class InboxStore(Protocol):
    """Queued envelopes per recipient."""

    async def put(self, recipient: bytes, sender: bytes, envelope: QueuedEnvelope,
                  expires_at: float, now: float, cap: int, per_sender_cap: int) -> bool:
        """Queue an envelope; False (nothing stored) if the recipient already holds `cap`
        unexpired ones, or `per_sender_cap` unexpired ones from this sender. Atomic."""
        ...

    async def pending(self, recipient: bytes, now: float, limit: int) -> list[QueuedEnvelope]:
        """Unexpired envelopes, oldest first (expired ones are dropped on the way)."""
        ...

    async def ack(self, recipient: bytes, ids: list[str]) -> int:
        """Remove these envelopes; return how many were there."""
        ...

    async def erase(self, identity_key: bytes) -> int:
        """Drop every envelope queued for the key and every envelope it queued for others;
        how many went. Rare (a person erasing themselves): may read every inbox."""
        ...

    async def sweep(self, now: float, max_recipients: int) -> int:
        """Drop expired envelopes of up to `max_recipients` inboxes (the scheduler calls it
        every tick); return how many envelopes were dropped."""
        ...

    async def total(self, now: float) -> int:
        """Envelopes queued across all recipients, for /metrics; cheap (no scan on Redis, where
        an expired envelope counts until it is swept)."""
        ...
