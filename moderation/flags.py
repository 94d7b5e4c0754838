"""Flags about group messages, their de-duplication, and a pseudonym's risk history for the night.

A flag is metadata only (ARCHITECTURE §1): room, message id, pseudonym, severity, categories, rule
ids and who raised it. It never carries text; there is no field that could hold it.

Sources: ``self`` (the writer's own client, before encrypting), ``moderator`` (a moderator's
client, on a message it decrypted), ``report`` (a peer's verified report). 1:1 chats (room
``direct``) produce no ``self`` or ``moderator`` flag (``direct_not_flagged``): nobody moderates
them, so both clients help privately and offer a counsellor, and the person asks for help
themselves if they want it; only a report the recipient chose to send may name a 1:1 message
(docs/decisions.md).

Several clients flag the same message (the writer and every moderator present), so flags are
merged per (room, message id): the highest severity wins, categories, rule ids and sources are
united. :func:`merge_flag` says whether the merge *raised* the message (first flag, or a higher
severity) — only then is an alert opened or re-routed.

The risk history remembers, per pseudonym, the flags of one night (the caller names the night, e.g.
the local date of the room id ``<group>/<YYYY-MM-DD>``); a flag from another night drops the old
history, so nothing of a person's night outlives it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from moderation.limits import (
    FLAG_MIN_SEVERITY,
    MAX_CATEGORIES,
    MAX_HISTORY_PER_PSEUDONYM,
    MAX_PSEUDONYM_CHARS,
    MAX_ROOM_ID_CHARS,
    MAX_RULE_IDS,
    SEVERITY_MAX,
    RuleError,
    check_id,
    check_severity,
    check_text_id,
    check_time,
    check_tokens,
)

_NIGHT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_GROUP_ROOM_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}/[0-9]{4}-[0-9]{2}-[0-9]{2}")
DIRECT_CONTEXT = "direct"
"""The franking context of 1:1 messages (``e2ee.franking``): no room, no moderator."""


class FlagSource(StrEnum):
    """Who raised a flag."""

    SELF = "self"
    MODERATOR = "moderator"
    REPORT = "report"


def _source(value: object) -> FlagSource:
    try:
        return FlagSource(str(value))
    except ValueError:
        raise RuleError("bad_source", "source must be self, moderator or report") from None


@dataclass(frozen=True, kw_only=True)
class Flag:
    """One client's flag about one group message (validated when built)."""

    room: str
    message_id: str
    pseudonym: str
    severity: int
    categories: tuple[str, ...]
    rule_ids: tuple[str, ...]
    source: FlagSource
    at: float

    def __post_init__(self) -> None:
        check_text_id(self.room, "room", MAX_ROOM_ID_CHARS)
        object.__setattr__(self, "source", _source(self.source))
        if self.room == DIRECT_CONTEXT:
            # 1:1 chats are helped privately; only a report the person chose to send leaves them.
            if self.source is not FlagSource.REPORT:
                raise RuleError("direct_not_flagged", "1:1 messages are flagged only by a report")
        elif not _GROUP_ROOM_RE.fullmatch(self.room):
            raise RuleError("bad_field", "room must be <group_id>/<YYYY-MM-DD> or direct")
        check_id(self.message_id, "message_id")
        check_text_id(self.pseudonym, "pseudonym", MAX_PSEUDONYM_CHARS)
        object.__setattr__(self, "categories", check_tokens(self.categories, "categories", MAX_CATEGORIES))
        object.__setattr__(self, "rule_ids", check_tokens(self.rule_ids, "rule_ids", MAX_RULE_IDS))
        # A detector flag (self, moderator) starts at level 2 and names what it found; a report
        # is a person's judgement and may be about a troll the detector rates 0.
        detector = self.source is not FlagSource.REPORT
        if check_severity(self.severity) < FLAG_MIN_SEVERITY and detector:
            raise RuleError("below_flag_level", f"detector flags start at level {FLAG_MIN_SEVERITY}")
        if not self.categories and detector:
            raise RuleError("bad_field", "a detector flag names at least one category")
        check_time(self.at, "at")


@dataclass(frozen=True, kw_only=True)
class MessageFlags:
    """Every flag about one message, merged: the highest severity, and all that was said about it."""

    room: str
    message_id: str
    pseudonym: str
    severity: int
    categories: tuple[str, ...]
    rule_ids: tuple[str, ...]
    sources: tuple[FlagSource, ...]
    first_at: float
    count: int

    @property
    def key(self) -> tuple[str, str]:
        """(room, message id): what identifies the message."""
        return (self.room, self.message_id)


