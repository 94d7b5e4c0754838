"""The flag a stamped report adds to the alert pipeline (moderation/reports.py, `report_flag`):
every reason a reporter can pick has a level, a reported crisis or someone's identifying details
are level 3, the rest level 2, never level 4; the flag carries no text."""

from __future__ import annotations

import dataclasses

import pytest

from moderation.flags import FlagSource, merge_flag
from moderation.limits import RuleError
from moderation.reports import REPORT_LEVELS, REPORT_REASONS, report_flag

ROOM = "open/2026-12-04"


def test_every_reason_has_a_level_and_the_serious_ones_are_higher() -> None:
    assert set(REPORT_LEVELS) == set(REPORT_REASONS)
    assert {r: REPORT_LEVELS[r] for r in REPORT_REASONS} == {
        "harassment": 2, "personal_data": 3, "selling": 2, "crisis": 3, "other": 2}
    assert max(REPORT_LEVELS.values()) < 4  # level 4 (everyone on duty at once) is the detector's


@pytest.mark.parametrize("reason", REPORT_REASONS)
def test_a_report_flag_is_metadata_at_its_reasons_level(reason: str) -> None:
    flag = report_flag(room=ROOM, message_id="17", pseudonym="Veera", reason=reason, at=1.0)
    assert (flag.source, flag.severity) == (FlagSource.REPORT, REPORT_LEVELS[reason])
    assert (flag.categories, flag.rule_ids) == ((reason,), (f"report.{reason}",))
    assert {f.name for f in dataclasses.fields(flag)} == {
        "room", "message_id", "pseudonym", "severity", "categories", "rule_ids", "source", "at"}


def test_a_report_joins_the_messages_flags_and_raises_only_when_higher() -> None:
    first = report_flag(room=ROOM, message_id="17", pseudonym="Veera", reason="harassment", at=1.0)
    merged, raised = merge_flag(None, first)
    assert raised and merged.severity == 2
    merged, raised = merge_flag(merged, dataclasses.replace(first, at=2.0))
    assert not raised  # a second report at the same level: the same alert, not a new one
    crisis = report_flag(room=ROOM, message_id="17", pseudonym="Veera", reason="crisis", at=3.0)
    merged, raised = merge_flag(merged, crisis)
    assert raised and merged.severity == 3 and set(merged.categories) == {"harassment", "crisis"}


def test_an_unknown_reason_is_refused() -> None:
    with pytest.raises(RuleError) as caught:
        report_flag(room=ROOM, message_id="17", pseudonym="Veera", reason="spam", at=1.0)
    assert caught.value.code == "unknown_reason"
