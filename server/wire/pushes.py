"""Typed server pushes, one class per server→client event (the requests' counterpart).

Handlers build these and hand them to the Emitter port; `to_wire()` is the payload. Python
attribute names are the same across pushes (`sender`, `sender_key`); the wire keeps the names
clients already read (a group envelope's `sender`/`sender_key`, a 1:1 envelope's
`from`/`from_key`, docs/protocol.md), so the format is unchanged. No push's `repr` shows a key,
a pseudonym or ciphertext.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import ClassVar

from moderation.alerts import Alert, Delivery
from moderation.flags import RiskSummary
from moderation.notices import Notice
from server.domain.records import Member, QueuedEnvelope


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True, kw_only=True)
class Push:
    """A server push: `EVENT` is its Socket.IO event name."""

    EVENT: ClassVar[str] = ""

    def to_wire(self) -> dict[str, object]:
        """The payload."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Membership(Push):
    """`room.membership`: a signed change of a room's members (also in `group.join`'s reply).
    `identity_key` and `role` are empty for `closed`; `sig` covers
    `e2ee.membership.membership_message` (v2: every member's role and the subject's)."""

    EVENT: ClassVar[str] = "room.membership"
    room: str
    epoch: int
    event: str
    pseudonym: str
    identity_key: bytes
    role: str
    members: tuple[Member, ...]
    at: int
    sig: bytes

    def __repr__(self) -> str:
        return f"Membership(room={self.room!r}, epoch={self.epoch}, event={self.event!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "epoch": self.epoch, "event": self.event,
                "pseudonym": self.pseudonym, "identity_key": _b64(self.identity_key),
                "role": self.role, "members": [m.to_dict() for m in self.members], "at": self.at,
                "sig": _b64(self.sig)}


@dataclass(frozen=True, kw_only=True)
class RoomEnvelope(Push):
    """`room.envelope`: a group envelope relayed to the room's other connections."""

    EVENT: ClassVar[str] = "room.envelope"
    room: str
    seq: int
    ts: int
    sender: str
    sender_key: bytes
    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None = None
    stamp: bytes | None = None

    def __repr__(self) -> str:
        return f"RoomEnvelope(room={self.room!r}, seq={self.seq}, bytes={len(self.body)})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        d: dict[str, object] = {
            "room": self.room, "seq": self.seq, "ts": self.ts, "sender": self.sender,
            "sender_key": _b64(self.sender_key), "kind": self.kind,
            "header": _b64(self.header), "body": _b64(self.body)}
        if self.commitment is not None and self.stamp is not None:
            d["commitment"] = _b64(self.commitment)
            d["stamp"] = _b64(self.stamp)
        return d


@dataclass(frozen=True, kw_only=True)
class DirectEnvelope(Push):
    """`direct.envelope`: a 1:1 envelope, pushed as it is queued (and as `inbox.fetch` lists
    it)."""

    EVENT: ClassVar[str] = "direct.envelope"
    envelope: QueuedEnvelope

    def __repr__(self) -> str:
        return f"DirectEnvelope({self.envelope!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return self.envelope.to_dict()


@dataclass(frozen=True, kw_only=True)
class DirectTypingPush(Push):
    """`direct.typing`: `sender` is typing to you (pushed to the connections online now, never
    stored; it carries no text, no length)."""

    EVENT: ClassVar[str] = "direct.typing"
    sender: str

    def __repr__(self) -> str:
        return "DirectTypingPush()"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"from": self.sender}


@dataclass(frozen=True, kw_only=True)
class GroupOpened(Push):
    """`group.opened`: tonight's room is open for messages."""

    EVENT: ClassVar[str] = "group.opened"
    room: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room}


@dataclass(frozen=True, kw_only=True)
class GroupClosing(Push):
    """`group.closing`: the room closes at `closes_at` (ISO 8601, the group's offset)."""

    EVENT: ClassVar[str] = "group.closing"
    room: str
    closes_at: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "closes_at": self.closes_at}


@dataclass(frozen=True, kw_only=True)
class GroupClosed(Push):
    """`group.closed`: the room has ended and everyone was removed."""

    EVENT: ClassVar[str] = "group.closed"
    room: str
    reason: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class KeysLow(Push):
    """`keys.low`: the owner's one-time prekeys ran low; publish more."""

    EVENT: ClassVar[str] = "keys.low"
    one_time_prekeys: int

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"one_time_prekeys": self.one_time_prekeys}


# The moderation pipeline (issue 10) ------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ModAlert(Push):
    """`mod.alert`: an alert delivered to a moderator: ids, level, categories, sources, where it
    was routed, and (when it opens or rises) the person's night so far as counts."""

    EVENT: ClassVar[str] = "mod.alert"
    alert: Alert
    delivery: Delivery
    source: str  # the flag source that raised it; "" for a re-send
    history: RiskSummary | None = None

    def __repr__(self) -> str:
        return f"ModAlert(alert_id={self.alert.id!r}, level={self.alert.severity})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        a = self.alert
        d: dict[str, object] = {
            "alert_id": a.id, "room": a.room, "message_id": a.message_id,
            "pseudonym": a.pseudonym, "severity": a.severity, "categories": list(a.categories),
            "sources": [str(s) for s in a.sources], "source": self.source, "state": str(a.state),
            "opened_at": a.opened_at, "widened": a.widened,
            "audience": str(self.delivery.audience), "over_cap": list(self.delivery.over_cap)}
        if self.history is not None:
            h = self.history
            d["history"] = {"flagged_messages": h.flagged_messages, "highest": h.highest,
                            "per_level": list(h.per_level), "categories": list(h.categories)}
        return d


