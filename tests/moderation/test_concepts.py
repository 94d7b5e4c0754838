"""Compositional rules: concepts combine only inside their scope (clause, sentence, message),
negation or a third-person subject stops them, and doxxing is marked beside personal data."""

from __future__ import annotations

import pytest

from moderation import crisis_severity, detect
from moderation.data import DataError, compile_data, load_default_data


def rules(text: str, lang: str | None = None) -> set[str]:
    return {m.rule for m in detect(text, lang).matches if m.severity > 0}


@pytest.mark.parametrize(("text", "lang", "level"), [
    # want + die in one clause, words between them and inflected forms
    ("honestly i just want to be dead", "en", 2),
    ("toivoisin et vaan kuolisin unissani", "fi", 2),
    ("jag önskar att jag bara kunde dö", "sv", 2),
    # intent + die / kill oneself
    ("oon päättäny et mä kuolen", "fi", 3),
    # taking all the means + a time
    ("tänä yönä otan kaikki unilääkkeet kerralla", "fi", 4),
    ("ikväll tar jag alla tabletter", "sv", 4),
    # a farewell with a place and a method verb
    ("goodbye everyone. i'm standing on the roof", "en", 4),
])
def test_concepts_combine(text: str, lang: str, level: int) -> None:
    assert detect(text, lang).severity == level


@pytest.mark.parametrize(("text", "lang"), [
    # the concepts are there, but in different clauses or sentences
    ("I want a coffee. My grandpa died years ago", "en"),
    ("haluun kahvia, mummo kuoli kauan sitten", "fi"),
    # negated want
    ("I don't want to die, I want to get better", "en"),
    # places without a method verb, means without collecting, everyday plans
    ("I'm going to take the train tomorrow morning", "en"),
    ("jag ska ta tåget imorgon", "sv"),
    ("aion mennä junalla huomenna Tampereelle", "fi"),
    ("I'm at the bar right now but only having soda, proud of myself", "en"),
])
def test_concepts_stay_quiet(text: str, lang: str) -> None:
    assert detect(text, lang).severity < 2


def test_scope_clause_versus_message() -> None:
    assert "combo.c.wish_die" in rules("i want to die")
    assert "combo.c.wish_die" not in rules("i want pizza, the plant will die")


def test_excludes_block_a_group() -> None:
    # c_other in the same clause stops the self-combination
    assert "combo.c.plan_die" not in rules("my brother is going to die", "en")


def test_bad_scope_is_rejected() -> None:
    data = load_default_data()
    data["combinations"] = [*data["combinations"], {
        "id": "combo.bad", "requires": ["c_wish"], "severity": 2, "category": "suicide",
        "within": "paragraph"}]
    with pytest.raises(DataError):
        compile_data(data)


@pytest.mark.parametrize(("text", "doxx"), [
    ("his address is Hämeenkatu 10 A 5", True),
    ("her number: 040 123 4567", True),
    ("hennes nummer är 070 765 43 21", True),
    ("sen numero on 050 987 6543", True),
    ("my number is 040 123 4567", False),
    ("mun numero on 050 987 6543", False),
    ("soita 045-1234567", False),
    ("040 123 4567. he said hi", False),
])
def test_doxxing_beside_personal_data(text: str, doxx: bool) -> None:
    d = detect(text)
    assert "personal_data" in d.categories
    assert ("doxxing" in d.categories) is doxx
    assert crisis_severity(d) == 0  # neither is the writer's own crisis


def test_class_words_are_single_tokens() -> None:
    """A class word with a space can never match (tokens have no spaces): write the phrase as a
    pattern instead ("cant stop" was once a class word)."""
    from moderation.data import load_default_data

    data = load_default_data()
    bad = [(name, w) for name, words in data["classes"].items() for w in words if " " in w]
    assert bad == []
