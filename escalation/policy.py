"""The escalation settings the pure core runs on, validated when built.

``config/escalation.py`` parses ``config/escalation.toml`` into these; tests build them directly.
Every duration is in seconds of the caller's clock; opening hours are wall-clock minutes in the
service's time zone (Europe/Helsinki by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moderation.limits import RuleError

CASE_MIN_SEVERITY: Final = 1
"""A request is at least level 1: asking for a counsellor is itself a sign of need."""
CASE_MAX_SEVERITY: Final = 4
LEVELS: Final = tuple(range(CASE_MIN_SEVERITY, CASE_MAX_SEVERITY + 1))
MINUTES_PER_DAY: Final = 24 * 60
MAX_RETENTION_DAYS: Final = 3650
MAX_ALTERNATIVES: Final = 12


class Notify(StrEnum):
    """Who a re-alert goes to."""

    DUTY = "duty"  # every counsellor on duty (available or away but signed in)
    SUPERVISOR = "supervisor"  # the supervisor on duty
    MODERATORS = "moderators"  # the on-duty moderators (a hand-off from their group)


def _positive(value: float, name: str, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise RuleError("bad_config", f"{name} must be {lo}..{hi}")


@dataclass(frozen=True, kw_only=True)
class LevelPolicy:
    """Timers and fallback of one level.

    ``realert_after_seconds`` after queueing, a case nobody claimed is re-alerted to ``notify``,
    then every ``repeat_seconds``. When the estimated wait is longer than ``max_wait_seconds`` (or
    nobody is on duty, or the service is closed) the person is shown ``alternatives`` at once.
    """

    level: int
    realert_after_seconds: float
    repeat_seconds: float
    notify: tuple[Notify, ...]
    max_wait_seconds: float
    alternatives: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise RuleError("bad_config", f"level must be one of {LEVELS}")
        _positive(self.realert_after_seconds, "realert_after_seconds", 5, 24 * 3600)
        _positive(self.repeat_seconds, "repeat_seconds", 5, 24 * 3600)
        _positive(self.max_wait_seconds, "max_wait_seconds", 0, 24 * 3600)
        if not self.notify:
            raise RuleError("bad_config", f"level {self.level}: notify someone")
        if not 0 < len(self.alternatives) <= MAX_ALTERNATIVES:
            raise RuleError("bad_config", f"level {self.level}: 1..{MAX_ALTERNATIVES} alternatives")


@dataclass(frozen=True, kw_only=True)
class Interval:
    """Open from ``start`` to ``end`` minutes after local midnight; ``end <= start`` crosses
    midnight into the next day (``17:00-01:00``), and ``0-1440`` is the whole day."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < MINUTES_PER_DAY or not 0 <= self.end <= MINUTES_PER_DAY:
            raise RuleError("bad_config", "opening hours must be within the day")
        if self.start == self.end:
            raise RuleError("bad_config", "an opening interval cannot be empty")

    @property
    def crosses_midnight(self) -> bool:
        """Whether it ends on the next local day."""
        return self.end <= self.start


@dataclass(frozen=True, kw_only=True)
class OpeningHours:
    """When the counselling service is staffed: intervals per weekday (0 = Monday), local time."""

    timezone: str
    weekly: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleError("bad_config", "unknown time zone") from None
        if len(self.weekly) != 7:
            raise RuleError("bad_config", "opening hours need all seven days")

    @property
    def tz(self) -> ZoneInfo:
        """The service's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class EscalationPolicy:
    """Everything the escalation core is configured by."""

    levels: Mapping[int, LevelPolicy]
    hours: OpeningHours
    retention_days: int
    offer_seconds: float = 45
    consent_seconds: float = 300
    estimate_window_seconds: float = 3600
    estimate_min_claims: int = 3
    health_window_seconds: float = 12 * 3600

    def __post_init__(self) -> None:
        if sorted(self.levels) != list(LEVELS):
            raise RuleError("bad_config", f"levels {LEVELS} must all be configured")
        for level, lp in self.levels.items():
            if lp.level != level:
                raise RuleError("bad_config", f"level {level} holds the policy of {lp.level}")
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels)))
        if isinstance(self.retention_days, bool) or not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise RuleError("bad_config", f"retention_days must be 1..{MAX_RETENTION_DAYS}")
        _positive(self.offer_seconds, "offer_seconds", 5, 600)
        _positive(self.consent_seconds, "consent_seconds", 30, 3600)
        _positive(self.estimate_window_seconds, "estimate_window_seconds", 300, 24 * 3600)
        _positive(self.estimate_min_claims, "estimate_min_claims", 1, 100)
        _positive(self.health_window_seconds, "health_window_seconds", 3600, 7 * 24 * 3600)

    def level(self, severity: int) -> LevelPolicy:
        """The policy of a case's severity (clamped to the configured levels)."""
        return self.levels[min(max(severity, CASE_MIN_SEVERITY), CASE_MAX_SEVERITY)]
