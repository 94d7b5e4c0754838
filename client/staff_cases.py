"""The counsellor's and the moderator's side of escalation (issue 11), over a connected
session (``client.cases.CaseLink``); ``StaffClient`` composes them.

    cases = CounsellorCases(link)
    await cases.set_available(capacity=2)
    case = await cases.next_case(timeout=10)      # .level .categories .waited_s .shared_items
    session = await case.claim()                  # the E2E 1:1 with the person (send, next_message)
    shared = await session.shared(timeout=5)      # what the person chose to share
    await case.transfer("Colleague")              # warm: they accept with accept_transfer
    await case.close("supported", notes="...")   # sealed to the counsellor team key here
    await cases.notes(case_id)                    # a closed case's notes (colleagues' too)
    state = await cases.next_queue_change(timeout=30)  # .waiting .top_level .version
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from client.cases import (
    DEFAULT_TIMEOUT_S,
    EMERGENCY_SHARE,
    CaseLink,
    Feed,
    checked_chat,
    decode_emergency,
    unb64,
)
from client.chats import DirectChat
from client.errors import BAD_PUSH, ClientError, ProtocolViolation
from client.messages import Message
from client.team_key import TeamKeyRing


class PersonSession:
    """The counsellor's end-to-end encrypted 1:1 with the person of a case."""

    def __init__(self, chat: DirectChat, shared_items: int) -> None:
        self.chat = chat
        self.shared_items = shared_items

    def __repr__(self) -> str:
        return f"PersonSession(shared_items={self.shared_items})"

    @property
    def pseudonym(self) -> str:
        """The person's pseudonym (they stay pseudonymous)."""
        return self.chat.pseudonym

    async def shared(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> list[Message]:
        """The messages the person chose to share: the first ``shared_items`` they send."""
        return [await self.chat.next_message(timeout) for _ in range(self.shared_items)]

    async def next_emergency_share(self, timeout: float | None = DEFAULT_TIMEOUT_S
                                   ) -> tuple[str, str]:
        """A location or contact detail the person shared for an emergency: ``(kind, value)``,
        end-to-end encrypted to me only (other controls are skipped)."""
        while True:
            action, data = await self.chat.next_control(timeout)
            if action == EMERGENCY_SHARE:
                return decode_emergency(data)

    async def send(self, text: str) -> None:
        """Encrypt ``text`` to the person and send it."""
        await self.chat.send(text)

    async def next_message(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> Message:
        """The person's next message."""
        return await self.chat.next_message(timeout)


@dataclass(frozen=True)
class QueueState:
    """`case.queue`: how many wait, the highest level waiting (None: nobody), and the queue's
    version (equal to ``CounsellorCases.queue_version`` when the list I fetched is current)."""

    waiting: int
    top_level: int | None
    version: str


class CaseHandle:
    """One case as a counsellor sees it (metadata, never content)."""

    def __init__(self, cases: CounsellorCases, summary: dict[str, Any]) -> None:
        self._cases = cases
        self.summary = summary
        self.session: PersonSession | None = None

    def __repr__(self) -> str:
        return f"CaseHandle(level={self.level}, state={self.summary.get('state')!r})"

    @property
    def case_id(self) -> str:
        """The case's id."""
        return str(self.summary["case_id"])

    @property
    def level(self) -> int:
        """1-4."""
        return int(self.summary["level"])

    @property
    def categories(self) -> list[str]:
        """Category tokens."""
        return [str(c) for c in self.summary.get("categories") or ()]

    @property
    def waited_s(self) -> int:
        """Seconds the person has waited."""
        return int(self.summary.get("waited_s") or 0)

    @property
    def shared_items(self) -> int:
        """How many messages the person chose to share."""
        return int(self.summary.get("shared_items") or 0)

    async def _open(self, reply: dict[str, Any]) -> PersonSession:
        self.summary = reply["case"]
        person = reply["person"]
        chat = await checked_chat(self._cases.link, person["pseudonym"],
                                   unb64(person["identity_key"]))
        self.session = PersonSession(chat, self.shared_items)
        return self.session

    async def claim(self, *, as_seen: bool = False) -> PersonSession:
        """Take the case (exactly one counsellor's claim wins: ``already_claimed`` otherwise).
        ``as_seen``: only the version I was shown (``version_conflict`` if it changed since,
        e.g. an offer or a raised level)."""
        payload: dict[str, Any] = {"case_id": self.case_id}
        if as_seen:
            payload["version"] = self.summary["version"]
        return await self._open(await self._cases.link.request("case.claim", payload))

    async def accept_transfer(self) -> PersonSession:
        """Take over a colleague's case."""
        return await self._open(await self._cases.link.request(
            "case.transfer_accept", {"case_id": self.case_id}))

    async def decline(self) -> None:
        """Decline an offer (it goes to someone else first)."""
        await self._cases.link.request("case.decline", {"case_id": self.case_id})

    async def transfer(self, to: str) -> None:
        """Ask colleague ``to`` (their name) to take over; the case stays mine until they do."""
        reply = await self._cases.link.request("case.transfer", {"case_id": self.case_id,
                                                                 "to": to})
        self.summary = reply["case"]

    async def close(self, outcome: str, notes: str | bytes | None = None, *,
                    emergency_confirmed: bool = False) -> None:
        """End the case with an outcome and optional notes: text is sealed here to the
        counsellor team key (``client/team_key.py``); bytes must already be such a note. The
        server stores them opaque."""
        payload: dict[str, Any] = {"case_id": self.case_id, "outcome": outcome,
                                   "emergency_confirmed": emergency_confirmed}
        if isinstance(notes, str):
            if self._cases.team is None:
                raise ClientError("no_team_key", "this client has no team key ring")
            notes = await self._cases.team.seal(self.case_id, notes)
        if notes is not None:
            if not isinstance(notes, bytes):
                raise ClientError("bad_request", "notes are text or ciphertext bytes")
            payload["notes"] = base64.b64encode(notes).decode("ascii")
        reply = await self._cases.link.request("case.close", payload)
        self.summary = reply["case"]


class CounsellorCases:
    """A counsellor's queue and cases (composed into ``StaffClient``)."""

    EVENTS = ("case.offer", "case.alert", "case.taken", "case.transfer_offer",
              "case.transferred", "case.ended", "case.queue")

    def __init__(self, link: CaseLink, team: TeamKeyRing | None = None) -> None:
        self.link = link
        self.team = team
        """The counsellor team key ring that seals and opens closing notes."""
        self.feed = Feed(link, self.EVENTS)
        self._queue: list[dict[str, Any]] = []
        self._taken: set[str] = set()
        self.queue_version: str | None = None
        """The ``queue_version`` of the last ``queue()`` (compare with ``QueueState.version``)."""
        self.mine: list[dict[str, Any]] = []
        """The cases I hold or am asked to take over, as the last ``resync`` read them."""
        link.on("cases.resync", self.resync)

    def __repr__(self) -> str:
        return f"CounsellorCases(queued={len(self._queue)})"

    async def set_available(self, capacity: int = 2) -> list[CaseHandle]:
        """Available with ``capacity`` concurrent sessions; returns the queue (risk order)."""
        reply = await self.link.request("counsellor.availability",
                                        {"available": True, "capacity": capacity})
        self._queue = list(reply.get("queue") or ())
        return [CaseHandle(self, s) for s in self._queue]

    async def set_away(self) -> None:
        """Away: no offers; my sessions go on."""
        await self.link.request("counsellor.availability", {"available": False})

    async def queue(self) -> list[CaseHandle]:
        """The waiting cases in risk order."""
        reply = await self.link.request("case.list", {})
        self.queue_version = reply.get("queue_version")
        return [CaseHandle(self, s) for s in reply.get("queue") or ()]

    async def resync(self, data: Any = None) -> None:
        """``cases.resync`` (and ``inbox.resync``): case pushes to me (queue changes, offers,
        claims, re-alerts) may have been lost while the relay's process was not subscribed on
        Redis. Read the queue again (``case.list``): ``next_case`` goes on from it (the offers,
        re-alerts and claims queued before are superseded) and ``next_queue_change`` gives its
        state, unless a live ``case.queue`` arrived meanwhile (as new as the list)."""
        self.feed.drop(("case.offer", "case.alert", "case.taken", "case.queue"))
        try:
            reply = await self.link.request("case.list", {})
        except ClientError:  # not a counsellor (an admin watching), or offline: pushes go on
            return
        queue = [c for c in reply.get("queue") or () if isinstance(c, dict)]
        self._queue = queue
        self.queue_version = reply.get("queue_version")
        self.mine = [c for c in reply.get("mine") or () if isinstance(c, dict)]
        if self.feed.waiting("case.queue") == 0 and isinstance(self.queue_version, str):
            levels = [int(c["level"]) for c in queue if isinstance(c.get("level"), int)]
            self.feed.put("case.queue", {"waiting": len(queue),
                                         "top_level": max(levels, default=None),
                                         "version": self.queue_version})

    async def next_queue_change(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> QueueState:
        """The queue changed (while I am available, also beyond the offers my capacity allows):
        the newest ``case.queue`` that has arrived, not every step before it."""
        _, push = await self.feed.next(("case.queue",), timeout)
        while True:
            try:
                _, push = await self.feed.next(("case.queue",), 0)
            except ClientError:
                break
        try:
            top = push.get("top_level")
            return QueueState(waiting=int(push["waiting"]),
                              top_level=None if top is None else int(top),
                              version=str(push["version"]))
        except (KeyError, TypeError, ValueError):
            raise ProtocolViolation(BAD_PUSH, "case.queue is not {waiting, top_level, version}"
                                    ) from None

    async def next_case(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> CaseHandle:
        """The next case for me: the top of the queue I was given, an offer, or a re-alert."""
        while True:
            while self._queue:
                summary = self._queue.pop(0)
                if summary.get("case_id") not in self._taken:
                    return CaseHandle(self, summary)
            event, push = await self.feed.next(("case.taken", "case.offer", "case.alert"),
                                               timeout)
            if event == "case.taken":
                self._taken.add(str(push.get("case_id")))
            elif isinstance(push.get("case"), dict):
                self._queue.append(push["case"])

    async def notes(self, case_id: str) -> list[str]:
        """The closing notes of a case (mine or a colleague's), opened on this device."""
        if self.team is None:
            raise ClientError("no_team_key", "this client has no team key ring")
        return await self.team.notes(case_id)

    async def next_transfer(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> CaseHandle:
        """The next case a colleague asks me to take over."""
        _, push = await self.feed.next(("case.transfer_offer",), timeout)
        return CaseHandle(self, push["case"])

    async def next_event(self, event: str, timeout: float | None = DEFAULT_TIMEOUT_S
                         ) -> dict[str, Any]:
        """The next push of ``event`` (``case.transferred``, ``case.ended``, ...)."""
        return (await self.feed.next((event,), timeout))[1]


class ModeratorCases:
    """A moderator's hand-offs from their room (composed into ``StaffClient``)."""

    EVENTS = ("case.handoff",)

    def __init__(self, link: CaseLink) -> None:
        self.link = link
        self.feed = Feed(link, self.EVENTS)

    def __repr__(self) -> str:
        return "ModeratorCases()"

    async def escalate(self, room: str, pseudonym: str, reason: str, *, level: int = 3) -> str:
        """Propose a hand-off of ``pseudonym`` (a member of ``room``) to a counsellor; the
        person is asked to accept. Returns the case id."""
        reply = await self.link.request("case.escalate", {"room": room, "pseudonym": pseudonym,
                                                          "reason": reason, "level": level})
        return str(reply["case_id"])

    async def next_handoff(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
        """What became of a hand-off: ``{case_id, state}`` (requested, declined, expired)."""
        return (await self.feed.next(("case.handoff",), timeout))[1]
