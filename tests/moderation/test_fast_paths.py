"""The fourth round's speed paths give the same numbers as the plain ones: the two-key
prefilter never skips a line the full rule pass would score (whole verdicts compared, model
included), and the model's score from raw words equals its score from tokens."""

from __future__ import annotations

import json
from pathlib import Path

from moderation import default_detector
from moderation.normalize import normalise
from moderation.tokenize import MIN_SPACED_RUN

ROOT = Path(__file__).resolve().parents[2]


def _team_texts() -> list[tuple[str, str]]:
    out = []
    for f in sorted((ROOT / "data" / "detector").glob("train_*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                out.append((c["text"], c["lang"]))
    return out


EXTRA = [("and then we went to the shop", "en"), ("och sen dog batteriet", "sv"),
         ("ilman mua ne ois pärjänny", "fi"), ("this is my last night shift, finally", "en"),
         ("1 2 3 4", None), ("k y s", None), ("", None), ("!!!", None),
         ("day 43 sober today", "en"), ("soita mulle 040 123 4567", "fi"),
         ("mejla mig på anna@example.se", "sv"), ("took 40 pills at 23:10", "en")]


def test_prefilter_agrees_with_the_full_pass_on_the_team_data() -> None:
    det = default_detector()
    skipped = 0
    for text, lang in [*_team_texts(), *EXTRA]:
        c = det._c
        words = c.tokenizer.raw_tokens(normalise(text, c.norm).text)
        skipped += not det._may_match(words)
        assert det.detect(text, lang).to_json() == det._detect(
            text, lang, prefilter=False).to_json(), text
    assert skipped > 500  # the prefilter does skip lines, or this test proves nothing


def test_model_score_from_raw_words_equals_score_from_tokens() -> None:
    det = default_detector()
    c = det._c
    model = c.model
    assert model is not None
    for text, _ in [*_team_texts(), *EXTRA]:
        norm = normalise(text, c.norm)
        words = c.tokenizer.raw_tokens(norm.text)
        if sum(1 for w, _, _ in words if len(w) == 1) >= MIN_SPACED_RUN:
            continue  # spaced letters are joined into tokens: the raw path is not taken
        tokens = c.tokenizer.from_raw(norm.text, words)
        assert model.risk_raw(norm.text, words, c.tokenizer.forms) == model.risk(tokens), text
