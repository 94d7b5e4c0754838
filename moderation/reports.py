"""Peer reports on the server side: the rules, with no I/O (docs/protocol.md, "Reports").

The server never opens a report (the boxes are sealed to moderators, e2ee/reports.py); it
decides who may receive one, how often a peer may report, and which reports are the same one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from moderation.flags import Flag, FlagSource
from moderation.limits import RuleError

REPORT_REASONS: Final = ("harassment", "personal_data", "selling", "crisis", "other")
"""What a reporter may pick (the browser's and the Python client's list)."""
REPORTS_PER_WINDOW: Final = 5
"""Reports one identity key may send per window, across processes."""
REPORT_WINDOW_SECONDS: Final = 600
REPORT_LEVELS: Final = {"crisis": 3, "personal_data": 3, "harassment": 2, "selling": 2,
                         "other": 2}
"""The alert level a stamped report raises (source "report", docs/moderation.md "A report
raises an alert"): someone reported in crisis, and someone's identifying details in a room of
anonymous people (harm that grows with every reader and cannot be called back), at level 3;
harassment, selling and anything else at level 2. Never level 4, which goes to everyone on duty
at once past the load cap: that stays the detector's (which every moderator's client also runs
on the message, the higher level winning the merge), so a few reports cannot page the whole
shift."""
MAX_RECIPIENTS: Final = 32
"""Most moderators one report is sealed to (e2ee.limits.MAX_REPORT_RECIPIENTS)."""


def report_flag(*, room: str, message_id: str, pseudonym: str, reason: str, at: float) -> Flag:
    """The flag a stamped report adds to the message's alert pipeline: the reason's level, the
    reason as its one category and rule id, source "report"; no text (there is no field for it).
    An unknown reason is `unknown_reason`."""
    if reason not in REPORT_LEVELS:
        raise RuleError("unknown_reason", "reason must be one of REPORT_REASONS")
    return Flag(room=room, message_id=message_id, pseudonym=pseudonym,
                severity=REPORT_LEVELS[reason], categories=(reason,),
                rule_ids=(f"report.{reason}",), source=FlagSource.REPORT, at=at)


def report_id(room: str, message_id: int, commitment: bytes) -> str:
    """One id for every report of (room, message, commitment), so a console can put together
    what several people reported; de-duplication is per reporter (server/handlers/reports.py),
    so a forged report of that message cannot take the true one's place."""
    digest = hashlib.sha256(b"iltapiiri/report-id/v1\x00" + room.encode() + b"\x00"
                            + str(message_id).encode() + b"\x00" + commitment)
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class Recipient:
    """A moderator a report may be sealed to: staff id, pseudonym, identity key."""

    staff_id: str
    pseudonym: str
    identity_key: bytes

    def __repr__(self) -> str:
        return f"Recipient(staff_id={self.staff_id!r})"


def recipients(room_moderators: Iterable[Recipient], on_duty: Iterable[Recipient]
               ) -> list[Recipient]:
    """The moderators present in the room first, then the on-duty pool, each once (by key),
    at most MAX_RECIPIENTS."""
    out: dict[bytes, Recipient] = {}
    for r in [*room_moderators, *on_duty]:
        out.setdefault(r.identity_key, r)
    return list(out.values())[:MAX_RECIPIENTS]


class ReportRefused(Exception):
    """A report the rules refuse; `code` is the wire code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_boxes(addressed: list[bytes], allowed: Iterable[Recipient]) -> None:
    """Every box goes to a current recipient, one box each (`not_a_recipient`, `bad_request`)."""
    keys = {r.identity_key for r in allowed}
    if len(set(addressed)) != len(addressed):
        raise ReportRefused("bad_request")
    if any(k not in keys for k in addressed):
        raise ReportRefused("not_a_recipient")
