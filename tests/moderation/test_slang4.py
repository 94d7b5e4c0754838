"""Finnish and Swedish slang for suicide and overdose (fourth round), with the everyday and
recovery lines that share the words. Examples written for this test, not taken from any case
file."""

from __future__ import annotations

import pytest

from moderation import default_detector

SLANG = [
    ("vedin överit just äsken", "fi", 4),
    ("otin överit ja nyt huimaa", "fi", 4),
    ("haluun heittää veivit", "fi", 2),
    ("tekis mieli vetää ittensä hirteen", "fi", 3),
    ("tänker checka ut för gott ikväll", "sv", 4),
    ("funderar på att göra slut på mig", "sv", 3),
]
EVERYDAY = [
    ("mä delaan nauruun tän videon takia", "fi"),
    ("se heitti veivit jo viime vuonna, se vanha auto", "fi"),
    ("vedin överit kahvia aamulla, nyt tärisee", "fi"),
    ("otin kerran överit kauan sitte, nyt oon ollu puhdas kolme vuotta", "fi"),
    ("vi checkar ut från hotellet klockan tolv", "sv"),
    ("jag gjorde slut med min pojkvän igår", "sv"),
]


@pytest.mark.parametrize(("text", "lang", "level"), SLANG)
def test_slang_is_found_by_the_rules(text: str, lang: str, level: int) -> None:
    assert default_detector().rules_only(text, lang).severity >= level


@pytest.mark.parametrize(("text", "lang"), EVERYDAY)
def test_the_same_words_in_everyday_and_recovery_talk_stay_quiet(text: str, lang: str) -> None:
    assert default_detector().rules_only(text, lang).severity < 2
