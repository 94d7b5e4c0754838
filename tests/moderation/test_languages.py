"""All three languages run on every message; the interface language (the hint) only breaks a
tie in the language guess (issue 13: a Swedish crisis sentence typed in the Finnish interface
passed silently because the hint dropped the Swedish entries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation import default_detector, detect

CASES = Path(__file__).resolve().parent / "cases"

# (text, its language, expected level): crisis sentences that only their own language's
# entries can read.
CRISIS = [
    ("jag har ett rep i garderoben och tänker använda det inatt", "sv", 4),
    ("hon har tagit massa tabletter och svarar inte", "sv", 4),
    ("jag skär mig för att stå ut", "sv", 3),
    ("mulla on pilleri purkki tässä edessä ja mietin et ottaisin ne kaikki", "fi", 4),
    ("se on ihan sininen eikä hengitä, soitin jo 112", "fi", 4),
    ("mä hyppään kohta ikkunasta, en jaksa enää", "fi", 4),
]


@pytest.mark.parametrize(("text", "lang", "level"), CRISIS)
@pytest.mark.parametrize("hint", ["fi", "sv", "en", None])
def test_crisis_found_whatever_the_interface_language(
    text: str, lang: str, level: int, hint: str | None
) -> None:
    d = detect(text, hint)
    assert d.severity == level
    assert d.language == lang  # the words decide, not the interface


def test_hint_breaks_a_tie_only() -> None:
    det = default_detector()
    # No marker word at all: the hint stands in; unknown hints are ignored.
    assert det.resolve_language(["112"], "sv") == "sv"
    assert det.resolve_language(["112"], "xx") is None
    assert det.resolve_language(["112"], None) is None
    # Clear Swedish: the Finnish hint does not override it.
    words = ["jag", "vill", "inte", "leva", "längre"]
    assert det.resolve_language(words, "fi") == "sv"
    assert det.resolve_language(words, None) == "sv"


def _cases() -> list[tuple[str, str]]:
    out = []
    for f in sorted(CASES.glob("*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                out.append((c["text"], c["lang"]))
    return out


def test_verdict_does_not_depend_on_the_hint_when_the_words_decide() -> None:
    """Every case text whose words pick one language gets one verdict for every hint."""
    det = default_detector()
    checked = 0
    differ = []
    for text, _ in _cases():
        guess = detect(text).language
        if guess is None:
            continue
        verdicts = {(d.severity, d.categories, d.language)
                    for d in (det.detect(text, h) for h in ("fi", "sv", "en"))}
        checked += 1
        if len(verdicts) != 1:
            differ.append(text)
    assert checked > 1500 and differ == []
