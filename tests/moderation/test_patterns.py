"""The pattern language and its compiler: tokens, alternatives, optional tokens, gaps,
prefixes, classes, numbers, folding, errors, and the first-token index."""

from __future__ import annotations

import pytest

from moderation.data import DataError
from moderation.patterns import Matcher, PatternError, parse_pattern
from tests.moderation.synthetic import base_data, detector, entry


def rules(det, text: str) -> list[str]:
    return [m.rule for m in det.detect(text, "en").matches]


def test_exact_sequence_and_alternatives() -> None:
    det = detector([entry("a", ["want|wanna to die"])])
    assert rules(det, "I want to die") == ["a"]
    assert rules(det, "I wanna to die") == ["a"]
    assert rules(det, "I want to dine") == []
    assert rules(det, "I to want die") == []


def test_optional_token() -> None:
    det = detector([entry("a", ["take my own? life"])])
    assert rules(det, "take my life") == ["a"]
    assert rules(det, "take my own life") == ["a"]
    assert rules(det, "take own life") == []


def test_gap_bounds() -> None:
    det = detector([entry("a", ["want {0,2} die"])])
    assert rules(det, "want die") == ["a"]
    assert rules(det, "want to really die") == ["a"]
    assert rules(det, "want to really truly die") == []


def test_gap_does_not_cross_sentence() -> None:
    det = detector([entry("a", ["want {0,2} die"])])
    assert rules(det, "I want. To die") == []


def test_prefix_matches_inside_compounds_only_at_start() -> None:
    det = detector([entry("a", ["itsemurh*"])])
    assert rules(det, "itsemurhaajatuksia") == ["a"]
    assert rules(det, "itsemurhan") == ["a"]
    assert rules(det, "ei-itsemurha") == ["a"]  # hyphen splits the compound into tokens
    assert rules(det, "emurha") == []


def test_prefix_in_later_position() -> None:
    det = detector([entry("a", ["ajat* itsemurh*"])])
    assert rules(det, "ajattelen itsemurhaa") == ["a"]


def test_classes_and_numbers() -> None:
    det = detector([entry("a", ["took #qty @p"]), entry("b", ["took #num x"])],
                   classes={"p": ["pills", "tabl*"]}, quantity_min=10)
    assert rules(det, "took 30 pills") == ["a"]
    assert rules(det, "took 30 tabletter") == ["a"]
    assert rules(det, "took 2 pills") == []  # below quantity_min
    assert rules(det, "took 2 x") == ["b"]


def test_fold_only_in_multiword_patterns() -> None:
    det = detector([entry("multi", ["jaksa enää"]), entry("single", ["elää"])])
    assert rules(det, "jaksa enaa") == ["multi"]
    assert rules(det, "elaa") == []
    det2 = detector([entry("single", ["elää"], fold=True)])
    assert rules(det2, "elaa") == ["single"]


def test_spaced_letters_match_multiword_pattern() -> None:
    det = detector([entry("a", ["kill {0,1} myself"])])
    assert rules(det, "k i l l m y s e l f") == ["a"]


def test_spans_point_to_original_text() -> None:
    det = detector([entry("a", ["kill myself"])])
    text = "ok\u200b 𝗸𝗶𝗹𝗹 myself!"
    (m,) = det.detect(text).matches
    assert text[m.span[0]:m.span[1]] == "𝗸𝗶𝗹𝗹 myself"


def test_shortest_match_wins_and_same_entry_does_not_overlap() -> None:
    det = detector([entry("a", ["die {0,3} die"])])
    spans = [m.span for m in det.detect("die die die die").matches]
    assert spans == [(0, 7), (8, 15)]  # (4, 11) overlaps the first and is dropped


@pytest.mark.parametrize(
    "bad", ["want {0,9} die", "want {a,b} die", "@nosuchclass", "", "{0,1}", "a*b", "x|"]
)
def test_bad_patterns_are_refused(bad: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(bad, {}, str.lower, False, "t")


def test_bad_entries_are_refused() -> None:
    for broken in (
        entry("a", ["x"], severity=7),
        entry("a", ["x"], negation="sometimes"),
        entry("a", ["x"], category="nope"),
    ):
        data = base_data()
        data["lexicon"] = [broken]
        with pytest.raises(DataError):
            from moderation import build_detector

            build_detector(data)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(DataError):
        detector([entry("a", ["x"]), entry("a", ["y"])])


def test_index_cost_does_not_grow_with_lexicon() -> None:
    # 2,000 entries whose first tokens never occur in the text: no candidate is even tried.
    seqs = []
    for i in range(2000):
        seqs.extend((i, s) for s in parse_pattern(f"w{i}x tail", {}, str.lower, False, "t"))
    m = Matcher(seqs, 10)
    from moderation.normalize import NormTables, normalise
    from moderation.tokenize import tokenize

    toks = tokenize(normalise("an ordinary line with words", NormTables({}, frozenset())).text, {})
    assert all(m._candidates(t, None) == [] for t in toks)
    toks2 = tokenize("w1999x tail", {})
    assert [r.entry for r in m.find(toks2)] == [1999]


def test_suffix_matches_compound_heads() -> None:
    det = detector([entry("a", ["otin kaikki *lääkkeet|*tabletit"])])
    assert rules(det, "otin kaikki mielialalääkkeet") == ["a"]
    assert rules(det, "otin kaikki unitabletit") == ["a"]
    assert rules(det, "otin kaikki lääkkeetkin") == []
