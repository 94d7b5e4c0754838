"""The user-facing chat handles: a group room and a 1:1 conversation.

Both have ``send(text)`` and ``next_message(timeout)``; the work is done by the ``PeerClient``
they belong to (``client.peer``), which owns the socket, the keys and the lock around them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from client.errors import ClientError, RoomClosedError
from client.messages import Mailbox, Message
from client.moderation import flag_own_message, read_only_tonight, start_warming
from e2ee.limits import MAX_TEXT_BYTES

if TYPE_CHECKING:
    from client.direct_flow import DirectFlow
    from client.group_flow import GroupFlow
    from client.wire import GroupInfo

DEFAULT_TIMEOUT_S = 10.0


class NoMoreMessages(RoomClosedError, TimeoutError):
    """``next_message`` on a closed room after its last message: nothing will ever come."""

TOO_LARGE = "too_large"


def check_text(text: str) -> None:
    """Refuse, before any key moves, text the protocol cannot carry."""
    if not isinstance(text, str) or not text:
        raise ClientError("bad_request", "text must be a non-empty string")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ClientError(TOO_LARGE, f"text is longer than {MAX_TEXT_BYTES} UTF-8 bytes")


class Group:
    """My membership of one group's room for tonight."""

    def __init__(self, peer: GroupFlow, group_id: str, room: str) -> None:
        self._peer = peer
        self.group_id = group_id
        self.room = room
        self.closes_at: str | None = None
        """Set when the server announces ``group.closing`` (ISO 8601)."""
        self.close_reason: str | None = None
        self.info: GroupInfo | None = None
        """The group as the server described it at join (name, topic, times, seats)."""
        self._mailbox = Mailbox(room)
        self._closing = asyncio.Event()
        self._closed = asyncio.Event()
        start_warming()  # the detector that flags my own crisis messages (client/moderation.py)

    def __repr__(self) -> str:
        return f"Group(room={self.room!r}, closed={self.is_closed}, pending={len(self._mailbox)})"

    @property
    def is_closed(self) -> bool:
        """Whether the room has closed (night over, or I left)."""
        return self._closed.is_set()

    @property
    def members(self) -> list[str]:
        """Pseudonyms of the room's current members (from the last signed membership)."""
        return self._peer._member_names(self.room)

    async def send(self, text: str) -> None:
        """Encrypt ``text`` with my sender key and relay it to the room.

        Raises ``RoomClosedError`` once the room has closed.
        """
        if self.is_closed:
            raise RoomClosedError(self.room)
        check_text(text)
        reply = await self._peer._send_group(self, text)
        await flag_own_message(self._peer, self.room, text, reply)  # level 2+: metadata only

    async def read_only_tonight(self) -> dict[str, Any]:
        """"I'll just read tonight": I can no longer write here until the night ends."""
        return await read_only_tonight(self._peer, self.room)

    async def next_message(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Message:
        """The next message from another member, in order.

        Raises ``MessageTimeout`` (a ``TimeoutError``) after ``timeout`` seconds, and
        ``RoomClosedError`` once the room has closed and every earlier message was read (it is
        also a ``TimeoutError``: no message will come, whichever a caller waits for).
        """
        return await self._mailbox.get(timeout)

    async def closing(self, timeout: float | None = None) -> str | None:
        """Wait for the server's ``group.closing`` warning; returns ``closes_at`` (ISO 8601).

        Also returns (with ``None`` if no warning came) when the room closes first.
        """
        closing = asyncio.ensure_future(self._closing.wait())
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            done, _ = await asyncio.wait({closing, closed}, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            closed.cancel()
        if not done:
            raise TimeoutError(f"no closing warning for {self.room} within {timeout}s")
        return self.closes_at

    async def closed(self, timeout: float | None = None) -> str | None:
        """Wait until the room closes; returns the server's reason."""
        await asyncio.wait_for(self._closed.wait(), timeout)
        return self.close_reason

    async def leave(self) -> None:
        """Leave the room; its keys are dropped and it takes no more messages."""
        await self._peer._leave_group(self)

    # -- called by PeerClient ----------------------------------------------------------------

    def _deliver(self, message: Message) -> None:
        self._mailbox.put(message)

    def _mark_closing(self, closes_at: str | None) -> None:
        self.closes_at = closes_at
        self._closing.set()

    def _mark_closed(self, reason: str | None) -> None:
        if self._closed.is_set():
            return
        self.close_reason = reason
        self._closed.set()
        self._mailbox.close(NoMoreMessages(self.room))


class DirectChat:
    """A 1:1 conversation with one pseudonym."""

    def __init__(self, peer: DirectFlow, pseudonym: str, identity_key: bytes) -> None:
        self._peer = peer
        self.pseudonym = pseudonym
        self.identity_key = identity_key
        self._mailbox = Mailbox(f"direct:{pseudonym}")

    def __repr__(self) -> str:
        return f"DirectChat(pseudonym={self.pseudonym!r}, pending={len(self._mailbox)})"

    async def send(self, text: str) -> None:
        """Encrypt ``text`` over the pairwise session and queue it in the recipient's inbox."""
        check_text(text)
        await self._peer._send_direct_text(self, text)

    async def next_message(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Message:
        """The next message from this pseudonym (``MessageTimeout`` after ``timeout`` s)."""
        return await self._mailbox.get(timeout)

    def _deliver(self, message: Message) -> None:
        self._mailbox.put(message)
