"""Named limits and shared validation of the moderation pipeline's pure models (flags, alerts,
sanctions, audit), in one place like ``e2ee/limits.py``.

Every model validates when it is built and raises :class:`RuleError`, whose ``code`` is a stable
string for the wire. The message is for logs and tests; it names fields, never values that could
be text a person typed, so a ``RuleError`` is safe to log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

SEVERITY_MIN: Final = 0
SEVERITY_MAX: Final = 4
FLAG_MIN_SEVERITY: Final = 2
"""Clients send a flag from this level up (issue 10); lower levels are helped privately only."""

MAX_ROOM_ID_CHARS: Final = 128
"""Room ids are ``<group_id>/<YYYY-MM-DD>`` (same bound as ``e2ee.limits.MAX_ROOM_ID_BYTES``)."""
MAX_PSEUDONYM_CHARS: Final = 64
"""Pseudonyms and staff ids (the server allows fewer; this only bounds what a model accepts)."""
MAX_ID_CHARS: Final = 64
"""Message, alert, sanction and case ids."""
MAX_CATEGORIES: Final = 10
"""Categories on one flag (the detector has ten)."""
MAX_RULE_IDS: Final = 32
"""Rule ids on one flag; a merged flag keeps at most this many (sorted, first kept)."""
MAX_HISTORY_PER_PSEUDONYM: Final = 200
"""Flags remembered per pseudonym per night; the oldest are forgotten first."""
MAX_REASON_TEXT_CHARS: Final = 280
"""A free-text sanction reason typed by a moderator (shown to the sanctioned person)."""
MAX_APPEAL_NOTE_CHARS: Final = 500
"""The appeal note of a ban (how to appeal, shown to the banned person)."""

_TOKEN_RE: Final = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class RuleError(ValueError):
    """A model refused its input or an action; ``code`` is stable, the message names fields."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def check_text_id(value: object, field: str, limit: int, code: str = "bad_field") -> str:
    """A non-empty string of at most ``limit`` characters without control characters."""
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise RuleError(code, f"{field} must be 1..{limit} characters")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise RuleError(code, f"{field} has control characters")
    return value


def check_id(value: object, field: str, code: str = "bad_field") -> str:
    """An ASCII id (message, alert, sanction, case, staff): letters, digits, ``_ . : -``."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise RuleError(code, f"{field} must match {_ID_RE.pattern}")
    return value


def check_token(value: object, field: str, code: str = "bad_field") -> str:
    """A lower-case token (category, rule id, reason code)."""
    if not isinstance(value, str) or not _TOKEN_RE.fullmatch(value):
        raise RuleError(code, f"{field} must match {_TOKEN_RE.pattern}")
    return value


def check_tokens(values: Iterable[object], field: str, limit: int) -> tuple[str, ...]:
    """Sorted, de-duplicated tokens, at most ``limit`` of them."""
    if isinstance(values, str):
        raise RuleError("bad_field", f"{field} must be a sequence of tokens")
    out = tuple(sorted({check_token(v, field) for v in values}))
    if len(out) > limit:
        raise RuleError("too_many", f"{field}: at most {limit}")
    return out


def check_severity(value: object, field: str = "severity") -> int:
    """An integer level 0-4 (booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError("bad_severity", f"{field} must be an integer")
    if not SEVERITY_MIN <= value <= SEVERITY_MAX:
        raise RuleError("bad_severity", f"{field} must be {SEVERITY_MIN}..{SEVERITY_MAX}")
    return value


def check_time(value: object, field: str) -> float:
    """A finite, non-negative number of seconds (the caller's clock)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError("bad_time", f"{field} must be a number")
    if not 0 <= float(value) < float("inf"):
        raise RuleError("bad_time", f"{field} must be finite and non-negative")
    return float(value)
