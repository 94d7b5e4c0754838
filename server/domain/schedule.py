"""Pure schedule logic: which night of a group is current, and in which state, at a given time.

    scheduled --(lobby_at)--> lobby --(starts_at)--> open --(ends_at)--> closed

No I/O: the caller passes the time. Times are Unix seconds; wall-clock rules (days, start time)
are applied in the group's own time zone so daylight-saving changes move nothing by an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from config.groups import GroupSpec

SCHEDULED = "scheduled"
LOBBY = "lobby"
OPEN = "open"
CLOSED = "closed"
_LOOKAHEAD_DAYS = 8


@dataclass(frozen=True, kw_only=True)
class Occurrence:
    """One night of one group."""

    group_id: str
    room: str
    lobby_at: float
    starts_at: float
    ends_at: float

    def state_at(self, now: float) -> str:
        """The state of this night at `now`."""
        if now < self.lobby_at:
            return SCHEDULED
        if now < self.starts_at:
            return LOBBY
        if now < self.ends_at:
            return OPEN
        return CLOSED


def room_id(group_id: str, local_date: date) -> str:
    """`<group_id>/<YYYY-MM-DD>`."""
    return f"{group_id}/{local_date.isoformat()}"


def _occurrence(group: GroupSpec, day: date) -> Occurrence:
    tz = group.tz
    if group.always_open:
        start = datetime.combine(day, group.start, tzinfo=tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), group.start, tzinfo=tz).timestamp()
        return Occurrence(group_id=group.id, room=room_id(group.id, day), lobby_at=start,
                          starts_at=start, ends_at=end)
    start = datetime.combine(day, group.start, tzinfo=tz).timestamp()
    return Occurrence(
        group_id=group.id,
        room=room_id(group.id, day),
        lobby_at=start - group.lobby_minutes * 60,
        starts_at=start,
        ends_at=start + group.duration_minutes * 60,
    )


def current_occurrence(group: GroupSpec, now: float) -> Occurrence:
    """The night to show at `now`: the running one (lobby or open); else tonight's if it has
    already ended today (state closed); else the next one."""
    today = datetime.fromtimestamp(now, group.tz).date()
    nights = [
        _occurrence(group, today + timedelta(days=offset))
        for offset in range(-1, _LOOKAHEAD_DAYS)
        if (today + timedelta(days=offset)).weekday() in group.days
    ]
    for night in nights:
        if night.lobby_at <= now < night.ends_at:
            return night
    for night in nights:
        if night.room == room_id(group.id, today) and night.ends_at <= now:
            upcoming = [n for n in nights if n.lobby_at > now]
            # Tonight is over; show it as closed unless the next night starts today as well.
            if not upcoming or datetime.fromtimestamp(upcoming[0].lobby_at, group.tz).date() != today:
                return night
    return next(n for n in nights if n.lobby_at > now)


def iso(ts: float, group: GroupSpec) -> str:
    """ISO 8601 with the group's local offset."""
    return datetime.fromtimestamp(ts, group.tz).isoformat(timespec="seconds")


def parse_room(room: str) -> tuple[str, date] | None:
    """Split a room id into (group_id, date); None if malformed."""
    group_id, sep, day = room.partition("/")
    if not sep or not group_id:
        return None
    try:
        return group_id, date.fromisoformat(day)
    except ValueError:
        return None


def previous_occurrence(group: GroupSpec, now: float) -> Occurrence | None:
    """The most recent night that has ended by `now` (looking back two days), if any."""
    today = datetime.fromtimestamp(now, group.tz).date()
    ended = [
        night for offset in range(-2, 1)
        if (day := today + timedelta(days=offset)).weekday() in group.days
        and (night := _occurrence(group, day)).ends_at <= now
    ]
    return max(ended, key=lambda n: n.ends_at) if ended else None
