"""Tokeniser: the explicit word rule, apostrophes, leet, stretching, spacing, numbers, breaks."""

from __future__ import annotations

import pytest

from moderation import default_detector
from moderation.normalize import normalise
from moderation.tokenize import collapse_runs, token_forms, tokenize


@pytest.fixture(scope="module")
def c():
    return default_detector()._c


def toks(c, text: str):
    return tokenize(normalise(text, c.norm).text, c.leet)


def firsts(c, text: str) -> list[str]:
    return [t.forms[0] for t in toks(c, text)]


def test_letters_by_unicode_category_not_ascii(c) -> None:
    # \w in JavaScript would split "itseäni"; the category rule does not.
    assert firsts(c, "itseäni, självmord; øre") == ["itseäni", "självmord", "øre"]


def test_apostrophe_joins(c) -> None:
    assert firsts(c, "I don't can’t 'quoted'") == ["i", "dont", "cant", "quoted"]


def test_leet_decoding(c) -> None:
    assert firsts(c, "k1ll mys3lf $uicide") == ["kill", "myself", "suicide"]


def test_numbers_stay_numbers(c) -> None:
    ts = toks(c, "40 pills 800mg 2nd")
    assert [t.number for t in ts] == [40, None, 800, 2]
    assert ts[0].forms == ("40",)


def test_trailing_symbol_is_not_a_letter(c) -> None:
    assert firsts(c, "help! now$") == ["help", "now"]


def test_stretch_collapses_to_two_then_one() -> None:
    assert collapse_runs("kuoleeeen", 2) == "kuoleen"
    assert collapse_runs("kuoleeeen", 1) == "kuolen"
    assert collapse_runs("tuuli", 1) == "tuuli"  # runs of two are meaning, not stretching
    assert collapse_runs("1000", 1) == "1000"  # digits never stretch


def test_token_forms_order() -> None:
    assert token_forms("diiie", {}) == ("diie", "die")
    assert token_forms("tuli", {}) == ("tuli",)
    assert token_forms("k1ll", {"1": "i"}) == ("kill", "k1ll")


def test_spaced_letters_join(c) -> None:
    ts = toks(c, "k i l l  m y s e l f please")
    assert ts[0].forms[0] == "killmyself" and ts[0].joined
    assert ts[1].forms[0] == "please"


def test_spaced_needs_three_letters(c) -> None:
    assert firsts(c, "a b") == ["a", "b"]
    assert firsts(c, "s.u.i.c.i.d.e") == ["suicide"]


def test_clause_and_sentence_breaks(c) -> None:
    ts = toks(c, "no, I. want")
    assert [t.clause_break for t in ts] == [False, True, True]
    assert [t.sentence_break for t in ts] == [False, False, True]


def test_spans_are_normalised_offsets(c) -> None:
    ts = toks(c, "ab  cd")
    assert [(t.start, t.end) for t in ts] == [(0, 2), (4, 6)]
