"""Seventh round (issue 13): supportive replies that quote a crisis phrase (docs/detection.md,
"Seventh round"). Every line here was written for this test, not copied from a data or case
file. Two generic mechanisms, each tested apart:

- a possessive before the speaker of a speech verb ("my counsellor says ...", "mun terapeutti
  sanoo ...", "min kurator säger ...", "your friend says ...") makes the speaker a third party,
  so the phrase is reported speech (the writer's own categories capped at 1);
- the learned frame head may lower a rules verdict of 2-3 to 1 (flag ``support``) when every
  match that raises it is of the writer's own categories and lies in a frame (quotation marks,
  or a sentence with a speech, reporting, question, address or topic cue) — never level 4,
  never harassment, violence or abuse, never a phrase outside a frame.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest

from moderation import build_detector, default_detector
from moderation.data import load_default_data
from moderation.verdict import support_gate

POSSESSIVE_SPEAKERS = [
    ("my counsellor says whoever wants to die should ring the line first", "en"),
    ("our group leader said whoever feels like ending their life should talk to her after", "en"),
    ("mun terapeutti kirjotti et itsemurha-ajatukset on oire eikä suunnitelma", "fi"),
    ("sun kaveri kirjotti et se miettii itsemurhaa, soita sille", "fi"),
    ("min kurator säger att den som vill dö ska ringa linjen direkt", "sv"),
    ("din kompis skriver att hen vill dö, ring efter hjälp", "sv"),
]
# The writer's own words after the same frame stay (a first-person word after the verb).
POSSESSIVE_STILL = [
    ("my counsellor says it gets better but i want to die", "en", 2),
    ("mun terapeutti sanoo et kyl se siitä, mut mä haluun kuolla", "fi", 2),
    ("min kurator säger att det blir bättre men jag vill dö", "sv", 2),
    ("i told my counsellor i want to kill myself", "en", 3),
]


# A first-person word inside the quotation that holds the phrase is the quoted speaker's, not
# the writer's: the speech frame and support addressed to the reader hold across it.
QUOTED_SPEAKER = [
    ('when someone writes "i want to die", answer them kindly', "en"),
    ("people who type 'i want to die' at night need someone to stay up with them", "en"),
    ("jos joku sanoo ”mä haluun kuolla”, älä jätä sitä yksin", "fi"),
    ("folk som skriver ”jag vill dö” behöver någon som stannar kvar", "sv"),
]
QUOTED_SPEAKER_STILL = [
    ('someone said "it gets better" but i want to die', "en", 2),
    ('i keep thinking "i want to die" all night', "en", 2),
    ("jos joku sanoo ”kyl se siitä”, mä haluun silti kuolla", "fi", 2),
]
# Harassment spoken of, not said: a speaking verb used as a noun right before it ("saying kys
# ..."), or the phrase as the subject of "is" / "ei oo" / "är" (mention_before, mention_after).
CONDEMNED = [
    ("saying kys to someone is never a joke", "en"),
    ("kys is not banter, it gets you banned", "en"),
    ("tapa ittes ei oo mikään vitsi, ilmota jos näät", "fi"),
    ("kirjottaa tapa ittes jollekin on julmaa", "fi"),
    ("kys är inget skämt här inne", "sv"),
    ("att skriva kys till någon är aldrig ok", "sv"),
]
CONDEMNED_STILL = [
    ("im saying kys to you, loser", "en", 3),
    ("kys, nobody wants you here", "en", 3),
    ("tapa ittes, kukaan ei välitä susta", "fi", 3),
    ("jag skriver kys till dig igen", "sv", 3),
]
# A question the reader is told to put to someone else (ask_other: imperative or infinitive
# asking verbs), with no first-person word in it, is about that person (reported: at most 1).
ASK_OTHER = [
    ("ask them straight out if they have thought about suicide", "en"),
    ("kysykää suoraan onko sillä itsemurha-ajatuksia", "fi"),
    ("fråga rakt ut om hen har självmordstankar", "sv"),
]
ASK_OTHER_STILL = [
    ("ask me if i want to kill myself, the answer is yes", "en", 3),
    ("psykiatri kysy suoraan ootko ajatellu itsemurhaa ja sanoin et joo", "fi", 2),
    ("fråga mig om jag vill ta livet av mig, svaret är ja", "sv", 3),
]


def _rules(text: str, lang: str) -> int:
    return default_detector().rules_only(text, lang).severity


@pytest.mark.parametrize(("text", "lang"), QUOTED_SPEAKER + CONDEMNED + ASK_OTHER)
def test_a_phrase_in_someone_elses_mouth_is_not_raised_by_the_rules(text: str, lang: str) -> None:
    d = default_detector().rules_only(text, lang)
    assert d.severity < 2, d
    assert any({"reported", "quoted", "addressed"} & set(m.flags) for m in d.matches), d


@pytest.mark.parametrize(("text", "lang", "level"),
                         QUOTED_SPEAKER_STILL + CONDEMNED_STILL + ASK_OTHER_STILL)
def test_the_writers_own_words_in_the_same_frames_stay(text: str, lang: str, level: int) -> None:
    assert _rules(text, lang) >= level
    assert default_detector().detect(text, lang).severity >= level


@pytest.mark.parametrize(("text", "lang"), POSSESSIVE_SPEAKERS)
def test_a_possessive_makes_the_speaker_a_third_party(text: str, lang: str) -> None:
    d = default_detector().rules_only(text, lang)
    assert d.severity < 2, d
    assert any("reported" in m.flags for m in d.matches), d


@pytest.mark.parametrize(("text", "lang", "level"), POSSESSIVE_STILL)
def test_own_words_after_a_possessive_frame_stay(text: str, lang: str, level: int) -> None:
    assert _rules(text, lang) >= level


def _eager(threshold: int) -> Any:
    """The shipped detector with the frame head's threshold set to ``threshold`` (-10**9: the
    gate alone decides; 10**9: it never lowers)."""
    data = copy.deepcopy(load_default_data())
    data["model"]["thresholds"] = {**data["model"]["thresholds"], "frame": threshold}
    return build_detector(data)


# Rules verdicts of 2-3 in a frame, the writer's own categories: the frame head may lower them.
IN_FRAME = [
    ('the poster in the clinic says "thinking about suicide? call us"', "en"),
    ("klinikan julisteessa lukee ”mietitkö itsemurhaa? soita meille”", "fi"),
    ("affischen på mottagningen säger ”tänker du på självmord? ring oss”", "sv"),
]
# Never lowered: level 4, harassment, violence, a phrase with no frame around it.
NEVER_LOWERED = [
    ("he said 'call me' but im going to kill myself tonight", "en"),
    ("he wrote that i should kys, so kys yourself too", "en"),
    ("i want to die", "en"),
    ("mä haluun kuolla", "fi"),
    ("jag vill dö", "sv"),
]


@pytest.mark.parametrize(("text", "lang"), IN_FRAME)
def test_the_frame_head_lowers_a_framed_verdict_to_a_gentle_note(text: str, lang: str) -> None:
    rules = default_detector().rules_only(text, lang)
    assert rules.severity in (2, 3), rules  # the rules raise it, in a frame
    d = _eager(-10**9).detect(text, lang)
    assert d.severity == 1, d
    assert any("support" in m.flags for m in d.matches), d
    assert not any("model" in m.flags for m in d.matches), d
    # At an unreachable threshold nothing is lowered.
    assert _eager(10**9).detect(text, lang).severity >= 2


@pytest.mark.parametrize(("text", "lang"), NEVER_LOWERED)
def test_the_frame_head_never_lowers_outside_its_gate(text: str, lang: str) -> None:
    rules = default_detector().rules_only(text, lang)
    assert rules.severity >= 2, rules
    d = _eager(-10**9).detect(text, lang)
    assert d.severity >= rules.severity, d
    assert not any("support" in m.flags for m in d.matches), d


def test_the_gate_and_the_training_probe_agree() -> None:
    det = default_detector()
    for text, lang in IN_FRAME:
        rules, gate, framed = det.rules_frame(text, lang)
        assert gate and framed, text
    for text, lang in NEVER_LOWERED:
        rules, gate, _ = det.rules_frame(text, lang)
        assert not gate, text
        assert not support_gate(rules, lambda m: False)


def _trainer() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "train_detector.py"
    spec = importlib.util.spec_from_file_location("train_detector", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_detector"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_the_frame_threshold_keeps_lowered_crises_under_the_budget() -> None:
    """pick_frame_threshold: the lowest score (at least FRAME_MIN) at which the gated lines it
    lowers hold at most the budget of the lines labelled 3-4 and of those labelled 2."""
    import numpy as np

    trainer = _trainer()
    m = sys.modules["frame_head"].FRAME_MIN
    # 100 lines labelled 3, 100 labelled 2, 10 labelled 0; budget 1 % = one line of each.
    crisis = np.array([3] * 100 + [2] * 100 + [0] * 10)
    scores = np.full(210, -500)
    gate = np.zeros(210, dtype=bool)
    gate[[0, 1, 100, 101]] = True  # two crises of each level in a frame
    scores[[0, 1, 100, 101]] = [m + 50, m + 10, m + 40, m + 5]
    gate[200:] = True
    scores[200:] = m + np.arange(10) * 10  # the supportive lines
    t = trainer.pick_frame_threshold(scores, gate, crisis, 0.01)
    low = gate & (scores >= t)
    assert (low & (crisis >= 3)).sum() <= 1 and (low & (crisis == 2)).sum() <= 1
    assert t == m + 20  # the next gated score down (m + 10) lowers two lines labelled 3
    # Nothing below FRAME_MIN is ever a threshold, however clean.
    assert trainer.pick_frame_threshold(np.full(210, m - 1), gate, crisis, 0.01) > m - 1


def test_the_shipped_frame_head_is_confident_and_the_trainer_holds_r6_out_of_the_risk_heads(
) -> None:
    model = default_detector()._c.model
    assert model is not None and model.has_frame
    trainer = _trainer()
    assert model.thresholds["frame"] >= sys.modules["frame_head"].FRAME_MIN
    assert trainer.R6_FRAME_ONLY
