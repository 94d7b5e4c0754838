"""The learned backstop: a linear model over hashed word, word-pair and character n-gram
features of the detector's tokens, with integer weights, evaluated bit-for-bit identically by
Python and JavaScript (web_client/js/detector/model.js). Definition in docs/detection.md,
"The learned component".

Pure: no I/O. Integer arithmetic only (32-bit FNV-1a, an integer mix, int8 weights summed into
an int), so both runtimes give the same score for the same tokens.

The features of a message, from its tokens (after normalisation, leet decoding and joining of
spaced letters, exactly as the rules see them):
- a token's *word* is its first form with ä/ö/å folded to a/o/a, or ``#q`` / ``#n`` for a token
  starting with a number at / below ``quantity_min``;
- ``w:<word>`` for every token, and the character n-grams (``char_ngrams``, code points) of
  ``<word>`` as ``c:<gram>`` (not for number tokens);
- a word pair: ``mix(H("w:" + previous word), H("w:" + word))``, the previous word being
  ``<s>`` at the start of the message and after a sentence break;
where H is FNV-1a 32-bit over the UTF-8 bytes and ``mix(a, b) = ((a ^ 0x9E3779B9) * 16777619
mod 2**32) ^ b``. A feature's bucket is its hash modulo ``2**bits``; a head's score is its bias
plus the weights of all feature occurrences (repeats count).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moderation.tokenize import SENTENCE_BREAKS, Token, leading_number

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 16777619
MIX = 0x9E3779B9
MASK32 = 0xFFFFFFFF
START = "<s>"
RISK_HEADS = ("risk2", "risk3")
# Seventh round: an optional head that reads a supportive or quoting frame (docs/detection.md,
# "Seventh round"); with a threshold of its own it may lower a rules verdict (verdict.py).
FRAME_HEAD = "frame"
_FOLD = str.maketrans("äöå", "aoa")
_MEMO_MAX = 50_000
_BREAKS = frozenset(SENTENCE_BREAKS)


class ModelError(ValueError):
    """The model section of the detector data is malformed."""


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes of ``text``."""
    h = FNV_OFFSET
    for b in text.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & MASK32
    return h


def mix(a: int, b: int) -> int:
    """The word-pair hash of two word hashes (order matters)."""
    return (((a ^ MIX) * FNV_PRIME) & MASK32) ^ b


def token_word(tok: Token, quantity_min: int) -> str:
    """The model's word for a token (see the module docstring)."""
    if tok.number is not None:
        return "#q" if tok.number >= quantity_min else "#n"
    return tok.forms[0].translate(_FOLD)


def word_feature_hashes(word: str, ngrams: Sequence[int]) -> tuple[int, list[int]]:
    """(hash of ``w:<word>``, hashes of its unigram and character n-gram features)."""
    hw = fnv1a("w:" + word)
    out = [hw]
    if not word.startswith("#"):
        padded = "<" + word + ">"
        for n in ngrams:
            for i in range(len(padded) - n + 1):
                out.append(fnv1a("c:" + padded[i:i + n]))
    return hw, out


def message_features(
    tokens: Sequence[Token], quantity_min: int, ngrams: Sequence[int]
) -> list[int]:
    """All feature hashes of a message, in order (the reference definition; ``Model`` computes
    the same sums with memos)."""
    out: list[int] = []
    prev = fnv1a("w:" + START)
    for tok in tokens:
        if tok.sentence_break:
            prev = fnv1a("w:" + START)
        hw, feats = word_feature_hashes(token_word(tok, quantity_min), ngrams)
        out.extend(feats)
        out.append(mix(prev, hw))
        prev = hw
    return out


def _decode(blob: str, size: int, where: str) -> list[int]:
    raw = base64.b64decode(blob.encode("ascii"), validate=True)
    if len(raw) != size:
        raise ModelError(f"model.{where}: expected {size} weights, got {len(raw)}")
    return [b - 256 if b > 127 else b for b in raw]


@dataclass(frozen=True, slots=True)
class Scores:
    """Integer scores of the two risk heads."""

    risk2: int
    risk3: int


