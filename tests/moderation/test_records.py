"""Stored records of cases, alerts and sanctions: JSON-safe, round-trip, validated on the way back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import machine as m
from escalation.case import Case, CaseState
from moderation import alerts as a
from moderation import sanctions as s
from moderation.flags import Flag, merge_flag
from moderation.limits import RuleError
from moderation.records import RECORD_VERSION, from_record, to_record
from tests.escalation.helpers import POLICY, counsellor, in_state

ROOM = "ilta/2026-12-03"


def some_models() -> list[object]:
    merged, _ = merge_flag(None, Flag(room=ROOM, message_id="m1", pseudonym="Aamu", severity=4,
                                      categories=("suicide",), rule_ids=("r1",), source="self", at=1.0))
    alert, _ = a.open_alert(alert_id="al1", flags=merged, now=1.0,
                            roster=[a.OnDuty(staff_id="mod", rooms=frozenset({ROOM}))], load={},
                            policy=a.AlertPolicy(resend_after_seconds=60, load_cap=3, pool_size=1))
    return [
        *[in_state(state) for state in CaseState],
        alert,
        a.acknowledge(alert, staff_id="mod", now=2.0),
        s.ban(id="b1", actor_id="mod", pseudonym="Aamu", now=1.0, days=None, appeal_note="Write to us",
              reason_text="Threats"),
        s.slow_mode(id="s1", actor_id="mod", room=ROOM, seconds=30, now=1.0, night_end=100.0, reason_code="spam"),
        s.lift(s.mute(id="m1", actor_id="mod", room=ROOM, pseudonym="Aamu", minutes=5, now=1.0,
                      reason_code="spam"), actor_id="mod", now=2.0),
    ]


@pytest.mark.parametrize("model", some_models(), ids=lambda x: type(x).__name__)
def test_every_model_round_trips_through_json(model: object) -> None:
    record = json.loads(json.dumps(to_record(model)))
    assert record["v"] == RECORD_VERSION
    assert from_record(type(model), record) == model


def test_a_case_record_goes_through_the_cases_own_validation() -> None:
    record = to_record(in_state(CaseState.ACTIVE))
    record["counsellor"] = None
    with pytest.raises(RuleError) as info:
        from_record(Case, record)
    assert info.value.code == "bad_case"


@pytest.mark.parametrize(("field", "value"), [
    ("v", 2), ("state", "lost"), ("severity", "4"), ("severity", True), ("created_at", "now"),
    ("categories", "suicide"), ("surprise", 1), ("shared_items", 1.5),
])
def test_mistyped_or_unknown_fields_are_bad_record(field: str, value: object) -> None:
    record = to_record(in_state(CaseState.QUEUED))
    record[field] = value
    with pytest.raises(RuleError) as info:
        from_record(Case, record)
    assert info.value.code == "bad_record"
    assert repr(value) not in str(info.value) or field == "v"


def test_a_missing_required_field_is_bad_record_and_a_missing_default_is_fine() -> None:
    record = to_record(in_state(CaseState.QUEUED))
    del record["realerts"]
    assert from_record(Case, record).realerts == 0
    del record["pseudonym"]
    with pytest.raises(RuleError, match="missing field pseudonym"):
        from_record(Case, record)


@settings(deadline=None)
@given(st.lists(st.sampled_from(["raise", "offer", "decline", "claim"]), max_size=6))
def test_cases_along_any_path_round_trip(steps: list[str]) -> None:
    case = in_state(CaseState.QUEUED)
    for step in steps:
        try:
            if step == "raise":
                case = m.raise_severity(case, severity=4, categories=("overdose",), now=9.0, policy=POLICY)
            elif step == "offer":
                case = m.offer(case, counsellor="c7", now=9.0, policy=POLICY)
            elif step == "decline":
                case = m.decline_offer(case, counsellor="c7", now=9.0)
            else:
                case = m.claim(case, counsellor=counsellor("c8"), expected_version=case.version, now=9.0)
        except RuleError:
            pass
        assert from_record(Case, json.loads(json.dumps(to_record(case)))) == case
