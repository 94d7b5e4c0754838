"""The user-facing chat handles: a group room and a 1:1 conversation.

Both have ``send(text)`` and ``next_message(timeout)``; the work is done by the object that made
them (``client.groups.Groups``, ``client.directs.Directs``), passed in as a small interface
(``GroupOps``, ``DirectOps``) so a handle never reaches into a client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from client.errors import BAD_REQUEST, TOO_LARGE, ClientError, RoomClosedError
from client.messages import Mailbox, Message
from e2ee.limits import MAX_TEXT_BYTES

if TYPE_CHECKING:
    from client.wire import GroupInfo

log = logging.getLogger("client.chats")

DEFAULT_TIMEOUT_S = 10.0
MAX_PENDING_CONTROLS = 16
"""Unread application controls kept per 1:1 chat (the oldest goes first)."""


class NoMoreMessages(RoomClosedError, TimeoutError):
    """``next_message`` on a closed room after its last message: nothing will ever come."""


class GroupOps(Protocol):
    """What a ``Group`` handle asks of the object that made it."""

    async def send(self, group: Group, text: str) -> None:
        """Encrypt and relay ``text`` to ``group``'s room."""
        ...

    async def read_only_tonight(self, group: Group) -> dict[str, Any]:
        """Read-only for me in the group's room until the night ends."""
        ...

    async def leave(self, group: Group) -> None:
        """Leave ``group``'s room."""
        ...

    async def report(self, group: Group, message: Message, reason: str, note: str
                     ) -> dict[str, Any]:
        """Report ``message`` to the moderators, provably (client/reports.py)."""
        ...

    def members(self, room: str) -> list[str]:
        """Pseudonyms of the room's current members."""
        ...

    def roles(self, room: str) -> dict[str, str]:
        """Pseudonym -> role of the room's members, as the server's signature covers them."""
        ...


class DirectOps(Protocol):
    """What a ``DirectChat`` handle asks of the object that made it."""

    async def send_text(self, chat: DirectChat, text: str) -> None:
        """Encrypt ``text`` for ``chat`` and send it."""
        ...

    async def send_control(self, chat: DirectChat, action: str, data: bytes) -> None:
        """Encrypt a control content (docs/crypto.md section 3) for ``chat`` and send it."""
        ...


Listener = Callable[[Message, "Group | DirectChat"], None]
Notify = Callable[[Message, "Group | DirectChat"], None]
"""Called for every message delivered to a chat (after its mailbox has it)."""


