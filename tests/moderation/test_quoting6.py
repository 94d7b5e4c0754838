"""Sixth round (issue 13): supportive quoting and negated answers the rules used to raise
(docs/detection.md, "Sixth round"). Every line here was written for this test, in the kinds the
fifth-round data showed, not copied from a data or case file: single quotes as quotation marks
(also around a whole combination), a phrase mentioned as a topic ("telling someone to ...",
"if you see kys ..."), a message or comment as the speaker of a speech frame or named by the
phrase ("kys comments"), direct questions
and a Finnish "en" standing alone as the answer, and "selvin päin" (sober). Each group fails on
the fifth round's rules; the real crises written in the same frames stay high."""

from __future__ import annotations

import pytest

from moderation import default_detector
from moderation.verdict import quoted_ranges

SINGLE_QUOTED = [
    ("'hang yourself' is not banter, mods take it seriously", "en"),
    ("'tapa ittes' ei oo mikään vitsi, modet hoitaa", "fi"),
    ("'häng dig' är inget skämt, modsen tar det på allvar", "sv"),
    ("the reply was 'kill yourself' and i don't agree with it", "en"),
]
QUOTED_COMBINATIONS = [
    ("someone's note: 'nobody would miss you, just die'. that's a lie, we would", "en"),
    ("joku kirjotti: 'kukaan ei kaipaa sua, kuole pois'. valetta, me kaivataan", "fi"),
    ("i tråden stod det: 'ingen saknar dig, dö bara'. vi saknar dig", "sv"),
]
TOPICS = [
    ("telling people to kill themselves will get you banned, just so you know", "en"),
    ("stop telling someone to kill themselves, it's not edgy", "en"),
    ("att säga åt nån att ta livet av sig är aldrig ok här", "sv"),
    ("if you see kys in a thread, flag it and move on", "en"),
    ("jos näet kys viestissä, ilmota modeille", "fi"),
    ("om du ser kys i tråden, flagga det", "sv"),
]
MESSAGE_SPEAKERS = [
    ("the comment telling you to kys is gone now, we got you", "en"),
    ("inlägget om att du ska hänga dig är borttaget nu", "sv"),
]
# A harassment phrase right before a message noun names a kind of message (mention_after).
MESSAGE_KINDS = [
    ("kys comments are against the rules here", "en"),
    ("ilmota kaikki tapa ittes -viestit modeille", "fi"),
    ("kys-kommentarer är förbjudna här", "sv"),
]
ANSWERS = [
    ("my doctor asked do i want to end my life, and honestly no", "en"),
    ("he asked am i going to kill myself tonight, no, i'm safe", "en"),
    ("lääkäri kysyi aionko tappaa itteni, en, ja se on totta", "fi"),
    ("äiti kysyi itsemurha-ajatuksista, vastasin että ei", "fi"),
    ("nån frågade är du självmordsbenägen, och ärligt talat nej", "sv"),
]
SOBER = [
    ("oon ollu selvin päin kuukauden, tänään tuntuu hyvältä", "fi"),
    ("nyt oon selvin päin ja se tuntuu hyvältä", "fi"),
]
STILL_CRISES = [
    ("you're a loser, kys and don't come back", "en", 3),
    ("'ok' i said, but i'm going to kill myself tonight", "en", 4),
    ("'okei' sanoin, mut mä tapan itteni tänään", "fi", 4),
    ("'okej' sa jag, men jag tar livet av mig ikväll", "sv", 4),
    ("if you see this i'm taking all my pills tonight", "en", 4),
    ("om du ser det här tar jag alla mina tabletter ikväll", "sv", 4),
    ("jos näet tän, mä otan kaikki mun pillerit tänään", "fi", 4),
    ("telling you now, kys", "en", 3),
    ("kys loser, nobody wants your posts", "en", 3),
    ("tapa ittes, kukaan ei lue sun viestejä", "fi", 3),
    # "en" opening a longer clause is no answer ("I can't promise anything").
    ("kysyit aionko tappaa itteni, en pysty lupaamaan mitään", "fi", 3),
    ("she asked do i want to die and honestly yes", "en", 2),
    ("seison sillalla nyt ja en jaksa", "fi", 4),
]


def _rules(text: str, lang: str) -> int:
    return default_detector().rules_only(text, lang).severity


@pytest.mark.parametrize(("text", "lang"), SINGLE_QUOTED + QUOTED_COMBINATIONS)
def test_harassment_in_single_quotes_is_quoted(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity < 2 and "harassment" not in d.categories, d
    assert any("quoted" in m.flags for m in d.matches)
    assert not any("model" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), [QUOTED_COMBINATIONS[0], QUOTED_COMBINATIONS[2]])
def test_a_combination_inside_a_quotation_is_quoted_too(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    combos = [m for m in d.matches if "combination" in m.flags]
    assert combos and all(m.severity == 0 and "quoted" in m.flags for m in combos), d


@pytest.mark.parametrize(("text", "lang"), TOPICS + MESSAGE_SPEAKERS + MESSAGE_KINDS)
def test_a_phrase_mentioned_as_a_topic_or_a_messages_words_is_not_raised(
        text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity < 2, d
    assert any({"quoted", "reported"} & set(m.flags) for m in d.matches)
    assert not any("model" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), ANSWERS)
def test_a_no_to_a_direct_question_is_an_answer(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity < 2, d
    assert any("answered" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), SOBER)
def test_selvin_paein_is_sober_not_a_place(text: str, lang: str) -> None:
    assert default_detector().detect(text, lang).severity < 2


@pytest.mark.parametrize(("text", "lang", "level"), STILL_CRISES)
def test_real_crises_in_the_same_frames_stay(text: str, lang: str, level: int) -> None:
    assert _rules(text, lang) >= level
    assert default_detector().detect(text, lang).severity >= level


@pytest.mark.parametrize(("text", "want"), [
    ("'kys' is not ok", [(0, 4)]),
    ("don't say 'kys', it's cruel", [(10, 14)]),
    ("it's ok, i'm fine", []),
    ("the kids' toys and 'this'", [(19, 24)]),
    ('he said "no" and \'yes\'', [(8, 11), (17, 21)]),
    ("'unclosed quote here", []),
])
def test_single_quote_pairs_are_at_word_edges(text: str, want: list[tuple[int, int]]) -> None:
    assert quoted_ranges(text) == want
