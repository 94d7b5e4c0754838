"""What the client hands to its user: decrypted messages and bounded per-chat mailboxes."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from client.errors import TIMEOUT, ClientError
from e2ee.franking import FrankingOpening

MAX_MAILBOX = 10_000
"""Undelivered messages kept per chat; beyond it the oldest are dropped (and counted)."""


class MessageTimeout(ClientError, TimeoutError):
    """``next_message`` waited ``timeout`` seconds and nothing came (also a ``TimeoutError``)."""

    def __init__(self, where: str, timeout: float) -> None:
        super().__init__(TIMEOUT, f"no message in {where} within {timeout:g}s")


@dataclass(frozen=True, kw_only=True)
class Message:
    """A decrypted chat message from another member.

    ``sender`` is the pseudonym the server stamped; ``sent_at`` is the server's time (UTC,
    timezone-aware). ``franking`` is the opening a recipient can later reveal to moderators as a
    verifiable report; it is left out of ``repr`` because it holds the franking key.
    """

    text: str
    sender: str
    sent_at: datetime
    room: str | None
    """The room for a group message, ``None`` for 1:1."""
    seq: int | None = None
    sender_key: bytes = field(repr=False)
    franking: FrankingOpening | None = field(default=None, repr=False, compare=False)


class Mailbox:
    """An ordered, bounded queue of messages with an awaitable ``get`` and a closed state."""

    def __init__(self, where: str) -> None:
        self._where = where
        self._items: deque[Message] = deque()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed_error: ClientError | None = None
        self.dropped = 0

    def __repr__(self) -> str:
        return f"Mailbox({self._where!r}, pending={len(self._items)})"

    def __len__(self) -> int:
        return len(self._items)

    def put(self, message: Message) -> None:
        """Append (dropping the oldest beyond ``MAX_MAILBOX``) and wake one waiter."""
        if len(self._items) >= MAX_MAILBOX:
            self._items.popleft()
            self.dropped += 1
        self._items.append(message)
        self._wake()

    def close(self, error: ClientError) -> None:
        """After the queued messages, ``get`` raises ``error``."""
        self._closed_error = error
        while self._waiters:
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def get(self, timeout: float | None) -> Message:
        """The oldest message; waits up to ``timeout`` seconds (``None`` waits forever)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not self._items:
            if self._closed_error is not None:
                raise self._closed_error
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise MessageTimeout(self._where, timeout or 0)
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                raise MessageTimeout(self._where, timeout or 0) from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return self._items.popleft()
