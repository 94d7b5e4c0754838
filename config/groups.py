"""Group schedules: a typed loader for the groups TOML file (default `config/groups.toml`).

Each `[[group]]` table names a nightly group. `always_open = true` makes a try-out group that is
open around the clock (its room changes every local day).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/Helsinki"
DEFAULT_CAPACITY = 30
DEFAULT_LOBBY_MINUTES = 15
MAX_DURATION_MINUTES = 12 * 60
_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_LANGUAGES = frozenset({"fi", "sv", "en"})


class GroupConfigError(ValueError):
    """The groups file is malformed; the message names the group and the field."""


@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    """One group's definition. Times are local to `timezone`."""

    id: str
    name: str
    topic: str
    language: str
    days: tuple[int, ...]  # 0 = Monday
    start: time
    duration_minutes: int
    timezone: str = DEFAULT_TIMEZONE
    capacity: int = DEFAULT_CAPACITY
    moderator_required: bool = True
    lobby_minutes: int = DEFAULT_LOBBY_MINUTES
    always_open: bool = False

    @property
    def tz(self) -> ZoneInfo:
        """The group's time zone."""
        return ZoneInfo(self.timezone)


def _field(raw: dict[str, object], name: str, kind: type, gid: str, default: object = None) -> object:
    value = raw.get(name, default)
    if value is None:
        raise GroupConfigError(f"group {gid!r}: missing {name!r}")
    if kind is int and isinstance(value, bool):
        raise GroupConfigError(f"group {gid!r}: {name!r} must be an integer")
    if not isinstance(value, kind):
        raise GroupConfigError(f"group {gid!r}: {name!r} must be {kind.__name__}")
    return value


def parse_group(raw: dict[str, object]) -> GroupSpec:
    """Validate one `[[group]]` table."""
    gid = raw.get("id")
    if not isinstance(gid, str) or not _ID_RE.fullmatch(gid):
        raise GroupConfigError(f"group id {gid!r} must match {_ID_RE.pattern}")
    always_open = bool(_field(raw, "always_open", bool, gid, False))
    language = str(_field(raw, "language", str, gid))
    if language not in _LANGUAGES:
        raise GroupConfigError(f"group {gid!r}: language must be one of {sorted(_LANGUAGES)}")
    tzname = str(_field(raw, "timezone", str, gid, DEFAULT_TIMEZONE))
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GroupConfigError(f"group {gid!r}: unknown time zone {tzname!r}") from exc
    if always_open:
        days: tuple[int, ...] = tuple(range(7))
        start = time(0, 0)
        duration = 24 * 60
    else:
        raw_days = _field(raw, "days", list, gid)
        assert isinstance(raw_days, list)
        try:
            days = tuple(sorted({DAY_NAMES.index(str(d).lower()[:3]) for d in raw_days}))
        except ValueError as exc:
            raise GroupConfigError(f"group {gid!r}: days must be names like 'mon'") from exc
        if not days:
            raise GroupConfigError(f"group {gid!r}: no days")
        start_s = str(_field(raw, "start", str, gid))
        try:
            start = time.fromisoformat(start_s)
        except ValueError as exc:
            raise GroupConfigError(f"group {gid!r}: start must be HH:MM") from exc
        duration = int(str(_field(raw, "duration_minutes", int, gid)))
        if not 15 <= duration <= MAX_DURATION_MINUTES:
            raise GroupConfigError(f"group {gid!r}: duration_minutes out of range")
    capacity = int(str(_field(raw, "capacity", int, gid, DEFAULT_CAPACITY)))
    lobby = int(str(_field(raw, "lobby_minutes", int, gid, DEFAULT_LOBBY_MINUTES)))
    if not 2 <= capacity <= 500:
        raise GroupConfigError(f"group {gid!r}: capacity out of range")
    if not 0 <= lobby <= 120:
        raise GroupConfigError(f"group {gid!r}: lobby_minutes out of range")
    return GroupSpec(
        id=gid,
        name=str(_field(raw, "name", str, gid)),
        topic=str(_field(raw, "topic", str, gid, "")),
        language=language,
        days=days,
        start=start,
        duration_minutes=duration,
        timezone=tzname,
        capacity=capacity,
        moderator_required=bool(_field(raw, "moderator_required", bool, gid, not always_open)),
        lobby_minutes=0 if always_open else lobby,
        always_open=always_open,
    )


def parse_groups(data: dict[str, object]) -> tuple[GroupSpec, ...]:
    """Validate a whole groups document (`{"group": [...]}`)."""
    raw_groups = data.get("group", [])
    if not isinstance(raw_groups, list):
        raise GroupConfigError("'group' must be an array of tables")
    groups = tuple(parse_group(g) for g in raw_groups)
    ids = [g.id for g in groups]
    if len(ids) != len(set(ids)):
        raise GroupConfigError("duplicate group ids")
    return groups


def load_groups(path: Path) -> tuple[GroupSpec, ...]:
    """Read and validate a groups TOML file."""
    with path.open("rb") as fh:
        return parse_groups(tomllib.load(fh))
