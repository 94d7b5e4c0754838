"""The functional evaluation set: shape, coverage and honest floors (the real figures are in
docs/detection.md, produced by bench/detector_eval.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation import detect
from moderation.evaluation import Case, run, summarise

CASES = Path(__file__).resolve().parent / "cases"
GROUPS = {"levels", "idioms", "recovery", "negation", "past_reported", "supportive",
          "obfuscation", "finnish_morph", "swedish", "harassment", "personal_data",
          "overdose_other", "ordinary"}


def load(name: str | None = None) -> list[Case]:
    files = sorted(CASES.glob("*.jsonl"))
    out = []
    for f in files:
        held = ("heldout.jsonl", "blind.jsonl", "blind2.jsonl", "blind3.jsonl", "blind4.jsonl",
                "blind5.jsonl", "blind6.jsonl", "blind7.jsonl", "blind8.jsonl",
                "blind9.jsonl", "blind10.jsonl", "external_a.jsonl", "external_b.jsonl",
                "external_c.jsonl", "external_d.jsonl", "external_sealed.jsonl",
                "external_sealed2.jsonl", "external_sealed3.jsonl", "external_sealed4.jsonl",
                "external_sealed5.jsonl", "external_sealed6.jsonl", "external_sealed7.jsonl",
                "external_sealed8.jsonl")
        # The third sealed set is a guard of its own (below); the all-cases floors were set
        # before it existed and stay about the sets they were set on.
        if name is None and f.name in ("external_sealed3.jsonl", "external_sealed4.jsonl",
                                       "external_sealed5.jsonl", "external_sealed6.jsonl",
                                       "external_sealed7.jsonl", "external_sealed8.jsonl"):
            continue
        if name is None or f.name == name or (name == "tuning" and f.name not in held):
            out += [Case.from_json(json.loads(line)) for line in f.read_text("utf-8").splitlines()
                    if line.strip()]
    return out


def test_size_and_coverage() -> None:
    cases = load()
    assert len(cases) >= 400
    assert {c.group for c in cases} >= GROUPS
    for lang in ("fi", "sv", "en"):
        assert sum(c.lang == lang for c in cases) >= 100
    for level in range(5):
        assert sum(c.severity == level for c in cases) >= 20
    # Written before tuning on them: the held-out set and the blind sets.
    held = sum(len(load(f"{n}.jsonl")) for n in (
        "heldout", "blind", "blind2", "blind3", "blind4", "blind5", "blind6",
        "blind7", "blind8", "blind9", "blind10"))
    assert held >= 0.2 * len(cases)


def test_no_duplicate_texts() -> None:
    # The external files are not ours to edit; one of their texts may repeat one of ours.
    ours = [f.name for f in sorted(CASES.glob("*.jsonl")) if not f.name.startswith("external_")]
    texts = [c.text for n in ours for c in load(n)]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(
    "name", ["external_a.jsonl", "external_b.jsonl", "external_c.jsonl", "external_d.jsonl"])
def test_floors_external(name: str) -> None:
    """Independent sets (writer never saw the rules; tuned on after their recorded first run)."""
    s = summarise(run(load(name), detect))
    assert s["recall_high"] >= 0.85
    assert s["recall_imminent"] >= 0.8
    assert s["false_alarm"] <= 0.03  # external b: 2 of 80 (docs/detection.md)


def test_sealed_set_regression_guard() -> None:
    """The sealed independent set was run once at c859f0f and never tuned on (docs/detection.md,
    "The sealed set"): recall 0.717, false alarms 5 of 80. These floors only guard against a
    rule change that makes unseen wording worse; they are not the aim (0.97 / 3 %)."""
    s = summarise(run(load("external_sealed.jsonl"), detect))
    assert s["recall_high"] >= 0.65
    assert s["recall_imminent"] >= 0.7
    assert s["false_alarm"] <= 0.1


def test_second_sealed_set_regression_guard() -> None:
    """The second sealed set was written blind and run once before and once after the second
    generation (docs/detection.md, "The second sealed set"): 0.741 / 0.760 / 12.6 %. The floors
    guard against a change that makes unseen wording worse; they are not the aim."""
    s = summarise(run(load("external_sealed2.jsonl"), detect))
    assert s["recall_high"] >= 0.70
    assert s["recall_imminent"] >= 0.70
    assert s["false_alarm"] <= 0.15


def test_third_sealed_set_regression_guard() -> None:
    """The third sealed set (480 lines, written blind by someone who saw neither the rules nor the
    data) was run once before the third round (c852b9c: 0.713 / 0.642 / 9.2 %) and once after it
    (0.688 / 0.658 / 7.5 %); docs/detection.md, "The third sealed set". Floors only."""
    s = summarise(run(load("external_sealed3.jsonl"), detect))
    assert s["recall_high"] >= 0.65
    assert s["recall_imminent"] >= 0.60
    assert s["false_alarm"] <= 0.10


def test_fourth_sealed_set_regression_guard() -> None:
    """The fourth sealed set (480 lines, written blind on 2026-12-03 by someone shown only the
    level scale) was run once before the fourth round (main 6fedcf1: 0.654 / 0.692 / 0.8 %) and
    once after it (0.654 / 0.692 / 0.8 % as shipped; 0.704 / 0.708 / 0.8 % with the retrained
    model, which was not shipped: it failed the second set's guard); docs/detection.md, "The
    fourth sealed set". Floors only: nothing is tuned on it."""
    s = summarise(run(load("external_sealed4.jsonl"), detect))
    assert s["recall_high"] >= 0.62
    assert s["recall_imminent"] >= 0.65
    assert s["false_alarm"] <= 0.05


def test_fifth_sealed_set_regression_guard() -> None:
    """The fifth sealed set (480 lines, written blind on 2026-12-03 by a helper shown only the
    level scale) was run once on main 649ded9, the detector unchanged since the fourth round:
    0.721 / 0.575 / 6.7 % (rules alone 0.467 / 0.342 / 6.7 %); docs/detection.md, "The fifth
    sealed set". No fifth round was made; floors only, nothing is tuned on it."""
    s = summarise(run(load("external_sealed5.jsonl"), detect))
    assert s["recall_high"] >= 0.69
    assert s["recall_imminent"] >= 0.54
    assert s["false_alarm"] <= 0.09


def test_sixth_sealed_set_regression_guard() -> None:
    """The sixth sealed set (480 lines, written blind on 2026-12-04 by a helper shown only the
    level scale; a new kind "mixed" mixes two of the languages in one line) was run once before
    the fifth round landed (main fe04f68: 0.658 / 0.758 / 7.5 %) and once after it (0.671 /
    0.742 / 6.7 %; rules alone 0.404 / 0.467 / 5.0 %); docs/detection.md, "The sixth sealed
    set". Floors only, a little under the figures; nothing is tuned on it."""
    s = summarise(run(load("external_sealed6.jsonl"), detect))
    assert s["recall_high"] >= 0.64
    assert s["recall_imminent"] >= 0.71
    assert s["false_alarm"] <= 0.09


def test_seventh_sealed_set_regression_guard() -> None:
    """The seventh sealed set (480 lines, written blind on 2026-12-04 by a helper shown only the
    level table, with no access to the repository) was run once on int3 3de4690, the fifth
    round (0.721 / 0.642 / 10.8 %; rules alone 0.463 / 0.408 / 10.0 %), and once on the sixth
    round as landed (0.729 / 0.717 / 10.8 %; rules alone unchanged); docs/detection.md, "The
    seventh sealed set". Floors only, a little under the figures; nothing is tuned on it."""
    s = summarise(run(load("external_sealed7.jsonl"), detect))
    assert s["recall_high"] >= 0.71
    assert s["recall_imminent"] >= 0.70
    assert s["false_alarm"] <= 0.12


def test_eighth_sealed_set_regression_guard() -> None:
    """The eighth sealed set (480 lines, written blind on 2026-12-04 by a helper with no access
    to the repository, shown only the level table) was run once on main 0d6b945, the sixth round
    (0.764 / 0.689 / 10.7 %; rules alone 0.472 / 0.411 / 9.5 %), and once on the seventh round
    as landed (0.744 / 0.711 / 6.5 %; rules alone 0.472 / 0.411 / 7.1 %); docs/detection.md, "The
    eighth sealed set". Floors only, a little under the figures; nothing is tuned on it."""
    s = summarise(run(load("external_sealed8.jsonl"), detect))
    assert s["recall_high"] >= 0.73
    assert s["recall_imminent"] >= 0.69
    assert s["false_alarm"] <= 0.08


@pytest.mark.parametrize("subset", ["tuning", "heldout.jsonl"])
def test_floors(subset: str) -> None:
    s = summarise(run(load(subset), detect))
    assert s["recall_high"] >= 0.95
    assert s["recall_imminent"] >= 0.9
    assert s["false_alarm"] <= 0.03
    assert s["exact"] >= 0.85


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_floors_per_language(lang: str) -> None:
    s = summarise(run([c for c in load() if c.lang == lang], detect))
    assert s["recall_high"] >= 0.9 and s["false_alarm"] <= 0.05
