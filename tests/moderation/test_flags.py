"""Flags: validation when built, de-duplication per message, the per-pseudonym history of a night."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.flags import Flag, FlagSource, RiskHistory, end_night, merge_all, merge_flag, record
from moderation.limits import RuleError

ROOM = "ilta/2026-12-03"


def flag(**kw: object) -> Flag:
    base: dict[str, object] = dict(room=ROOM, message_id="m1", pseudonym="Aamukaste", severity=3,
                                   categories=("suicide",), rule_ids=("fi.suicide.1",),
                                   source="self", at=100.0)
    base.update(kw)
    return Flag(**base)  # type: ignore[arg-type]


def test_a_flag_normalises_its_sets_and_source() -> None:
    f = flag(categories=["suicide", "distress", "suicide"], source="moderator")
    assert f.categories == ("distress", "suicide")
    assert f.source is FlagSource.MODERATOR


@pytest.mark.parametrize(("field", "value", "code"), [
    ("severity", 1, "below_flag_level"),
    ("severity", 5, "bad_severity"),
    ("severity", True, "bad_severity"),
    ("source", "detector", "bad_source"),
    ("categories", (), "bad_field"),
    ("categories", ("Suicide!",), "bad_field"),
    ("categories", "suicide", "bad_field"),
    ("categories", tuple(f"c{i}" for i in range(11)), "too_many"),
    ("message_id", "", "bad_field"),
    ("message_id", "has space", "bad_field"),
    ("pseudonym", "x" * 65, "bad_field"),
    ("pseudonym", "a\nb", "bad_field"),
    ("room", "", "bad_field"),
    ("room", "ilta", "bad_field"),
    ("room", "direct", "direct_not_flagged"),
    ("at", float("nan"), "bad_time"),
    ("at", -1.0, "bad_time"),
])
def test_bad_flags_are_refused_with_a_stable_code(field: str, value: object, code: str) -> None:
    with pytest.raises(RuleError) as info:
        flag(**{field: value})
    assert info.value.code == code


def test_a_report_may_be_below_the_detector_level_and_without_a_category() -> None:
    f = flag(source="report", severity=0, categories=(), rule_ids=())
    assert f.severity == 0 and f.categories == ()


def test_a_1_1_message_is_flagged_only_by_a_report_the_person_chose_to_send() -> None:
    with pytest.raises(RuleError) as info:
        flag(room="direct", source="moderator")
    assert info.value.code == "direct_not_flagged"
    assert flag(room="direct", source="report").room == "direct"


def test_a_flag_has_no_field_for_text() -> None:
    names = {f.name for f in dataclasses.fields(Flag)}
    assert names == {"room", "message_id", "pseudonym", "severity", "categories", "rule_ids",
                     "source", "at"}


def test_merge_keeps_the_highest_severity_and_unites_the_rest() -> None:
    m, raised = merge_flag(None, flag(severity=2, categories=("distress",), source="self"))
    assert raised and m.severity == 2 and m.count == 1
    m, raised = merge_flag(m, flag(severity=4, categories=("suicide",), rule_ids=("en.x",),
                                   source="moderator", at=90.0))
    assert raised and m.severity == 4
    assert m.categories == ("distress", "suicide")
    assert m.rule_ids == ("en.x", "fi.suicide.1")
    assert m.sources == (FlagSource.MODERATOR, FlagSource.SELF)
    assert m.first_at == 90.0 and m.count == 2
    m2, raised = merge_flag(m, flag(severity=3, source="report"))
    assert not raised and m2.severity == 4 and FlagSource.REPORT in m2.sources


def test_a_flag_naming_another_author_for_a_message_is_refused() -> None:
    m, _ = merge_flag(None, flag())
    with pytest.raises(RuleError) as info:
        merge_flag(m, flag(pseudonym="Someone"))
    assert info.value.code == "flag_mismatch"


flags_st = st.builds(
    flag,
    message_id=st.sampled_from(["m1", "m2", "m3"]),
    severity=st.integers(2, 4),
    categories=st.lists(st.sampled_from(["suicide", "overdose", "distress"]), min_size=1),
    source=st.sampled_from(["self", "moderator", "report"]),
    at=st.floats(0, 1e6),
)


@settings(deadline=None)
@given(st.lists(flags_st, max_size=20), st.randoms())
def test_merging_does_not_depend_on_order(flags: list[Flag], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(flags)
    rnd.shuffle(shuffled)
    assert merge_all(flags) == merge_all(shuffled)
    for key, merged in merge_all(flags).items():
        about = [f for f in flags if (f.room, f.message_id) == key]
        assert merged.severity == max(f.severity for f in about)
        assert merged.count == len(about)


def test_history_counts_each_message_once_and_keeps_its_highest_level() -> None:
    h = None
    m, _ = merge_flag(None, flag(severity=2))
    h = record(h, m, "2026-12-03")
    m, _ = merge_flag(m, flag(severity=4, source="moderator"))
    h = record(h, m, "2026-12-03")
    other, _ = merge_flag(None, flag(message_id="m2", severity=3, categories=("overdose",), at=200.0))
    h = record(h, other, "2026-12-03")
    s = h.summary("Aamukaste")
    assert s.flagged_messages == 2 and s.highest == 4
    assert s.per_level == (0, 0, 0, 1, 1)
    assert s.categories == ("overdose", "suicide") and s.last_at == 200.0
    assert h.summary("Nobody").flagged_messages == 0


def test_history_is_dropped_when_the_night_ends() -> None:
    m, _ = merge_flag(None, flag())
    h = record(None, m, "2026-12-03")
    assert end_night(h, "2026-12-03") is None
    assert end_night(h, "2026-12-02") is h
    nxt = record(h, m, "2026-12-04")
    assert nxt.night == "2026-12-04" and nxt.summary("Aamukaste").flagged_messages == 1
    with pytest.raises(RuleError):
        RiskHistory(night="tonight")
