"""Violence happening now (issue 13: none was found in any language): an armed person, an
attack going on, a break-in, hiding, a threat against the writer, combined, are imminent."""

from __future__ import annotations

import pytest

from moderation import default_detector

NOW = [
    ("my stepdad has a knife and he is banging on my door", "en"),
    ("someone is trying to break in and im hiding under the bed", "en"),
    ("he is choking me right now", "en"),
    ("isällä on puukko ja se uhkaa tappaa meidät", "fi"),
    ("joku yrittää tulla sisään ja mä oon piilossa", "fi"),
    ("han slår mig nu, jag är rädd", "sv"),
    ("någon försöker bryta sig in och jag gömmer mig", "sv"),
]

EVERYDAY = [
    ("i need a sharper knife for the onions now", "en"),
    ("we are hiding easter eggs under the bed for the kids", "en"),
    ("fortnitessa mua ammuttiin heti alussa", "fi"),
    ("leikattiin leipää veitsellä nyt aamulla", "fi"),
    ("vi gömmer oss för regnet under taket nu", "sv"),
    ("he is beating me at chess again lol", "en"),
]


@pytest.mark.parametrize(("text", "lang"), NOW)
def test_violence_now_is_imminent(text: str, lang: str) -> None:
    d = default_detector().rules_only(text, lang)
    assert d.severity == 4 and "violence" in d.categories, d.rule_ids


@pytest.mark.parametrize(("text", "lang"), EVERYDAY)
def test_everyday_lookalikes_are_not(text: str, lang: str) -> None:
    assert default_detector().rules_only(text, lang).severity < 2