def merge_flag(existing: MessageFlags | None, flag: Flag) -> tuple[MessageFlags, bool]:
    """Merge ``flag`` into what is known about its message; return (merged, raised).

    ``raised`` is true for the first flag of a message and when the severity went up: the caller
    opens or re-routes an alert only then. A flag that names the same message id with another room
    or pseudonym is refused (``flag_mismatch``): it is a forged or confused flag.
    """
    if existing is None:
        merged = MessageFlags(
            room=flag.room,
            message_id=flag.message_id,
            pseudonym=flag.pseudonym,
            severity=flag.severity,
            categories=flag.categories,
            rule_ids=flag.rule_ids,
            sources=(flag.source,),
            first_at=flag.at,
            count=1,
        )
        return merged, True
    if (existing.room, existing.message_id, existing.pseudonym) != (
        flag.room,
        flag.message_id,
        flag.pseudonym,
    ):
        raise RuleError("flag_mismatch", "flag names another room or pseudonym for this message")
    merged = replace(
        existing,
        severity=max(existing.severity, flag.severity),
        categories=tuple(sorted(set(existing.categories) | set(flag.categories)))[:MAX_CATEGORIES],
        rule_ids=tuple(sorted(set(existing.rule_ids) | set(flag.rule_ids)))[:MAX_RULE_IDS],
        sources=tuple(sorted(set(existing.sources) | {flag.source})),
        first_at=min(existing.first_at, flag.at),
        count=existing.count + 1,
    )
    return merged, flag.severity > existing.severity


def merge_all(flags: Iterable[Flag]) -> dict[tuple[str, str], MessageFlags]:
    """Merge many flags at once (order does not change the result)."""
    out: dict[tuple[str, str], MessageFlags] = {}
    for flag in flags:
        key = (flag.room, flag.message_id)
        out[key], _ = merge_flag(out.get(key), flag)
    return out


@dataclass(frozen=True, kw_only=True)
class RiskEntry:
    """One flagged message in a person's night: when, how severe, which categories."""

    at: float
    room: str
    message_id: str
    severity: int
    categories: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RiskSummary:
    """What a moderator sees about a person tonight (no content): counts per level, the highest."""

    pseudonym: str
    flagged_messages: int
    highest: int
    per_level: tuple[int, ...]
    categories: tuple[str, ...]
    last_at: float | None


@dataclass(frozen=True, kw_only=True)
class RiskHistory:
    """Per-pseudonym flags of one night. Immutable: :func:`record` returns a new history."""

    night: str
    entries: Mapping[str, tuple[RiskEntry, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.night, str) or not _NIGHT_RE.fullmatch(self.night):
            raise RuleError("bad_field", "night must be an ISO date YYYY-MM-DD")
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))

    def summary(self, pseudonym: str) -> RiskSummary:
        """The person's night so far (zeros if nothing was flagged)."""
        entries = self.entries.get(pseudonym, ())
        per_level = [0] * (SEVERITY_MAX + 1)
        for e in entries:
            per_level[e.severity] += 1
        cats = sorted({c for e in entries for c in e.categories})
        return RiskSummary(
            pseudonym=pseudonym,
            flagged_messages=len(entries),
            highest=max((e.severity for e in entries), default=0),
            per_level=tuple(per_level),
            categories=tuple(cats),
            last_at=max((e.at for e in entries), default=None),
        )


def record(history: RiskHistory | None, merged: MessageFlags, night: str) -> RiskHistory:
    """Add (or update) a flagged message in its pseudonym's history for ``night``.

    A different night than the history's starts an empty one: the old night is dropped whole.
    One message counts once; a later, higher flag about it updates its entry.
    """
    if history is None or history.night != night:
        history = RiskHistory(night=night)
    entry = RiskEntry(
        at=merged.first_at,
        room=merged.room,
        message_id=merged.message_id,
        severity=merged.severity,
        categories=merged.categories,
    )
    old = history.entries.get(merged.pseudonym, ())
    kept = [e for e in old if (e.room, e.message_id) != merged.key]
    kept.append(entry)
    kept.sort(key=lambda e: (e.at, e.room, e.message_id))
    entries = dict(history.entries)
    entries[merged.pseudonym] = tuple(kept[-MAX_HISTORY_PER_PSEUDONYM:])
    return RiskHistory(night=history.night, entries=entries)


def end_night(history: RiskHistory | None, night: str) -> RiskHistory | None:
    """The history to keep once ``night`` has ended: none if it was that night's or older.

    Nights are ISO dates, so their string order is their time order.
    """
    if history is None or history.night <= night:
        return None
    return history


__all__ = [
    "Flag",
    "FlagSource",
    "MessageFlags",
    "RiskEntry",
    "RiskHistory",
    "RiskSummary",
    "end_night",
    "merge_all",
    "merge_flag",
    "record",
]