class Listeners:
    """The user's ``add_listener`` callbacks; one failing does not stop the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def __repr__(self) -> str:
        return f"Listeners({len(self._listeners)})"

    def add(self, listener: Listener) -> None:
        """Call ``listener(message, chat)`` for every message delivered from now on."""
        self._listeners.append(listener)

    def notify(self, message: Message, chat: Group | DirectChat) -> None:
        """Call every listener with ``message``."""
        for listener in self._listeners:
            try:
                listener(message, chat)
            except Exception as err:
                log.warning("listener failed: %s", type(err).__name__)


def check_text(text: str) -> None:
    """Refuse, before any key moves, text the protocol cannot carry."""
    if not isinstance(text, str) or not text:
        raise ClientError(BAD_REQUEST, "text must be a non-empty string")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ClientError(TOO_LARGE, f"text is longer than {MAX_TEXT_BYTES} UTF-8 bytes")


class Group:
    """My membership of one group's room for tonight."""

    def __init__(self, ops: GroupOps, group_id: str, room: str) -> None:
        self._ops = ops
        self.group_id = group_id
        self.room = room
        self.closes_at: str | None = None
        """Set when the server announces ``group.closing`` (ISO 8601)."""
        self.close_reason: str | None = None
        self.info: GroupInfo | None = None
        """The group as the server described it at join (name, topic, times, seats)."""
        self.gaps = 0
        """How many times the relay said some of this room's messages may not have reached me
        (``room.resync``: lost beyond its replay window); the client joined again each time."""
        self._gap_listeners: list[Callable[[Group], None]] = []
        self._mailbox = Mailbox(room)
        self._closing = asyncio.Event()
        self._closed = asyncio.Event()

    def __repr__(self) -> str:
        return f"Group(room={self.room!r}, closed={self.is_closed}, pending={len(self._mailbox)})"

    @property
    def is_closed(self) -> bool:
        """Whether the room has closed (night over, or I left)."""
        return self._closed.is_set()

    @property
    def members(self) -> list[str]:
        """Pseudonyms of the room's current members (from the last signed membership)."""
        return self._ops.members(self.room)

    @property
    def roles(self) -> dict[str, str]:
        """Pseudonym -> role (``peer``, ``moderator`` ...) of the current members, from the
        last verified membership: the server's signature covers the roles (protocol v2), so a
        ``moderator`` here is the server's word, never a claim of the member."""
        return self._ops.roles(self.room)

    async def send(self, text: str) -> None:
        """Encrypt ``text`` with my sender key and relay it to the room.

        Raises ``RoomClosedError`` once the room has closed.
        """
        if self.is_closed:
            raise RoomClosedError(self.room)
        check_text(text)
        await self._ops.send(self, text)

    async def read_only_tonight(self) -> dict[str, Any]:
        """"I'll just read tonight": I can no longer write here until the night ends (binding
        for me; a moderator of the room can lift it). Returns the sanction as recorded."""
        return await self._ops.read_only_tonight(self)

    async def report(self, message: Message, reason: str, note: str = "") -> dict[str, Any]:
        """Report a message I received here to the moderators, with a reason (``harassment``,
        ``personal_data``, ``selling``, ``crisis``, ``other``) and an optional note. The
        message's franking opening is sealed to each moderator who can read reports of this
        room (never to the server); they see whether it verifies. Returns the server's answer
        (``report_id``, ``stamped``, ``duplicate``, ``recipients``); ``no_moderators`` when
        nobody can read it now."""
        return await self._ops.report(self, message, reason, note)

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
        await self._ops.leave(self)

    def add_gap_listener(self, listener: Callable[[Group], None]) -> None:
        """Call ``listener(group)`` whenever some messages may not have reached me (say so to
        the person: "Some messages may not have reached you"); ``gaps`` counts them."""
        self._gap_listeners.append(listener)

    # -- called by client.groups -------------------------------------------------------------

    def _mark_gap(self) -> None:
        self.gaps += 1
        for listener in self._gap_listeners:
            try:
                listener(self)
            except Exception as err:
                log.warning("gap listener failed: %s", type(err).__name__)

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

    def __init__(self, ops: DirectOps, pseudonym: str, identity_key: bytes) -> None:
        self._ops = ops
        self.pseudonym = pseudonym
        self.identity_key = identity_key
        self._mailbox = Mailbox(f"direct:{pseudonym}")
        self._controls: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(MAX_PENDING_CONTROLS)

    def __repr__(self) -> str:
        return f"DirectChat(pseudonym={self.pseudonym!r}, pending={len(self._mailbox)})"

    async def send(self, text: str) -> None:
        """Encrypt ``text`` over the pairwise session and queue it in the recipient's inbox."""
        check_text(text)
        await self._ops.send_text(self, text)

    async def next_message(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Message:
        """The next message from this pseudonym (``MessageTimeout`` after ``timeout`` s)."""
        return await self._mailbox.get(timeout)

    async def send_control(self, action: str, data: bytes) -> None:
        """Send an application control (``emergency_share``, say) inside the E2E session."""
        await self._ops.send_control(self, action, data)

    async def next_control(self, timeout: float | None = DEFAULT_TIMEOUT_S
                           ) -> tuple[str, bytes]:
        """The next control content from this pseudonym: ``(action, data)``."""
        return await asyncio.wait_for(self._controls.get(), timeout)

    def _deliver(self, message: Message) -> None:
        self._mailbox.put(message)

    def _deliver_control(self, action: str, data: bytes) -> None:
        if self._controls.full():
            self._controls.get_nowait()  # bounded: the oldest unread control goes
        self._controls.put_nowait((action, data))
