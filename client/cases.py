"""Counsellor escalation in the Python client (issue 11; docs/protocol.md, "Escalation").

Three small parts, each over a connected session (``CaseLink``), so a ``PeerClient`` and a
``StaffClient`` compose the ones they need in a few lines:

==================  ==================================================================
``PeerCases``       the person: ``request_counsellor``, ``resume``, moderator invites
``CounsellorCases`` a counsellor: ``set_available``, ``next_case``, claim / transfer / close
``ModeratorCases``  a moderator: ``escalate`` a member of their room, hand-off outcomes
==================  ==================================================================

The 1:1 session is an ordinary end-to-end encrypted ``DirectChat`` (``open_direct``); its key
is checked against the identity key the server announced for the case. Messages the person
chooses to share are re-encrypted by their own client and sent first over that chat, so the
server sees their count, never their text; the counsellor reads them with ``shared()``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from client.chats import DirectChat
from client.errors import BAD_PUSH, TIMEOUT, UNTRUSTED_KEY, ClientError, ProtocolViolation
from client.messages import Message


def unb64(text: str) -> bytes:
    """Standard base64 (the server's encoding of keys)."""
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise ProtocolViolation(BAD_PUSH, "not base64") from None


MAX_PENDING = 1000
"""Pushes of one kind kept until read; beyond it the oldest are dropped."""
MAX_CASES_KEPT = 8
"""My case codes (this session) that a resync reads again; one is open at a time."""
DEFAULT_TIMEOUT_S = 10.0
EMERGENCY_SHARE = "emergency_share"
"""The 1:1 control action that carries a location or contact detail (docs/protocol.md)."""
EMERGENCY_KINDS = ("location", "contact")
MAX_EMERGENCY_VALUE_CHARS = 500


def encode_emergency(kind: str, value: str) -> bytes:
    """``{"kind", "value"}`` as compact JSON (inside the control's data, at most 1024 bytes)."""
    if kind not in EMERGENCY_KINDS:
        raise ClientError("bad_request", "kind is location or contact")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_EMERGENCY_VALUE_CHARS:
        raise ClientError("bad_request", "value must be 1..500 characters")
    data = json.dumps({"kind": kind, "value": value.strip()}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    if len(data) > 1024:
        raise ClientError("too_large", "the detail is too long")
    return data


def decode_emergency(data: bytes) -> tuple[str, str]:
    """``(kind, value)`` of an ``emergency_share`` control (``bad_push`` if malformed)."""
    try:
        d = json.loads(data.decode("utf-8"))
        kind, value = d["kind"], d["value"]
    except (ValueError, KeyError, TypeError):
        raise ProtocolViolation(BAD_PUSH, "malformed emergency share") from None
    if kind not in EMERGENCY_KINDS or not isinstance(value, str) or \
            len(value) > MAX_EMERGENCY_VALUE_CHARS:
        raise ProtocolViolation(BAD_PUSH, "malformed emergency share")
    return kind, value


@dataclass(frozen=True)
class CaseLink:
    """What the case parts need of a connected client."""

    request: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
    on: Callable[[str, Callable[[Any], Awaitable[None]]], None]
    open_direct: Callable[[str], Awaitable[DirectChat]]

    def __repr__(self) -> str:
        return "CaseLink()"


class Feed:
    """Bounded queues of pushes, one per event name."""

    def __init__(self, link: CaseLink, events: Sequence[str]) -> None:
        self._arrived = asyncio.Event()
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        for event in events:
            self._queues[event] = asyncio.Queue(MAX_PENDING)
            link.on(event, self._collector(event))

    def _collector(self, event: str) -> Callable[[Any], Awaitable[None]]:
        async def collect(data: Any) -> None:
            if not isinstance(data, dict):
                return
            self.put(event, data)
        return collect

    def put(self, event: str, data: dict[str, Any]) -> None:
        """Queue a push read again from the server (after a resync) as if it had arrived."""
        queue = self._queues[event]
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(data)
        self._arrived.set()

    def drop(self, events: Sequence[str]) -> None:
        """Forget the queued pushes of `events` (a fresh read supersedes them)."""
        for event in events:
            queue = self._queues[event]
            while not queue.empty():
                queue.get_nowait()

    def waiting(self, event: str) -> int:
        """How many pushes of `event` are queued, unread."""
        return self._queues[event].qsize()

    async def next(self, events: Sequence[str], timeout: float | None) -> tuple[str, dict[str, Any]]:
        """The next push of any of `events` (earliest queued first within the order given)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            self._arrived.clear()
            for event in events:
                if not self._queues[event].empty():
                    return event, self._queues[event].get_nowait()
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                raise ClientError(TIMEOUT, f"no {'/'.join(events)} within {timeout:g}s")
            # Bounded: another waiter on this feed may clear the flag meant for us.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), 0.5 if left is None else min(left, 0.5))


async def checked_chat(link: CaseLink, pseudonym: str, identity_key: bytes) -> DirectChat:
    chat = await link.open_direct(pseudonym)
    if chat.identity_key != identity_key:
        raise ProtocolViolation(UNTRUSTED_KEY, f"{pseudonym}'s key is not the case's")
    return chat


# -- the person --------------------------------------------------------------------------


class CounsellorSession:
    """My end-to-end encrypted 1:1 with the counsellor who took my case."""

    def __init__(self, chat: DirectChat, name: str) -> None:
        self.chat = chat
        self.counsellor = name

    def __repr__(self) -> str:
        return f"CounsellorSession(counsellor={self.counsellor!r})"

    async def send(self, text: str) -> None:
        """Encrypt ``text`` to the counsellor and send it."""
        await self.chat.send(text)

    async def share_emergency(self, kind: str, value: str) -> None:
        """Share a location or contact detail for an emergency with this counsellor only:
        inside the end-to-end encrypted 1:1 (control ``emergency_share``), never through the
        server in clear. ``kind``: ``location`` or ``contact``."""
        await self.chat.send_control(EMERGENCY_SHARE, encode_emergency(kind, value))

    async def next_message(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Message:
        """The counsellor's next message."""
        return await self.chat.next_message(timeout)


class Escalation:
    """My request for a counsellor: the honest position, the wait, the session when it comes."""

    def __init__(self, cases: PeerCases, status: dict[str, Any], share: Sequence[str]) -> None:
        self._cases = cases
        self._share = tuple(share)
        self.status = status
        self.session: CounsellorSession | None = None

    def __repr__(self) -> str:
        return f"Escalation(state={self.state!r}, position={self.position})"

    @property
    def case_code(self) -> str:
        """Keep this on the device: ``resume`` brings me back to the case."""
        return str(self.status["case_code"])

    @property
    def state(self) -> str:
        """queued, offered, active, closed, ..."""
        return str(self.status["state"])

    @property
    def position(self) -> int | None:
        """My 1-based place in the queue (``None`` when not waiting)."""
        value = self.status.get("position")
        return value if isinstance(value, int) else None

    @property
    def estimated_wait(self) -> timedelta | None:
        """The estimated wait, or ``None`` when there is no honest estimate."""
        value = self.status.get("estimated_wait_s")
        return timedelta(seconds=value) if isinstance(value, int) else None

    @property
    def fallback(self) -> str | None:
        """closed, no_counsellor, wait_too_long, or ``None`` (show ``alternatives`` now)."""
        value = self.status.get("fallback")
        return value if isinstance(value, str) else None

    @property
    def alternatives(self) -> list[str]:
        """Crisis resource ids (config/crisis_resources.json) to show at once."""
        return [str(a) for a in self.status.get("alternatives") or ()]

    async def next_update(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
        """Wait for the next change of my case (position, wait, state); returns the status."""
        while True:
            event, push = await self._cases.feed.next(("case.update", "case.counsellor",
                                                       "case.closed"), timeout)
            if push.get("case_code") != self.case_code:
                continue
            self._cases.absorb(self, event, push)
            return self.status

    async def wait_for_counsellor(self, timeout: float | None = DEFAULT_TIMEOUT_S
                                  ) -> CounsellorSession:
        """Wait until a counsellor takes the case; the messages I chose to share go first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self.status.get("counsellor") is None:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            await self.next_update(left)
        info = self.status["counsellor"]
        if self.session is None or self.session.counsellor != info["name"]:
            chat = await checked_chat(self._cases.link, info["pseudonym"],
                                       unb64(info["identity_key"]))
            first = self.session is None
            self.session = CounsellorSession(chat, info["name"])
            if first:
                for text in self._share:
                    await chat.send(text)
        return self.session

    async def leave(self) -> None:
        """Leave the queue or the session (outcome ``person_left``)."""
        self.status = await self._cases.link.request("case.leave", {"case_code": self.case_code})

    async def rate(self, rating: int) -> None:
        """A one-tap rating (1-5) of the finished session."""
        await self._cases.link.request("case.rate", {"case_code": self.case_code,
                                                     "rating": rating})


@dataclass(frozen=True)
class Invite:
    """A moderator's proposal to hand me to a counsellor (I decide)."""

    case_code: str
    room: str
    reason: str
    level: int
    expires_at: float


class PeerCases:
    """The person's side (composed into ``PeerClient``)."""

    EVENTS = ("case.update", "case.counsellor", "case.closed", "case.invite")

    def __init__(self, link: CaseLink) -> None:
        self.link = link
        self.feed = Feed(link, self.EVENTS)
        self._codes: list[str] = []  # my cases this session, read again by `resync`

    def __repr__(self) -> str:
        return "PeerCases()"

    def _opened(self, status: dict[str, Any], share: Sequence[str]) -> Escalation:
        esc = Escalation(self, status, share)
        if esc.case_code not in self._codes:
            self._codes = [*self._codes, esc.case_code][-MAX_CASES_KEPT:]
        return esc

    async def resync(self) -> None:
        """``inbox.resync``: pushes to me may have been lost while the relay's process was not
        subscribed on Redis, my case's among them (position, counsellor, closed). Read each of
        my cases again (``case.resume``) and queue its status as a ``case.update``, so
        ``Escalation.next_update`` sees it; a case the relay no longer knows is forgotten."""
        for code in list(self._codes):
            try:
                status = await self.link.request("case.resume", {"case_code": code})
            except ClientError as err:
                if err.code == "unknown_case":
                    self._codes = [c for c in self._codes if c != code]
                continue
            if isinstance(status, dict) and status.get("case_code") == code:
                self.feed.put("case.update", status)

    def absorb(self, esc: Escalation, event: str, push: dict[str, Any]) -> None:
        """Fold a push about ``esc``'s case into its status."""
        if event == "case.update":
            esc.status = push
        elif event == "case.counsellor":
            esc.status = {**esc.status, "state": "active", "position": None,
                          "counsellor": push.get("counsellor")}
        elif event == "case.closed":
            esc.status = {**esc.status, "state": "closed", "outcome": push.get("outcome")}

    async def request_counsellor(self, reason: str | None = None, share: Sequence[str] = (),
                                 *, level: int | None = None,
                                 source: str = "self") -> Escalation:
        """Ask for a counsellor; ``share`` are messages to give them, end-to-end encrypted."""
        payload: dict[str, Any] = {"share_count": len(share), "source": source}
        if reason is not None:
            payload["reason"] = reason
        if level is not None:
            payload["level"] = level
        return self._opened(await self.link.request("case.request", payload), share)

    async def resume(self, case_code: str, share: Sequence[str] = ()) -> Escalation:
        """Back to my case after a reload or a dropped connection."""
        return self._opened(await self.link.request("case.resume", {"case_code": case_code}),
                            share)

    async def next_invite(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Invite:
        """The next hand-off a moderator proposes to me."""
        _, push = await self.feed.next(("case.invite",), timeout)
        try:
            return Invite(case_code=str(push["case_code"]), room=str(push["room"]),
                          reason=str(push["reason"]), level=int(push["level"]),
                          expires_at=float(push["expires_at"]))
        except (KeyError, TypeError, ValueError):
            raise ProtocolViolation(BAD_PUSH, "case.invite") from None

    async def accept(self, invite: Invite, share: Sequence[str] = ()) -> Escalation:
        """Accept the hand-off, sharing ``share`` with the counsellor who takes it."""
        status = await self.link.request("case.consent", {"case_code": invite.case_code,
                                                          "accept": True,
                                                          "share_count": len(share)})
        return self._opened(status, share)

    async def decline(self, invite: Invite) -> None:
        """Say no: nobody is moved without consent."""
        await self.link.request("case.consent", {"case_code": invite.case_code, "accept": False})
