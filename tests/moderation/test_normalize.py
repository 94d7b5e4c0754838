"""Normalisation: each obfuscation, the offset map, and what must NOT change."""

from __future__ import annotations

import pytest

from moderation import default_detector
from moderation.normalize import Normalised, fold_diacritics, normalise


@pytest.fixture(scope="module")
def tables():
    return default_detector()._c.norm


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｋｉｌｌ", "kill"),  # fullwidth
        ("𝗸𝗶𝗹𝗹", "kill"),  # mathematical sans-serif bold (astral)
        ("𝓈𝓊𝒾𝒸𝒾𝒹𝑒", "suicide"),  # mathematical script
        ("ki\u200bll", "kill"),  # zero-width space (Cf)
        ("ki\u200d\u200cll", "kill"),  # zero-width joiner / non-joiner
        ("su\u00adicide", "suicide"),  # soft hyphen
        ("k\u2060ill", "kill"),  # word joiner
        ("ki\ufe0fll", "kill"),  # variation selector (explicit strip list, not Cf)
        ("kіll", "kill"),  # Cyrillic і
        ("mуsеlf", "myself"),  # Cyrillic у, е
        ("κill", "kill"),  # Greek kappa
        ("ΚΙLL", "kill"),  # Greek capitals lower-case to κ/ι, then the table
        ("KILL", "kill"),
        ("don’t", "don't"),  # typographic apostrophe
    ],
)
def test_obfuscations_fold(tables, raw: str, expected: str) -> None:
    assert normalise(raw, tables).text == expected


@pytest.mark.parametrize("word", ["äiti", "öljy", "åker", "ÄÖÅ", "itseäni"])
def test_nordic_letters_are_kept(tables, word: str) -> None:
    assert normalise(word, tables).text == word.lower()


def test_decomposed_umlaut_composes(tables) -> None:
    assert normalise("ja\u0308tti", tables).text == "jätti"


def test_sharp_s_is_not_casefolded(tables) -> None:
    # JavaScript has no casefold: both runtimes use plain lower-casing.
    assert normalise("Straße", tables).text == "straße"


def test_offset_map_points_into_original(tables) -> None:
    raw = "a\u200b𝗸ä"
    n = normalise(raw, tables)
    assert n.text == "akä"
    assert n.original_span(1, 2) == (2, 3)  # the astral letter is one code point
    assert n.original_span(2, 3) == (3, 4)
    assert n.original_span(0, 3) == (0, 4)


def test_expansion_keeps_span(tables) -> None:
    n = normalise("ﬁne", tables)  # ligature expands to two characters
    assert n.text == "fine"
    assert n.original_span(0, 2) == (0, 1)


def test_repr_hides_text(tables) -> None:
    n = normalise("I want to die", tables)
    assert "die" not in repr(n)
    assert isinstance(n, Normalised)


def test_fold_diacritics() -> None:
    assert fold_diacritics("enää elää åker") == "enaa elaa aker"