class Model:
    """A compiled model section. ``risk`` is cheap (memoised per word); ``category`` is
    computed only when the model raises a message."""

    def __init__(self, section: Mapping[str, Any], quantity_min: int,
                 all_categories: Sequence[str]):
        self.all_categories = tuple(all_categories)
        try:
            self.bits = int(section["bits"])
            self.ngrams = tuple(int(n) for n in section["ngrams"])
            heads = section["heads"]
            self.thresholds = {k: int(v) for k, v in section["thresholds"].items()}
            self.categories = tuple(str(c) for c in section["categories"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model: {exc}") from exc
        if not 8 <= self.bits <= 20 or not self.ngrams or not set(RISK_HEADS) <= set(
                self.thresholds) <= {*RISK_HEADS, FRAME_HEAD}:
            raise ModelError("model: bad bits/ngrams/thresholds")
        if not self.categories or not set(self.categories) <= set(self.all_categories):
            raise ModelError("model: unknown category head")
        size = 1 << self.bits
        self.mask = size - 1
        self.quantity_min = quantity_min
        self.bias: dict[str, int] = {}
        self.weights: dict[str, list[int]] = {}
        self.has_frame = FRAME_HEAD in self.thresholds
        for name in (*RISK_HEADS, *self.categories, *((FRAME_HEAD,) if self.has_frame else ())):
            head = heads.get(name) if isinstance(heads, Mapping) else None
            if not isinstance(head, Mapping):
                raise ModelError(f"model: head {name} missing")
            self.bias[name] = int(head["bias"])
            self.weights[name] = _decode(str(head["weights"]), size, name)
        self._start = fnv1a("w:" + START)
        self._w2 = self.weights["risk2"]
        self._w3 = self.weights["risk3"]
        # word -> (its hash, risk2 and risk3 sums of its unigram and n-gram weights)
        self._memo: dict[str, tuple[int, int, int]] = {}
        self._raw_memo: dict[str, tuple[int, int, int]] = {}  # raw spelling -> the same

    def __repr__(self) -> str:
        return f"Model(bits={self.bits}, heads={len(self.weights)})"

    def _word(self, word: str) -> tuple[int, int, int]:
        got = self._memo.get(word)
        if got is None:
            hw, feats = word_feature_hashes(word, self.ngrams)
            m, w2, w3 = self.mask, self._w2, self._w3
            got = (hw, sum(w2[h & m] for h in feats), sum(w3[h & m] for h in feats))
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[word] = got
        return got

    def risk(self, tokens: Sequence[Token]) -> Scores:
        """The two risk heads' integer scores for a message."""
        s2, s3 = self.bias["risk2"], self.bias["risk3"]
        m, w2, w3, qmin = self.mask, self._w2, self._w3, self.quantity_min
        prev = self._start
        for tok in tokens:
            if tok.sentence_break:
                prev = self._start
            word = "#q" if tok.number is not None and tok.number >= qmin else (
                "#n" if tok.number is not None else tok.forms[0].translate(_FOLD))
            hw, a, b = self._word(word)
            pair = ((((prev ^ MIX) * FNV_PRIME) & MASK32) ^ hw) & m
            s2 += a + w2[pair]
            s3 += b + w3[pair]
            prev = hw
        return Scores(s2, s3)

    def risk_raw(self, text: str, raw: Sequence[tuple[str, int, int]],
                 forms: Callable[[str], tuple[str, ...]]) -> Scores:
        """``risk`` computed from ``Tokenizer.raw_tokens`` output when no spaced letters are
        joined (the detector's path for lines no rule can match): the same numbers without
        building tokens. A word's features are memoised by its raw spelling."""
        s2, s3 = self.bias["risk2"], self.bias["risk3"]
        m, w2, w3, memo = self.mask, self._w2, self._w3, self._raw_memo
        start = prev = self._start
        prev_end = 0
        for word, a, b in raw:
            if not _BREAKS.isdisjoint(text[prev_end:a]):
                prev = start
            got = memo.get(word)
            if got is None:
                number = leading_number(word) if "0" <= word[0] <= "9" else None
                got = self._word("#q" if number is not None and number >= self.quantity_min
                                 else "#n" if number is not None
                                 else forms(word)[0].translate(_FOLD))
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                memo[word] = got
            hw, x2, x3 = got
            pair = ((((prev ^ MIX) * FNV_PRIME) & MASK32) ^ hw) & m
            s2 += x2 + w2[pair]
            s3 += x3 + w3[pair]
            prev = hw
            prev_end = b
        return Scores(s2, s3)

    def head_scores(self, tokens: Sequence[Token]) -> dict[str, int]:
        """Every head's score from the reference feature list (used for categories)."""
        feats = [h & self.mask for h in message_features(tokens, self.quantity_min, self.ngrams)]
        return {name: self.bias[name] + sum(w[h] for h in feats)
                for name, w in self.weights.items()}

    def frame_score(self, tokens: Sequence[Token]) -> int:
        """The frame head's score: how surely the words are support or a quote rather than the
        writer's own crisis (trained on supportive and quoting lines against crises that quote)."""
        w = self.weights[FRAME_HEAD]
        return self.bias[FRAME_HEAD] + sum(
            w[h & self.mask] for h in message_features(tokens, self.quantity_min, self.ngrams))

    def lowers(self, tokens: Sequence[Token]) -> bool:
        """Does the frame head vouch, at its threshold, that these words are support?"""
        return self.has_frame and self.frame_score(tokens) >= self.thresholds[FRAME_HEAD]

    def category(self, tokens: Sequence[Token]) -> str:
        """The category head with the highest score (first in order on a tie)."""
        scores = self.head_scores(tokens)
        return max(self.categories, key=lambda c: (scores[c], -self.categories.index(c)))

    def level(self, scores: Scores) -> int:
        """The level the model vouches for: 3, 2 or 0."""
        if scores.risk3 >= self.thresholds["risk3"]:
            return 3
        if scores.risk2 >= self.thresholds["risk2"]:
            return 2
        return 0


def encode_weights(values: Sequence[int]) -> str:
    """int8 weights as base64 (the data file's form)."""
    if any(not -128 <= v <= 127 for v in values):
        raise ModelError("weights must be int8")
    return base64.b64encode(bytes(v & 0xFF for v in values)).decode("ascii")
