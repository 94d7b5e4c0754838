"""The moderation side of the Python client (issue 10): the writer's own flag, a peer's
"read-only tonight", and a minimal moderator toolkit over the same connection.

    await group.read_only_tonight()              # a peer: "I'll just read tonight"
    mod = ModeratorTools(peer)                   # a staff socket (client/staff.py composes it)
    await mod.go_on_duty()
    mod.watch()                                  # flag what my client decrypts (detector)
    alert = await mod.next_alert(timeout=10)     # .room .pseudonym .severity .categories .source
    await mod.ack(alert.alert_id)
    await mod.mute(room, pseudonym, minutes, reason)     # .remove .ban .read_only_tonight
    await mod.slow_mode(room, seconds); await mod.lock(room); await mod.delete_message(room, id)

Privacy: the detector runs here, on plaintext this client holds; what leaves is a flag of
metadata (room, message id, level, categories, rule ids), never text (ARCHITECTURE §1). A group
message's id on the wire is its room sequence number. 1:1 chats send no flag (docs/decisions.md).
`reason` is a reason code of config/moderation.toml when it is one, else the moderator's words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from client.errors import ClientError
from config.moderation_settings import load_moderation_settings
from moderation import default_detector, detect

if TYPE_CHECKING:
    from client.chats import DirectChat, Group
    from client.messages import Message
    from client.peer import PeerClient

Request = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
"""`Session.request` (or a `Link`'s): emit an event, return the answer."""

log = logging.getLogger(__name__)

MOD_PUSHES = ("mod.alert", "mod.alert_update", "mod.notice", "room.notice", "room.tombstone",
              "mod.report", "staff.session_ended")
"""Server pushes of the moderation pipeline (docs/protocol.md)."""
FLAG_MIN_SEVERITY = 2
MAX_QUEUED = 256


@dataclass(frozen=True)
class ModAlert:
    """An alert pushed to a moderator: ids, level and categories, never text."""

    alert_id: str
    room: str
    message_id: str
    pseudonym: str
    severity: int
    categories: tuple[str, ...]
    source: str
    sources: tuple[str, ...]
    widened: int = 0
    history: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ModAlert:
        """Build from a `mod.alert` push (ClientError `bad_push` if malformed)."""
        try:
            return cls(alert_id=str(data["alert_id"]), room=str(data["room"]),
                       message_id=str(data["message_id"]), pseudonym=str(data["pseudonym"]),
                       severity=int(data["severity"]),
                       categories=tuple(str(c) for c in data["categories"]),
                       source=str(data.get("source") or ""),
                       sources=tuple(str(s) for s in data["sources"]),
                       widened=int(data.get("widened", 0)),
                       history=dict(data.get("history") or {}))
        except (KeyError, TypeError, ValueError):
            raise ClientError("bad_push", "malformed mod.alert") from None


class ModerationFeed:
    """The moderation pushes this connection received, queued by kind (bounded)."""

    def __init__(self) -> None:
        self.queues: dict[str, asyncio.Queue[dict[str, Any]]] = {
            name: asyncio.Queue(MAX_QUEUED) for name in MOD_PUSHES}

    def __repr__(self) -> str:
        return f"ModerationFeed(alerts={self.queues['mod.alert'].qsize()})"

    def handler(self, name: str) -> Callable[[Any], Awaitable[None]]:
        """The session's push handler for `name` (`Session.on(name, feed.handler(name))`)."""
        async def handle(data: Any) -> None:
            self.put(name, data)
        return handle

    def put(self, name: str, data: Any) -> None:
        """Queue one push (the oldest is dropped when full)."""
        queue = self.queues.get(name)
        if queue is None or not isinstance(data, dict):
            return
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(data)

    async def next(self, name: str, timeout: float | None = 10.0) -> dict[str, Any]:
        """The next push of kind `name` (TimeoutError after `timeout`)."""
        return await asyncio.wait_for(self.queues[name].get(), timeout)


_warming: set[asyncio.Task[Any]] = set()


def start_warming() -> None:
    """Compile the detector in a thread (about a second, once per process) when a group is
    joined, so the first message's flag is not held up by it."""
    if default_detector.cache_info().currsize or _warming:
        return
    task = asyncio.get_running_loop().create_task(asyncio.to_thread(default_detector))
    _warming.add(task)
    task.add_done_callback(_warming.discard)


async def detector_ready() -> None:
    """Wait until the detector is compiled (tests measure flag latency after this)."""
    await asyncio.to_thread(default_detector)


def flag_payload(text: str, room: str, message_id: str, *, source: str,
                 pseudonym: str | None = None, lang: str | None = None) -> dict[str, Any] | None:
    """The flag for a message at level 2 or above, else None (helped privately only)."""
    found = detect(text, lang)
    if found.severity < FLAG_MIN_SEVERITY or not found.categories:
        return None
    payload: dict[str, Any] = {
        "room": room, "message_id": message_id, "source": source, "severity": found.severity,
        "categories": sorted(found.categories),
        "rule_ids": sorted({m.rule for m in found.matches})[:32]}
    if pseudonym is not None:
        payload["pseudonym"] = pseudonym
    return payload


async def flag_own_message(request: Request, room: str, text: str, reply: dict[str, Any]
                           ) -> dict[str, Any] | None:
    """After my group send: flag it myself if the detector rates it 2 or more."""
    payload = flag_payload(text, room, str(reply.get("seq", "")), source="self")
    if payload is None or not payload["message_id"]:
        return None
    return await request("flag", payload)


async def read_only_tonight(request: Request, room: str) -> dict[str, Any]:
    """Choose to only read in `room` for the rest of the night (binding for me tonight)."""
    reply = await request("room.read_only_self", {"room": room})
    return dict(reply.get("sanction") or {})


@lru_cache(maxsize=1)
def reason_codes() -> frozenset[str]:
    """The packaged reason codes (config/moderation.toml); anything else is sent as free text."""
    return load_moderation_settings().reason_codes


def _reason(reason: str) -> dict[str, str]:
    return {"reason_code": reason} if reason in reason_codes() else {"reason_text": reason}


class ModeratorTools:
    """Staff events over a moderator's connection (a staff socket, client/staff.py)."""

    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return "ModeratorTools()"

    @property
    def feed(self) -> ModerationFeed:
        """The pushes received (alerts, notices)."""
        feed: ModerationFeed = self._peer.moderation
        return feed

    async def _call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._peer._session.request(event, payload)

    async def go_on_duty(self) -> None:
        """Join the on-duty pool (alerts from every room)."""
        await self._call("mod.duty", {"on": True})

    async def go_off_duty(self) -> None:
        """Leave the on-duty pool."""
        await self._call("mod.duty", {"on": False})

    async def next_alert(self, timeout: float | None = 10.0) -> ModAlert:
        """The next alert pushed to me."""
        return ModAlert.from_wire(await self.feed.next("mod.alert", timeout))

    async def ack(self, alert_id: str) -> dict[str, Any]:
        """Take an alert (the other recipients are told)."""
        return await self._call("alert.ack", {"alert_id": alert_id})

    async def flag(self, message: Message) -> dict[str, Any] | None:
        """Run the detector on a message I decrypted; flag it (source moderator) at level 2+."""
        if message.room is None or message.seq is None:
            return None  # 1:1: never flagged
        payload = flag_payload(message.text, message.room, str(message.seq),
                               source="moderator", pseudonym=message.sender)
        return None if payload is None else await self._call("flag", payload)

    def watch(self) -> None:
        """Flag every group message this client decrypts from now on."""
        def on_message(message: Message, chat: Group | DirectChat) -> None:
            task = asyncio.get_running_loop().create_task(self._flag_quietly(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._peer.add_listener(on_message)

    async def _flag_quietly(self, message: Message) -> None:
        try:
            await self.flag(message)
        except ClientError as err:
            log.info("flag refused: %s", err.code)

    async def sanction(self, kind: str, room: str, **fields: Any) -> dict[str, Any]:
        """Any `mod.sanction`; returns the sanction as the server recorded it."""
        reply = await self._call("mod.sanction", {"kind": kind, "room": room, **fields})
        return dict(reply["sanction"])

    async def mute(self, room: str, pseudonym: str, minutes: int, reason: str
                   ) -> dict[str, Any]:
        """Mute a person in a room."""
        return await self.sanction("mute", room, pseudonym=pseudonym, minutes=minutes,
                                   **_reason(reason))

    async def remove(self, room: str, pseudonym: str, reason: str) -> dict[str, Any]:
        """Remove a person from tonight's group."""
        return await self.sanction("remove", room, pseudonym=pseudonym, **_reason(reason))

    async def ban(self, room: str, pseudonym: str, days: int, reason: str, appeal_note: str
                  ) -> dict[str, Any]:
        """Ban a pseudonym for `days` (moderators: at most 30)."""
        return await self.sanction("ban", room, pseudonym=pseudonym, days=days,
                                   appeal_note=appeal_note, **_reason(reason))

    async def read_only_tonight(self, room: str, pseudonym: str, reason: str
                                ) -> dict[str, Any]:
        """A person may read but not write for the rest of the night."""
        return await self.sanction("read_only", room, pseudonym=pseudonym, **_reason(reason))

    async def slow_mode(self, room: str, seconds: int, reason: str
                        ) -> dict[str, Any]:
        """At most one message per `seconds` per person."""
        return await self.sanction("slow_mode", room, seconds=seconds, **_reason(reason))

    async def lock(self, room: str, reason: str) -> dict[str, Any]:
        """Nobody but staff joins or writes."""
        return await self.sanction("lock", room, **_reason(reason))

    async def delete_message(self, room: str, message_id: str, reason: str
                             ) -> dict[str, Any]:
        """Remove a message for everyone (a tombstone in every client)."""
        return await self.sanction("delete_message", room, message_id=message_id,
                                   **_reason(reason))

    async def lift(self, sanction_id: str) -> dict[str, Any]:
        """End a sanction early."""
        reply = await self._call("mod.lift", {"sanction_id": sanction_id})
        return dict(reply["sanction"])
