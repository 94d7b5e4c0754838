"""The schedule state machine (pure): lobby, open, closed, next night, DST, past midnight."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.groups import GroupConfigError, GroupSpec, load_groups, parse_groups
from config.settings import load_settings
from server.domain.schedule import (
    CLOSED,
    LOBBY,
    OPEN,
    SCHEDULED,
    current_occurrence,
    iso,
    parse_room,
    previous_occurrence,
)

HEL = ZoneInfo("Europe/Helsinki")
NIGHTLY = GroupSpec(id="nightly", name="N", topic="", language="fi", days=tuple(range(7)),
                    start=time(19, 0), duration_minutes=90)
THURSDAY = GroupSpec(id="thu", name="T", topic="", language="sv", days=(3,), start=time(19, 0),
                     duration_minutes=90)
LATE = GroupSpec(id="late", name="L", topic="", language="fi", days=(4,), start=time(23, 0),
                 duration_minutes=120)
OPEN_GROUP = GroupSpec(id="open", name="O", topic="", language="en", days=tuple(range(7)),
                       start=time(0, 0), duration_minutes=1440, lobby_minutes=0,
                       always_open=True, moderator_required=False)


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> float:
    return datetime(y, mo, d, h, mi, tzinfo=HEL).timestamp()


@pytest.mark.parametrize("hour,minute,state", [
    (12, 0, SCHEDULED), (18, 44, SCHEDULED), (18, 45, LOBBY), (18, 59, LOBBY), (19, 0, OPEN),
    (20, 29, OPEN), (20, 30, CLOSED), (23, 59, CLOSED),
])
def test_states_through_one_evening(hour: int, minute: int, state: str) -> None:
    now = at(2026, 11, 26, hour, minute)
    night = current_occurrence(NIGHTLY, now)
    assert night.room == "nightly/2026-11-26"
    assert night.state_at(now) == state


def test_after_midnight_shows_the_next_night() -> None:
    now = at(2026, 11, 27, 0, 5)
    night = current_occurrence(NIGHTLY, now)
    assert (night.room, night.state_at(now)) == ("nightly/2026-11-27", SCHEDULED)


def test_weekly_group_points_at_next_week() -> None:
    now = at(2026, 11, 27, 12)  # Friday
    night = current_occurrence(THURSDAY, now)
    assert night.room == "thu/2026-12-03"
    assert iso(night.starts_at, THURSDAY) == "2026-12-03T19:00:00+02:00"
    assert iso(night.lobby_at, THURSDAY) == "2026-12-03T18:45:00+02:00"


def test_daylight_saving_keeps_local_start() -> None:
    # EU summer time starts 2026-03-29 03:00 local: the evening is at 19:00 +03:00.
    night = current_occurrence(NIGHTLY, at(2026, 3, 29, 12))
    assert iso(night.starts_at, NIGHTLY) == "2026-03-29T19:00:00+03:00"
    assert night.ends_at - night.starts_at == 90 * 60


def test_night_past_midnight_keeps_its_start_date() -> None:
    now = at(2026, 11, 28, 0, 30)  # Saturday 00:30, Friday's 23:00 group still running
    night = current_occurrence(LATE, now)
    assert (night.room, night.state_at(now)) == ("late/2026-11-27", OPEN)
    ended = previous_occurrence(LATE, at(2026, 11, 28, 1, 0))
    assert ended is not None and ended.room == "late/2026-11-27"


def test_always_open_group_changes_room_each_day() -> None:
    a = current_occurrence(OPEN_GROUP, at(2026, 11, 26, 23, 59))
    b = current_occurrence(OPEN_GROUP, at(2026, 11, 27, 0, 0))
    assert a.state_at(at(2026, 11, 26, 23, 59)) == OPEN
    assert (a.room, b.room) == ("open/2026-11-26", "open/2026-11-27")


def test_previous_occurrence_is_the_last_ended_night() -> None:
    ended = previous_occurrence(NIGHTLY, at(2026, 11, 26, 20, 31))
    assert ended is not None and ended.room == "nightly/2026-11-26"
    ended = previous_occurrence(NIGHTLY, at(2026, 11, 26, 20, 0))
    assert ended is not None and ended.room == "nightly/2026-11-25"


def test_parse_room() -> None:
    assert parse_room("open/2026-11-26") is not None
    assert parse_room("open") is None
    assert parse_room("open/26.11.2026") is None


def test_shipped_groups_load() -> None:
    settings = load_settings(None)
    ids = {g.id for g in settings.groups}
    assert {"alkoholi", "rahapeli", "kvallscirkeln", "evening-circle", "yovuoro", "open"} <= ids
    open_group = next(g for g in settings.groups if g.id == "open")
    assert open_group.always_open and not open_group.moderator_required
    assert all(g.moderator_required for g in settings.groups if not g.always_open)
    assert load_groups(Path("config/groups.toml")) == settings.groups


@pytest.mark.parametrize("bad", [
    {"id": "Bad Id", "name": "x", "language": "fi", "days": ["mon"], "start": "19:00",
     "duration_minutes": 60},
    {"id": "x", "name": "x", "language": "de", "days": ["mon"], "start": "19:00",
     "duration_minutes": 60},
    {"id": "x", "name": "x", "language": "fi", "days": ["funday"], "start": "19:00",
     "duration_minutes": 60},
    {"id": "x", "name": "x", "language": "fi", "days": ["mon"], "start": "25:00",
     "duration_minutes": 60},
    {"id": "x", "name": "x", "language": "fi", "days": ["mon"], "start": "19:00",
     "duration_minutes": 60, "timezone": "Mars/Olympus"},
    {"id": "x", "name": "x", "language": "fi", "days": ["mon"], "start": "19:00",
     "duration_minutes": 60, "capacity": True},
])
def test_bad_group_config_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(GroupConfigError):
        parse_groups({"group": [bad]})


def test_duplicate_group_ids_refused() -> None:
    g = {"id": "x", "name": "x", "language": "fi", "always_open": True}
    with pytest.raises(GroupConfigError):
        parse_groups({"group": [g, g]})
