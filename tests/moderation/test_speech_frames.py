"""Quoting in support by clause structure (issue 13, fourth round): a cruel phrase that is the
object of someone else's speech verb in its clause ("people who write kys ...", "ne jotka
huutelee tapa ittes ...", "dem som skriver ta livet av dig") is reported to condemn it, not
aimed at the reader; the writer's own speech, harassment without a speech frame, and threats
against the writer stay. Examples written for this test, not taken from any case file."""

from __future__ import annotations

import pytest

from moderation import default_detector

CONDEMNED = [
    ("people who write kys under posts are the worst", "en"),
    ("the guy who said you should die got banned, good riddance", "en"),
    ("anyone who says kill yourself to a stranger needs help themselves", "en"),
    ("whoever typed hope you die in your dms is a coward", "en"),
    ("the comments that said go die are gone now, mods removed them", "en"),
    ("ne jotka huutelee tapa ittes on ääliöitä", "fi"),
    ("se tyyppi joka kirjotti sulle hirttäydy bannattiin", "fi"),
    ("ne kommentit jotka sano et kuole pois on poistettu", "fi"),
    ("strunta i folk som skriver häng dig", "sv"),
    ("jag anmälde kontot som skrev hoppas du dör till dig", "sv"),
    ("kommentarerna som sa hoppas du dör är borta nu", "sv"),
]
AIMED = [
    ("kys", "en"),
    ("im telling you kys", "en"),
    ("i keep saying it: kys", "en"),
    ("everyone who reads this should kill yourself", "en"),
    ("sä oot säälittävä, tapa ittes", "fi"),
    ("mä sanon sulle vaan et tapa ittes", "fi"),
    ("jag skriver det igen, ta livet av dig", "sv"),
    ("du är äcklig, gå och dö", "sv"),
]


@pytest.mark.parametrize(("text", "lang"), CONDEMNED)
def test_harassment_in_someone_elses_speech_is_not_aimed_at_the_reader(
        text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity < 2 and "harassment" not in d.categories, d
    assert any("quoted" in m.flags for m in d.matches)
    assert not any("model" in m.flags for m in d.matches)


@pytest.mark.parametrize(("text", "lang"), CONDEMNED)
def test_the_same_phrase_without_the_frame_is_harassment(text: str, lang: str) -> None:
    """The frame, not the words, sets it aside: the harassment match alone stays 3."""
    d = default_detector().detect(text, lang)
    quoted = [m for m in d.matches if "quoted" in m.flags]
    phrase = text[quoted[0].span[0]:quoted[0].span[1]]
    assert default_detector().detect(phrase, lang).severity >= 3, phrase


@pytest.mark.parametrize(("text", "lang"), AIMED)
def test_harassment_aimed_at_the_reader_stays(text: str, lang: str) -> None:
    d = default_detector().detect(text, lang)
    assert d.severity >= 3 and "harassment" in d.categories, d


def test_a_threat_told_to_the_writer_is_never_reported_away() -> None:
    """Threats are speech: "someone shouts that he will kill me" keeps its level."""
    det = default_detector()
    for text, lang in (("mun ovella on joku joka huutaa et se tappaa mut, se yrittää murtautua",
                        "fi"),):
        d = det.detect(text, lang)
        assert d.severity >= 3 and not any("reported" in m.flags for m in d.matches), d


OWN_AFTER_FRAME = [
    ("the nurse who texted this morning thinks im fine but i want to die", "en"),
    ("se joka kirjotti mulle aamulla luulee et mä oon ok vaikka mä haluun kuolla", "fi"),
    ("hon som skrev i morse tror att jag mår bra fast jag vill dö", "sv"),
]


@pytest.mark.parametrize(("text", "lang"), OWN_AFTER_FRAME)
def test_own_words_after_someone_elses_speech_stay_the_writers(text: str, lang: str) -> None:
    """A first-person word between the speech verb and the phrase: the writer's own crisis."""
    d = default_detector().detect(text, lang)
    assert d.severity >= 2, d
    assert not any("reported" in m.flags for m in d.matches)


CONTRAST = [
    ("they said it gets better but i still want to kill myself", "en", 3),
    ("kaikki sanoo et kyl se siitä mut mä haluun kuolla", "fi", 2),
    ("alla säger att det blir bättre men jag vill dö", "sv", 2),
]
STILL_REPORTED = [
    ("my sister said she wants to die, im scared for her", "en"),
    ("kaveri sano et se haluu kuolla", "fi"),
]


@pytest.mark.parametrize(("text", "lang", "level"), CONTRAST)
def test_a_contrast_word_ends_the_reported_speech(text: str, lang: str, level: int) -> None:
    """"They said …, but I …": what follows the "but" is the writer's own."""
    d = default_detector().rules_only(text, lang)
    assert d.severity >= level, d


@pytest.mark.parametrize(("text", "lang"), STILL_REPORTED)
def test_reported_speech_without_a_contrast_stays_reported(text: str, lang: str) -> None:
    d = default_detector().rules_only(text, lang)
    assert d.severity <= 1 or not any(m.category == "suicide" and "reported" not in m.flags
                                      and m.severity >= 2 for m in d.matches), d
