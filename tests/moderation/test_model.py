"""The learned backstop (moderation/model.py): the hash is FNV-1a, the memoised scores equal
the reference feature sums, the model only ever raises a verdict (to 2 or 3), bad model data
is refused, and training is deterministic."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from moderation import DataError, build_detector, default_detector
from moderation.data import load_default_data
from moderation.model import encode_weights, fnv1a, message_features, mix

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "moderation" / "cases"


def _texts() -> list[tuple[str, str]]:
    out = []
    for f in sorted(CASES.glob("*.jsonl")):
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                c = json.loads(line)
                out.append((c["text"], c["lang"]))
    return out


@pytest.mark.parametrize(("text", "want"), [
    # Published FNV-1a 32-bit test vectors (Fowler/Noll/Vo reference test suite).
    ("", 0x811C9DC5), ("a", 0xE40C292C), ("foobar", 0xBF9CF968),
])
def test_fnv1a_published_vectors(text: str, want: int) -> None:
    assert fnv1a(text) == want


def test_fnv1a_hashes_utf8_bytes() -> None:
    # "ä" is two UTF-8 bytes (0xC3 0xA4): the same as hashing them one after another.
    h = 0x811C9DC5
    for b in (0xC3, 0xA4):
        h = ((h ^ b) * 16777619) % 2**32
    assert fnv1a("ä") == h


def test_mix_is_order_sensitive_and_32_bit() -> None:
    a, b = fnv1a("w:i"), fnv1a("w:die")
    assert mix(a, b) != mix(b, a)
    assert 0 <= mix(0xFFFFFFFF, 0xFFFFFFFF) < 2**32


def _model():  # type: ignore[no-untyped-def]
    model = default_detector()._c.model
    assert model is not None, "config/detector.json ships a model section"
    return model


def test_memoised_risk_equals_reference_features() -> None:
    model, det = _model(), default_detector()
    for text, _ in _texts()[::3]:
        tokens = det.tokens(text)
        heads = model.head_scores(tokens)
        got = model.risk(tokens)
        assert (got.risk2, got.risk3) == (heads["risk2"], heads["risk3"]), text
        assert len(message_features(tokens, model.quantity_min, model.ngrams)) >= len(tokens)


def test_model_raises_never_to_4_and_lowers_only_through_the_frame_head() -> None:
    """The model raises to 2 or 3 with one match; since the seventh round its frame head may
    instead cap a rules verdict of 2-3 at 1 (flag ``support``), adding nothing."""
    det = default_detector()
    raised = 0
    for text, lang in _texts():
        rules, full = det.rules_only(text, lang), det.detect(text, lang)
        lowered = [m for m in full.matches if "support" in m.flags]
        if lowered:
            assert 2 <= rules.severity <= 3 and all(m.severity == 1 for m in lowered), text
            assert not any(m.rule.startswith("model.") for m in full.matches)
            continue
        assert full.severity >= rules.severity
        model_matches = [m for m in full.matches if m.rule.startswith("model.")]
        assert len(model_matches) <= 1
        if model_matches:
            raised += 1
            m = model_matches[0]
            assert m.severity in (2, 3) and m.flags == ("model",)
            assert m.category in full.categories
        else:
            assert full == rules
    assert raised > 0  # the model does something on the case sets


def test_bad_model_sections_are_refused() -> None:
    data = load_default_data()
    for breakage in ("bits", "weights", "thresholds", "categories"):
        bad = copy.deepcopy(data)
        section = bad["model"]
        if breakage == "bits":
            section["bits"] = 40
        elif breakage == "weights":
            section["heads"]["risk2"]["weights"] = encode_weights([1, 2, 3])
        elif breakage == "thresholds":
            section["thresholds"] = {"risk2": 1}
        else:
            section["categories"] = ["nonsense"]
        with pytest.raises(DataError):
            build_detector(bad)
    with pytest.raises(ValueError):
        encode_weights([200])


def test_without_a_model_section_the_rules_decide() -> None:
    data = load_default_data()
    data.pop("model")
    det = build_detector(data)
    for text, lang in _texts()[::7]:
        assert det.detect(text, lang) == default_detector().rules_only(text, lang)


def _trainer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("train_detector",
                                                  ROOT / "scripts" / "train_detector.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["train_detector"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_training_is_deterministic_on_a_sample() -> None:
    trainer = _trainer()
    train_ex, held = trainer.load_examples()
    assert held and all(e.source.endswith("_" + trainer.HOLDOUT_BATCH + ".jsonl")
                        or trainer._r5_held(e.source, e.case.text)
                        or trainer._r4_held(e.source, e.case.text)
                        or trainer.r6_held(e.source, e.case.text) for e in held)
    assert not any(trainer._r4_held(e.source, e.case.text) for e in train_ex)
    assert not any(trainer._r5_held(e.source, e.case.text) for e in train_ex)
    # Seventh round: one line in five of the r6 data held out by the fixed hash, never trained on.
    assert not any(trainer.r6_held(e.source, e.case.text) for e in train_ex)
    assert any(trainer.R6_MARK in e.source for e in held)
    assert any(trainer.R6_MARK in e.source for e in train_ex)
    assert any(trainer.R5_MARK in e.source for e in train_ex)  # sixth round: trained on
    assert any(trainer.R5_MARK in e.source for e in held)
    assert not any("sealed" in e.source for e in train_ex + held)
    assert "external_sealed4.jsonl" in trainer.NEVER
    assert "external_sealed5.jsonl" in trainer.NEVER
    assert "external_sealed6.jsonl" in trainer.NEVER
    assert "external_sealed7.jsonl" in trainer.NEVER
    assert "external_sealed8.jsonl" in trainer.NEVER
    sample = train_ex[::40]
    det = default_detector()
    feats = trainer.featurise(det, sample, 10)
    y = trainer.labels(sample)
    sw = trainer.sample_weights(sample)
    w1, b1 = trainer.train(feats, y, sw)
    w2, b2 = trainer.train(feats, y, sw)
    assert (w1 == w2).all() and (b1 == b2).all()
    assert abs(w1).max() <= 127 and (w1 != 0).any()


def test_model_may_not_raise_what_the_rules_set_aside() -> None:
    """The decision rule (docs/detection.md): with thresholds so low that the model vouches for
    3 on every line, it still leaves alone lines whose crisis phrase the rules set aside by
    context (negated, a "no" to a question, quoted, addressed to the reader, an idiom)."""
    data = load_default_data()
    data["model"] = {**data["model"], "thresholds": {"risk2": -10**9, "risk3": -10**9}}
    eager = build_detector(data)
    assert eager.detect("what a lovely evening", "en").severity == 3  # it would raise anything
    for text, lang in [
        ("im not suicidal", "en"),
        ("the nurse asked if i have suicidal thoughts. no, honestly. just tired", "en"),
        ('you wrote yesterday "i dont want to live anymore", how are you today?', "en"),
        ("jos sulla on itsetuhosia ajatuksia, soita kriisipuhelimeen", "fi"),
        ("suicide prevention week starts on monday", "en"),
    ]:
        d = eager.detect(text, lang)
        assert d.severity < 2 and not any("model" in m.flags for m in d.matches), text


def test_thresholds_keep_all_false_alarms_under_the_budget() -> None:
    """pick_thresholds: the chosen risk2 keeps rules + model false alarms on the split under
    the budget, and a line the rules set aside is never counted as raised."""
    import numpy as np

    trainer = _trainer()
    oof = np.array([[10, 0], [20, 0], [30, 0], [40, 0], [50, 0], [60, 0], [70, 0], [80, 0],
                    [90, 0], [100, 0], [95, 0]])
    crisis = np.array([0] * 10 + [3])
    rules = np.array([0] * 9 + [2] + [0])
    blocked = np.array([False] * 8 + [True, False, False])
    th = trainer.pick_thresholds(oof, rules, crisis, blocked, 0.25)
    # Rules alone: 1 of 10; the model may add one more (80; 90 is set aside): risk2 = 80.
    assert th["risk2"] == 80
