"""Opening hours of the counselling service, in its own time zone (Europe/Helsinki by default).

Intervals are wall-clock minutes of a weekday; one that ends at or before its start runs past
midnight into the next day (``mon = ["17:00-01:00"]`` is open Monday 17:00 to Tuesday 01:00).
Summer-time changes are handled by ``zoneinfo``: an opening time that does not exist on the
spring-forward night (03:00-04:00) opens at the first instant after it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from escalation.policy import OpeningHours


def _local(hours: OpeningHours, t: float) -> datetime:
    return datetime.fromtimestamp(t, hours.tz)


def is_open(hours: OpeningHours, t: float) -> bool:
    """Whether the service is staffed at epoch second ``t``."""
    local = _local(hours, t)
    minute = local.hour * 60 + local.minute
    today = local.weekday()
    for iv in hours.weekly[today]:
        if iv.start <= minute < (24 * 60 if iv.crosses_midnight else iv.end):
            return True
    return any(iv.crosses_midnight and minute < iv.end for iv in hours.weekly[(today - 1) % 7])


def _at(hours: OpeningHours, day: date, minute: int) -> float:
    # fold=0: a wall time inside the spring-forward gap takes the offset before it, which lands
    # just past the gap, never before it.
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    return naive.replace(tzinfo=hours.tz).timestamp()


def next_opening(hours: OpeningHours, t: float) -> float | None:
    """``t`` if open now, else when the service next opens (within a week), else ``None``."""
    if is_open(hours, t):
        return t
    first = _local(hours, t).date()
    best: float | None = None
    for offset in range(8):
        day = first + timedelta(days=offset)
        for iv in hours.weekly[day.weekday()]:
            start = _at(hours, day, iv.start)
            if start > t and (best is None or start < best):
                best = start
        if best is not None:
            return best
    return None

