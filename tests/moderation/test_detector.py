"""The public API: typed results, spans, repr without text, the packaged data file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from moderation import Detection, detect, resources_for
from moderation.data import LANGUAGES, load_default_data
from moderation.engine import MAX_TEXT_CHARS

DATA_FILE = Path(__file__).resolve().parents[2] / "config" / "detector.json"
SECRET = "Kalle Virtanen wants to kill myself 040 123 4567"


def test_detection_is_frozen_and_typed() -> None:
    d = detect("I want to kill myself")
    assert isinstance(d, Detection)
    assert d.severity == 3 and d.categories == ("suicide",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.severity = 0  # type: ignore[misc]
    m = next(m for m in d.matches if m.rule == "en.suicide.active")
    assert (m.rule, m.category, m.span) == ("en.suicide.active", "suicide", (10, 21))


def test_repr_and_str_never_show_text() -> None:
    d = detect(SECRET)
    for s in (repr(d), str(d), repr(d.matches), repr(d.matches[0])):
        assert "Kalle" not in s and "kill" not in s and "040" not in s
    assert "en.suicide.active" in repr(d)


def test_to_json_shape() -> None:
    j = detect("soita 040 123 4567").to_json()
    assert set(j) == {"severity", "categories", "language", "matches"}
    assert j["severity"] == 2 and j["categories"] == ["personal_data"]
    assert set(j["matches"][0]) == {"rule", "category", "severity", "base_severity", "span",
                                    "flags"}
    json.dumps(j)


def test_categories_follow_canonical_order() -> None:
    d = detect("I want to kill myself and I'm drunk again")
    assert d.categories == ("suicide", "relapse")


def test_empty_and_whitespace() -> None:
    assert detect("").severity == 0
    assert detect(" \n\t ").matches == ()


def test_long_text_is_truncated_not_refused() -> None:
    text = "ok " * (MAX_TEXT_CHARS // 3) + "I want to kill myself"
    d = detect(text)
    assert d.severity == 0  # beyond the limit, not scanned
    d2 = detect("I want to kill myself " + "ok " * MAX_TEXT_CHARS)
    assert d2.severity == 3 and "truncated" in d2.matches[0].flags


def test_deterministic() -> None:
    texts = ["en jaksa enää", "kms", "jag vill dö", "sen numero on 050 987 6543"]
    assert [detect(t).to_json() for t in texts] == [detect(t).to_json() for t in texts]


def test_language_hint_and_detection() -> None:
    assert detect("jag vill dö").language == "sv"
    assert detect("en halua elää").language == "fi"
    assert detect("xyz", "fi").language == "fi"
    assert detect("xyz").language is None


def test_data_file_is_canonical_json() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"


def test_data_file_entries_are_documented_and_valid() -> None:
    data = load_default_data()
    ids = [e["id"] for e in data["lexicon"]] + [e["id"] for e in data["idioms"]]
    assert len(ids) == len(set(ids))
    for e in data["lexicon"]:
        assert set(e["lang"]) <= set(LANGUAGES), e["id"]
        assert e["id"].split(".")[0] in LANGUAGES, e["id"]
    for key in ("ä", "ö", "å"):
        assert key not in data["normalisation"]["homoglyphs"]


def test_resources_come_from_config() -> None:
    v = resources_for(4, ["overdose"], "FI", "fi")
    assert [r.number for r in v.resources][:2] == ["112", "0800 147 111"]
    assert v.first_aid_steps[0] == "Soita 112"


def test_prefilter_gives_the_same_verdicts() -> None:
    from moderation import default_detector
    from tests.moderation.make_vectors import CASES

    det = default_detector()
    texts = [json.loads(line)["text"] for f in sorted(CASES.glob("*.jsonl"))
             for line in f.read_text("utf-8").splitlines()]
    texts += ["the cat knocked my coffee off the table", "k i l l m y s e l f", "ok"]
    for t in texts:
        assert det.detect(t).to_json() == det._detect(t, None, prefilter=False).to_json(), t


def test_any_text_gives_a_verdict_with_spans_inside_it() -> None:
    import random

    rng = random.Random(4)
    alphabet = ("abcdefghijklmnopqrstuvwxyzäöå ÄÖÅ0123456789.,!?'$@|-_*\n\t"
                "\u200b\u00ad\u0308\ufe0f𝗸ｋіκ™ﬁ😭\ud800\x00\x7f")
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        d = detect(text, rng.choice([None, "fi", "sv", "en", "xx"]))
        assert 0 <= d.severity <= 4
        for m in d.matches:
            assert 0 <= m.span[0] <= m.span[1] <= len(text)
