"""Typed loader of ``config/escalation.toml`` into ``escalation.policy.EscalationPolicy``.

    [service]     timezone, retention_days, offer_seconds, consent_seconds,
                  estimate_window_minutes, estimate_min_claims, health_window_hours
    [hours]       mon..sun = ["HH:MM-HH:MM", ...]   (an end at or before the start: next day)
    [levels.N]    N = 1..4: realert_after_seconds, repeat_seconds, notify, max_wait_seconds,
                  alternatives (ids of config/crisis_resources.json entries)

``parse_escalation_settings`` is pure: TOML text and the known resource ids in, a validated policy
out. Every problem is an ``EscalationConfigError`` (``code`` = ``bad_config``) naming the key.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from escalation.policy import LEVELS, EscalationPolicy, Interval, LevelPolicy, Notify, OpeningHours
from moderation.limits import RuleError

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_ESCALATION_FILE = CONFIG_DIR / "escalation.toml"
DEFAULT_RESOURCES_FILE = CONFIG_DIR / "crisis_resources.json"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])")


class EscalationConfigError(ValueError):
    """The escalation settings are malformed; ``code`` is ``bad_config``."""

    code = "bad_config"


def _table(data: dict[str, object], name: str) -> dict[str, object]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise EscalationConfigError(f"[{name}] is missing or not a table")
    return value


def _num(table: dict[str, object], key: str, where: str, *, integer: bool = False) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or (
        integer and not isinstance(value, int)
    ):
        raise EscalationConfigError(f"{where}.{key} must be {'an integer' if integer else 'a number'}")
    return float(value)


def _strings(table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EscalationConfigError(f"{where}.{key} must be a list of strings")
    return tuple(str(v) for v in value)


def _span(text: str, day: str) -> Interval:
    m = _SPAN_RE.fullmatch(text)
    if m is None:
        raise EscalationConfigError(f"hours.{day}: {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    end = h2 * 60 + m2
    if end > 24 * 60:
        raise EscalationConfigError(f"hours.{day}: {text!r} ends after 24:00")
    return Interval(start=h1 * 60 + m1, end=end)


def _level(n: int, raw: object, known: frozenset[str]) -> LevelPolicy:
    where = f"levels.{n}"
    if not isinstance(raw, dict):
        raise EscalationConfigError(f"[{where}] is missing")
    try:
        notify = tuple(Notify(v) for v in _strings(raw, "notify", where))
    except ValueError:
        raise EscalationConfigError(f"{where}.notify: use duty, supervisor, moderators") from None
    alternatives = _strings(raw, "alternatives", where)
    unknown = sorted(set(alternatives) - known)
    if unknown:
        raise EscalationConfigError(f"{where}.alternatives: unknown resources {unknown}")
    return LevelPolicy(
        level=n,
        realert_after_seconds=_num(raw, "realert_after_seconds", where),
        repeat_seconds=_num(raw, "repeat_seconds", where),
        notify=notify,
        max_wait_seconds=_num(raw, "max_wait_seconds", where),
        alternatives=alternatives,
    )


def parse_escalation_settings(text: str, *, known_resources: frozenset[str]) -> EscalationPolicy:
    """Parse and validate escalation settings; alternatives must be among ``known_resources``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EscalationConfigError(f"not TOML: {exc}") from None
    service = _table(data, "service")
    hours_t = _table(data, "hours")
    levels_t = _table(data, "levels")
    extra = sorted(set(levels_t) - {str(n) for n in LEVELS})
    if extra:
        raise EscalationConfigError(f"levels: unknown levels {extra}")
    odd_days = sorted(set(hours_t) - set(DAYS))
    if odd_days:
        raise EscalationConfigError(f"hours: unknown days {odd_days} (use {', '.join(DAYS)})")
    try:
        tz = service.get("timezone", "Europe/Helsinki")
        if not isinstance(tz, str):
            raise EscalationConfigError("service.timezone must be a string")
        weekly = tuple(tuple(_span(s, day) for s in _strings(hours_t, day, "hours")) if day in hours_t
                       else () for day in DAYS)
        return EscalationPolicy(
            levels={n: _level(n, levels_t.get(str(n)), known_resources) for n in LEVELS},
            hours=OpeningHours(timezone=tz, weekly=weekly),
            retention_days=int(_num(service, "retention_days", "service", integer=True)),
            offer_seconds=_num(service, "offer_seconds", "service"),
            consent_seconds=_num(service, "consent_seconds", "service"),
            estimate_window_seconds=_num(service, "estimate_window_minutes", "service") * 60,
            estimate_min_claims=int(_num(service, "estimate_min_claims", "service", integer=True)),
            health_window_seconds=_num(service, "health_window_hours", "service") * 3600,
        )
    except RuleError as exc:
        raise EscalationConfigError(str(exc)) from None


def resource_ids(resources_text: str) -> frozenset[str]:
    """The entry ids of a crisis resources file (``config/crisis_resources.json``)."""
    data = json.loads(resources_text)
    entries = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise EscalationConfigError("crisis resources: no 'resources' object")
    return frozenset(entries)


def load_escalation_settings(path: Path = DEFAULT_ESCALATION_FILE,
                             resources: Path = DEFAULT_RESOURCES_FILE) -> EscalationPolicy:
    """Read and validate the escalation settings against the crisis resources file."""
    known = resource_ids(resources.read_text(encoding="utf-8"))
    return parse_escalation_settings(path.read_text(encoding="utf-8"), known_resources=known)
