"""Pure schedule logic: which night of a group is current, and in which state, at a given time.

    scheduled --(lobby_at)--> lobby --(starts_at)--> open --(ends_at)--> closed

No I/O: the caller passes the time. Times are Unix seconds; wall-clock rules (days, start time)
are applied in the group's own time zone so daylight-saving changes move nothing by an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

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
    already ended today (state closed); else the next one.

    Called on every `room.send`, so the answer is memoised per group together with the span of
    time over which it cannot change (between two consecutive lobby/end instants or local
    midnights); a call inside that span costs two comparisons. The memo is a pure cache: any
    `now`, in any order, gets the same answer as `compute_occurrence`."""
    hit = _memo.get(group)
    if hit is not None and hit[0] <= now < hit[1]:
        return hit[2]
    night, valid_from, valid_until = compute_occurrence(group, now)
    if len(_memo) >= _MEMO_GROUPS:
        _memo.clear()
    _memo[group] = (valid_from, valid_until, night)
    return night


_MEMO_GROUPS = 256
_memo: dict[GroupSpec, tuple[float, float, Occurrence]] = {}


def compute_occurrence(group: GroupSpec, now: float) -> tuple[Occurrence, float, float]:
    """`current_occurrence` without the memo, and the span [from, until) holding `now` over
    which the answer stays the same (empty if the local day's edges are ambiguous)."""
    tz = group.tz
    today = datetime.fromtimestamp(now, tz).date()
    nights = [
        _occurrence(group, today + timedelta(days=offset))
        for offset in range(-1, _LOOKAHEAD_DAYS)
        if (today + timedelta(days=offset)).weekday() in group.days
    ]
    night = _pick(group, nights, today, now)
    # The answer depends on `now` only through `today` and comparisons with these instants.
    day_start = datetime.combine(today, time(), tzinfo=tz).timestamp()
    day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz).timestamp()
    if not (datetime.fromtimestamp(day_start, tz).date() == today
            == datetime.fromtimestamp(day_end - 1, tz).date()) or not day_start <= now < day_end:
        return night, now, now
    edges = [t for n in nights for t in (n.lobby_at, n.ends_at)]
    valid_from = max([day_start, *(t for t in edges if t <= now)])
    valid_until = min([day_end, *(t for t in edges if t > now)])
    return night, valid_from, valid_until


def _pick(group: GroupSpec, nights: list[Occurrence], today: date, now: float) -> Occurrence:
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


@lru_cache(maxsize=1024)
def parse_room(room: str) -> tuple[str, date] | None:
    """Split a room id into (group_id, date); None if malformed. (Cached: every send asks.)"""
    group_id, sep, day = room.partition("/")
    if not sep or not group_id:
        return None
    try:
        return group_id, date.fromisoformat(day)
    except ValueError:
        return None


def previous_occurrence(group: GroupSpec, now: float) -> Occurrence | None:
    """The most recent night that has ended by `now` (looking back two days), if any.
    Memoised like `current_occurrence` (the scheduler asks for every group every second)."""
    hit = _previous_memo.get(group)
    if hit is not None and hit[0] <= now < hit[1]:
        return hit[2]
    night, valid_from, valid_until = compute_previous(group, now)
    if len(_previous_memo) >= _MEMO_GROUPS:
        _previous_memo.clear()
    _previous_memo[group] = (valid_from, valid_until, night)
    return night


_previous_memo: dict[GroupSpec, tuple[float, float, Occurrence | None]] = {}


def compute_previous(group: GroupSpec, now: float) -> tuple[Occurrence | None, float, float]:
    """`previous_occurrence` without the memo, and the span [from, until) holding `now` over
    which the answer stays the same (empty if the local day's edges are ambiguous)."""
    tz = group.tz
    today = datetime.fromtimestamp(now, tz).date()
    window = [_occurrence(group, day) for offset in range(-2, 1)
              if (day := today + timedelta(days=offset)).weekday() in group.days]
    ended = [night for night in window if night.ends_at <= now]
    answer = max(ended, key=lambda n: n.ends_at) if ended else None
    day_start = datetime.combine(today, time(), tzinfo=tz).timestamp()
    day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=tz).timestamp()
    if not (datetime.fromtimestamp(day_start, tz).date() == today
            == datetime.fromtimestamp(day_end - 1, tz).date()) or not day_start <= now < day_end:
        return answer, now, now
    valid_from = max([day_start, *(n.ends_at for n in window if n.ends_at <= now)])
    valid_until = min([day_end, *(n.ends_at for n in window if n.ends_at > now)])
    return answer, valid_from, valid_until
