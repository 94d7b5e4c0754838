"""Indirect emergencies without a crisis word, fourth round (issue 13): an engine running in a
closed garage, being on the tracks with a train time, giving everything away, goodbye letters
tonight, pills hidden and counted, a threat to kill the writer shouted now — in Finnish and
Swedish as much as English, found by the rules alone; and the everyday lines that share their
words stay 0. Examples written for this test, not taken from any case file."""

from __future__ import annotations

import pytest

from moderation import default_detector

EMERGENCIES = [
    ("sitting in the garage with the engine running and the door shut", "en", 4),
    ("istun autotallissa moottori käynnissä ja ovi kiinni", "fi", 4),
    ("oon autossa tallissa, kone käy", "fi", 4),
    ("sitter i garaget med motorn igång och porten stängd", "sv", 4),
    ("laitoin letkun pakoputkeen ja istun autossa", "fi", 3),
    ("har satt en slang från avgasröret in i bilen", "sv", 3),
    ("im by the tracks, the next train comes at 11:40", "en", 4),
    ("istun raiteilla ja odotan iltajunaa", "fi", 4),
    ("oon junaradalla, seuraava juna tulee 23.10", "fi", 4),
    ("sitter på rälsen och väntar på tåget", "sv", 4),
    ("gave away all my stuff this week, i wont need it anymore", "en", 4),
    ("annoin kaikki mun tavarat pois, en tarvii niitä enää", "fi", 4),
    ("har skänkt bort allt jag äger den här veckan", "sv", 3),
    ("kirjotin jäähyväiskirjeet tänä iltana", "fi", 4),
    ("skrev farvälbrev till alla ikväll", "sv", 4),
    ("hid my pills for weeks and counted them", "en", 4),
    ("mulla on lääkkeet piilossa ja laskin ne, riittää kyllä", "fi", 4),
    ("har gömt mina tabletter i veckor och räknat dem", "sv", 4),
    ("se huutaa et se tappaa mut kohta", "fi", 4),
    ("han skriker att han ska döda mig, han är här nu", "sv", 4),
    ("my ex keeps texting that hes going to hurt me tonight", "en", 4),
]
EVERYDAY = [
    ("in the garage fixing the bike, engine running to test it", "en"),
    ("istun autossa moottori käynnissä ja odotan et vaimo tulee kaupasta", "fi"),
    ("sitter i bilen med motorn igång och väntar på frugan", "sv"),
    ("im at the station, my train comes at 11:40", "en"),
    ("oon asemalla, seuraava juna tulee 23.10", "fi"),
    ("står på perrongen, nästa tåg går 23.15", "sv"),
    ("gave away my old books, dont need them anymore", "en"),
    ("annoin vanhat vaatteet kirpparille, en tarvii niitä enää", "fi"),
    ("counted my pills for the week, theres enough until friday", "en"),
    ("laskin lääkkeet dosettiin, riittää viikoksi", "fi"),
    ("räknade mina tabletter, det räcker till måndag", "sv"),
    ("kirjotin hyvästikirjeen vanhalle työpaikalle", "fi"),
    ("my mom is gonna kill me, i forgot to call her today", "en"),
    ("äiti tappaa mut kohta kun se näkee tän sotkun", "fi"),
]


@pytest.mark.parametrize(("text", "lang", "level"), EMERGENCIES)
def test_indirect_emergencies_are_found_by_the_rules(text: str, lang: str, level: int) -> None:
    d = default_detector().rules_only(text, lang)
    assert d.severity >= level, d


@pytest.mark.parametrize(("text", "lang"), EVERYDAY)
def test_everyday_lines_with_the_same_words_stay_quiet(text: str, lang: str) -> None:
    assert default_detector().rules_only(text, lang).severity < 2


@pytest.mark.parametrize(("text", "lang", "level"), EMERGENCIES[:6])
def test_the_hint_does_not_decide(text: str, lang: str, level: int) -> None:
    """All three languages run whatever the interface language."""
    for hint in ("fi", "sv", "en", None):
        assert default_detector().rules_only(text, hint).severity >= level


# Look-alikes of the kinds the fourth round's training data showed (written here, not copied).
MORE_EVERYDAY = [
    ("the car is running in the garage to warm it up, door is open", "en"),
    ("lämmitän autoa tallissa, ovi on auki", "fi"),
    ("värmer bilen i garaget med porten öppen", "sv"),
    ('that "go jump off a roof" comment was vile, i reported it', "en"),
    ('se "hyppää katolta" -kommentti poistettiin just', "fi"),
    ('kommentaren "hoppa från taket" är borttagen nu', "sv"),
    ("my last post for today, going to sleep now. night!", "en"),
    ("vika viesti tänään, meen nukkumaan", "fi"),
    ("olo kun olis jäänyt rekan alle", "fi"),
    ("emmä oo viillelly itteeni, toi on vaan naarmu", "fi"),
    ("kolmekymppisenä mä viiltelin, nyt menee hyvin", "fi"),
    ("mulla on köysi ja teltta mukana, lähdetään vaeltamaan", "fi"),
    ("gav bort mina gamla skor till second hand", "sv"),
]


@pytest.mark.parametrize(("text", "lang"), MORE_EVERYDAY)
def test_more_everyday_look_alikes_stay_quiet(text: str, lang: str) -> None:
    assert default_detector().rules_only(text, lang).severity < 2
