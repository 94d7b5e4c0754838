"""Negation both ways (NegEx-style scope), past tense, recent behaviour, reported speech,
idiom blocking and combinations, on synthetic entries so the logic is tested by itself."""

from __future__ import annotations

from tests.moderation.synthetic import detector, entry


def sev(det, text: str, lang: str | None = "en") -> int:
    return det.detect(text, lang).severity


NEG = detector([
    entry("suicidal", ["suicidal"], severity=2),
    entry("live", ["want to live"], severity=2, negation="negated_form_is_crisis"),
    entry("breath", ["not breathing"], severity=4, negation="fixed", category="overdose"),
    entry("fi.live", ["halua elää"], severity=2, negation="negated_form_is_crisis"),
    entry("sv.plan", ["plan"], severity=3),
])


def test_negatable_entry_is_cancelled() -> None:
    assert sev(NEG, "I am suicidal") == 2
    assert sev(NEG, "I am not suicidal") == 0
    (m,) = NEG.detect("I'm not suicidal", "en").matches
    assert m.flags == ("negated",) and m.severity == 0 and m.base_severity == 2


def test_negated_form_counts_only_when_negated() -> None:
    assert sev(NEG, "I want to live") == 0
    assert NEG.detect("I want to live", "en").matches == ()
    assert sev(NEG, "I don't want to live") == 2
    assert sev(NEG, "I really do not really want to live") == 2


def test_fixed_entry_ignores_negation() -> None:
    assert sev(NEG, "he is not breathing") == 4


def test_window_limit() -> None:
    assert sev(NEG, "not that I am really so very suicidal") == 2  # 5 tokens away
    assert sev(NEG, "not really so suicidal") == 0


def test_terminators_and_clause_breaks_end_scope() -> None:
    assert sev(NEG, "I'm not sure but I am suicidal") == 2
    assert sev(NEG, "no, suicidal") == 2
    assert sev(NEG, "I don't know. I am suicidal") == 2


def test_language_gates_ambiguous_triggers() -> None:
    # "en" negates in Finnish, is an article in Swedish.
    assert sev(NEG, "en halua elää", "fi") == 2
    assert sev(NEG, "jag har en plan", "sv") == 3
    assert sev(NEG, "jag har en plan", None) == 3  # detected as Swedish from its markers
    assert sev(NEG, "en halua elää", None) == 2  # detected as Finnish


def test_pseudo_negation() -> None:
    data_pseudo = {"window": 4, "triggers": {"en": ["not"], "fi": ["en"], "sv": ["inte"]},
                   "terminators": {"en": ["but"]}, "unknown_language_excluded": ["en"],
                   "pseudo": {"en": ["not okay"]}}
    det = detector([entry("die", ["want to die"], severity=2)], negation=data_pseudo)
    assert sev(det, "not okay I want to die") == 2
    assert sev(det, "I do not want to die") == 0


CTX = {
    "past": {"en": ["years ago", "used to"]},
    "recent": {"en": ["yesterday", "last week"]},
    "reported": {"en": ["he said"]},
}
CTX_DET = detector([
    entry("attempt", ["tried to kill myself"], severity=3),
    entry("wish", ["want to die"], severity=2),
    entry("od", ["took an overdose"], severity=4, category="overdose"),
    entry("other", ["not breathing"], severity=4, negation="fixed", category="overdose",
          context="other"),
], context_cues=CTX)


def test_past_lowers_own_high_to_one_and_low_to_zero() -> None:
    assert sev(CTX_DET, "I tried to kill myself years ago") == 1
    assert sev(CTX_DET, "I used to want to die") == 0
    assert sev(CTX_DET, "he was not breathing, years ago") == 0  # someone else's past emergency


def test_recent_keeps_attempt_high_but_not_imminent() -> None:
    assert sev(CTX_DET, "I tried to kill myself yesterday") == 3
    assert sev(CTX_DET, "I took an overdose last week") == 3
    assert sev(CTX_DET, "I took an overdose") == 4
    assert sev(CTX_DET, "years ago, no, yesterday I tried to kill myself") == 3


def test_cue_scope_is_the_sentence() -> None:
    assert sev(CTX_DET, "Years ago things were bad. I tried to kill myself") == 3


def test_reported_speech_caps_own_entries() -> None:
    assert sev(CTX_DET, "he said I want to die") == 1
    assert sev(CTX_DET, "he said he is not breathing") == 4  # emergencies of others stay


def test_idiom_blocks_overlapping_match() -> None:
    det = detector([entry("k", ["killing me"], severity=3)],
                   idioms=[{"id": "i", "lang": ["en"], "patterns": ["heat is killing"]}])
    d = det.detect("the heat is killing me")
    assert d.severity == 0 and d.matches[0].flags == ("idiom",)
    assert det.detect("he is killing me").severity == 3


def test_combinations_need_distinct_unaffected_matches() -> None:
    combos = [{"id": "c", "requires": ["intent", "time"], "severity": 4, "category": "suicide"},
              {"id": "g", "requires": ["bye", "bye"], "severity": 4, "category": "suicide"}]
    det = detector([
        entry("intent", ["going to end it"], tags=["intent"]),
        entry("time", ["tonight"], severity=0, negation="fixed", tags=["time"]),
        entry("bye1", ["last message"], tags=["bye"], negation="fixed"),
        entry("bye2", ["goodbye"], severity=0, negation="fixed", tags=["bye"]),
    ], combinations=combos, context_cues=CTX)
    assert sev(det, "I'm going to end it tonight") == 4
    assert sev(det, "I'm going to end it") == 3
    assert sev(det, "I'm not going to end it tonight") == 0
    assert sev(det, "my last message") == 3
    assert sev(det, "my last message, goodbye") == 4
    assert sev(det, "goodbye goodbye") == 0  # one entry cannot fill both farewell slots twice
    d = det.detect("going to end it tonight")
    combo = next(m for m in d.matches if m.rule == "c")
    assert combo.flags == ("combination",) and combo.span == (0, 23)