@dataclass(frozen=True, kw_only=True)
class AlertUpdate(Push):
    """`mod.alert_update`: another recipient took the alert (`by` is their pseudonym)."""

    EVENT: ClassVar[str] = "mod.alert_update"
    alert_id: str
    state: str
    by: str

    def __repr__(self) -> str:
        return f"AlertUpdate(alert_id={self.alert_id!r}, state={self.state!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"alert_id": self.alert_id, "state": self.state, "by": self.by}


def notice_body(notice: Notice, **extra: object) -> dict[str, object]:
    """A notice as pushed or answered (a refusal's `notice`): key, parameters, the extra fields,
    and a tombstone's message id."""
    out: dict[str, object] = {"key": notice.key, "params": dict(notice.params), **extra}
    if notice.message_id is not None:
        out["message_id"] = notice.message_id
    return out


@dataclass(frozen=True, kw_only=True)
class ModNotice(Push):
    """`mod.notice`: a sanction on me, or its lifting: the notice, the sanction, and the
    moderator's reason in each language (empty for a lifting or a self-chosen read-only)."""

    EVENT: ClassVar[str] = "mod.notice"
    notice: Notice
    room: str | None
    sanction_id: str
    kind: str
    reason: dict[str, str]

    def __repr__(self) -> str:
        return f"ModNotice(key={self.notice.key!r}, kind={self.kind!r})"  # never the reason

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return notice_body(self.notice, room=self.room, sanction_id=self.sanction_id,
                           kind=self.kind, reason=dict(self.reason))


@dataclass(frozen=True, kw_only=True)
class RoomNotice(Push):
    """`room.notice`: what the whole room is told (slow mode, a lock, a moderator left or came
    back); never who was sanctioned."""

    EVENT: ClassVar[str] = "room.notice"
    room: str
    notice: Notice

    def __repr__(self) -> str:
        return f"{type(self).__name__}(room={self.room!r}, key={self.notice.key!r})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return notice_body(self.notice, room=self.room)


@dataclass(frozen=True, kw_only=True)
class RoomTombstone(RoomNotice):
    """`room.tombstone`: a message was removed; clients replace it (`message_id`)."""

    EVENT: ClassVar[str] = "room.tombstone"


@dataclass(frozen=True, kw_only=True)
class ModReportPush(Push):
    """`mod.report`: a peer's report, to one recipient with that recipient's own sealed box.
    The clear fields are the relay's own (stamped or not); the text is only inside the box."""

    EVENT: ClassVar[str] = "mod.report"
    report_id: str
    room: str
    message_id: int
    sender: str
    sender_key: bytes
    commitment: bytes
    ts: int
    stamped: bool
    reason: str
    at: int
    sealed: dict[str, str]

    def __repr__(self) -> str:
        return f"ModReportPush(report_id={self.report_id!r}, stamped={self.stamped})"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"report_id": self.report_id, "room": self.room, "message_id": self.message_id,
                "sender": self.sender, "sender_key": _b64(self.sender_key),
                "commitment": _b64(self.commitment), "ts": self.ts, "stamped": self.stamped,
                "reason": self.reason, "at": self.at, "sealed": dict(self.sealed)}


@dataclass(frozen=True, kw_only=True)
class StaffSessionEnded(Push):
    """`staff.session_ended`: the staff session behind this socket ended (sign-out, disabled,
    expired); the server closes the connection right after."""

    EVENT: ClassVar[str] = "staff.session_ended"
    error: str = "session_expired"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"error": self.error}


@dataclass(frozen=True, kw_only=True)
class DebriefPush(Push):
    """`mod.debrief`: a colleague on duty asks for a debrief."""

    EVENT: ClassVar[str] = "mod.debrief"
    by: str
    at: float

    def __repr__(self) -> str:
        return "DebriefPush()"  # no pseudonym in logs

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"by": self.by, "at": self.at}


@dataclass(frozen=True, kw_only=True)
class RoomResync(Push):
    """`room.resync`: packets for this room were lost beyond the Redis replay window; fetch the
    room again (re-join) before trusting the order of what follows."""

    EVENT: ClassVar[str] = "room.resync"
    room: str

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {"room": self.room}


@dataclass(frozen=True, kw_only=True)
class InboxResync(Push):
    """`inbox.resync`: pushes to this person may have been lost while the relay's process was
    not subscribed to their channel on Redis; the 1:1 envelopes among them wait in the inbox:
    read it (`inbox.fetch`) as after a reconnect."""

    EVENT: ClassVar[str] = "inbox.resync"

    def to_wire(self) -> dict[str, object]:
        """See Push."""
        return {}


PUSHES: tuple[type[Push], ...] = (Membership, RoomEnvelope, DirectEnvelope, DirectTypingPush,
                                  GroupOpened,
                                  GroupClosing, GroupClosed, KeysLow, ModAlert, AlertUpdate,
                                  ModNotice, RoomNotice, RoomTombstone, ModReportPush,
                                  StaffSessionEnded, DebriefPush, RoomResync, InboxResync)
