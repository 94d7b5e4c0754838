"""Conversational context (issue 13, third round): a "no" to a question someone asked the
writer, support addressed to the reader, and harassment reported to condemn it are set aside
by the rules, and then the learned model may not raise them either. Real crises in the same
frames stay high."""

from __future__ import annotations

import pytest

from moderation import default_detector

NEGATED_ANSWERS = [
    ("the nurse asked if i have suicidal thoughts. no, honestly. just tired", "en"),
    ("she asked if i wanted to kill myself and i said no", "en"),
    ("hoitaja kysy onks mulla itsetuhosia ajatuksia. ei oo, oon vaan väsyny", "fi"),
    ("terapeutti kysyi ajattelenko itsemurhaa, vastasin ettei, ja se on totta", "fi"),
    ("sköterskan frågade om jag har självmordstankar. nej, är bara trött", "sv"),
]
ADDRESSED = [
    ("if you feel you cant go on, ring the crisis line, they answer at night too", "en"),
    ("if u ever think about ending your life, talk to us first", "en"),
    ("jos sulla on itsetuhosia ajatuksia, soita kriisipuhelimeen", "fi"),
    ("om du tänker på självmord, ring självmordslinjen direkt", "sv"),
]
REPORTED_HARASSMENT = [
    ("if someone tells you to kill yourself it's not true, report it", "en"),
    ("jos joku sanoo sulle et tapa ittes, se ei oo totta", "fi"),
    ("om nån säger åt dig att ta livet av dig så är det inte sant", "sv"),
]
STILL_CRISES = [
    ("if you leave me tonight i will kill myself", "en", 3),
    ("she asked if i wanted to kill myself and no one listened to my answer", "en", 3),
    ("hoitaja kysy onks mulla itsetuhosia ajatuksia, no on kyl", "fi", 2),
    ("jos sä lähet nyt mä tapan itteni", "fi", 3),
    ("om du går nu tar jag livet av mig ikväll", "sv", 3),
    ("kys, nobody here would miss you", "en", 3),
]


@pytest.mark.parametrize(("text", "lang"), NEGATED_ANSWERS)
def test_no_to_a_question_is_not_a_crisis(text: str, lang: str) -> None:
    det = default_detector()
    d = det.detect(text, lang)
    assert d.severity < 2, d
    assert any("answered" in m.flags for m in d.matches)
    assert not any("model" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), ADDRESSED)
def test_support_addressed_to_the_reader_is_not_the_writers_crisis(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity < 2, d
    assert not any("model" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), REPORTED_HARASSMENT)
def test_harassment_reported_to_condemn_it_is_not_harassment(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert "harassment" not in d.categories and d.severity < 2, d
    assert any("quoted" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang", "level"), STILL_CRISES)
def test_crises_in_the_same_frames_stay(text: str, lang: str, level: int) -> None:
    assert default_detector().detect(text, lang).severity >= level


def test_set_aside_words_keep_the_model_out() -> None:
    """The model may not raise a message whose crisis phrase the rules set aside by context;
    without the context the same words are raised (by the rules or the model)."""
    det = default_detector()
    text = "the nurse asked if i have suicidal thoughts. no, honestly. just tired"
    assert det.detect(text, "en").severity < 2
    assert det.detect("i have suicidal thoughts, honestly. just tired", "en").severity >= 2


@pytest.mark.parametrize(("text", "lang"), [
    ('you wrote yesterday "i dont want to live anymore", how are you today?', "en"),
    ('kirjotit eilen et "haluun vaan kuolla", miten sä voit tänään?', "fi"),
    ("när du sa ”jag är en börda” blev jag ledsen, för det är inte sant", "sv"),
    ("you asked earlier if i want to die. i dont, im just sad", "en"),
])
def test_the_readers_words_quoted_back_are_not_the_writers_crisis(text: str, lang: str) -> None:
    assert default_detector().detect(text, lang).severity < 2


def test_own_words_in_quotes_stay() -> None:
    # No source named: the writer's own thought in quotation marks is still theirs.
    assert default_detector().detect('i keep thinking "i want to die" all night', "en").severity >= 2
