"""Tokeniser over normalised text, defined so Python and JavaScript agree exactly.

A *word character* is any code point whose Unicode general category starts with L, N or M
(``unicodedata.category`` here, ``/[\\p{L}\\p{N}\\p{M}]/u`` in JavaScript); no ``\\w`` or ``\\b``.

- A token starts at a word character, or at a leet symbol (a non-word key of the leet table,
  such as ``$`` or ``@``) that is immediately followed by a word character.
- It continues through word characters; through an apostrophe (``'``) followed by a word
  character (the apostrophe is dropped, so "don't" and "dont" are one token); and through a leet
  symbol followed by a word character.
- Spaced-out letters: a run of three or more one-letter tokens separated only by one or two of
  the spacing characters (space . - _ * ·) is joined into one token ("k i l l" → "kill").

Every token has *forms*, the spellings the matcher tries, in a fixed order:
1. leetspeak decoded (only when the token holds a letter, so "40" stays a number; a token's
   numeric value is read from the undecoded spelling, so "100mg" is still 100), then stretched
   runs of 3+ identical characters collapsed to two (Finnish double letters carry meaning:
   "tuli" is not "tuuli");
2. the same with those stretched runs collapsed to one ("kuoleeeen" → "kuolen");
3. the undecoded spelling with the same two collapses.
Duplicates are dropped, keeping the first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import NamedTuple

SPACING_CHARS = frozenset(" .-_*·")
MAX_SPACING = 2
MIN_SPACED_RUN = 3
CLAUSE_BREAKS = frozenset(".!?;:,\n")
SENTENCE_BREAKS = frozenset(".!?;\n")
APOSTROPHE = "'"
_TRIPLE = re.compile(r"(.)\1\1", re.DOTALL)


def is_word_char(ch: str) -> bool:
    """Letter, number or combining mark by Unicode category."""
    return unicodedata.category(ch)[0] in "LNM"


def is_letter(ch: str) -> bool:
    """Unicode letter (category L*)."""
    return unicodedata.category(ch)[0] == "L"


def is_digit(ch: str) -> bool:
    """ASCII digit 0-9 (numbers are read in ASCII after NFKC)."""
    return "0" <= ch <= "9"


class Token(NamedTuple):
    """One token: its spellings, its span in the normalised text and context flags.

    A NamedTuple rather than a frozen dataclass: one is built per word, and tuple construction
    is several times cheaper.
    """

    forms: tuple[str, ...]
    start: int
    end: int
    clause_break: bool
    sentence_break: bool
    joined: bool
    number: int | None

    def __repr__(self) -> str:
        return f"Token({self.start}:{self.end})"


def collapse_runs(word: str, keep: int) -> str:
    """Collapse runs of three or more identical letters to ``keep`` characters."""
    if _TRIPLE.search(word) is None:
        return word
    out: list[str] = []
    i = 0
    while i < len(word):
        j = i
        while j < len(word) and word[j] == word[i]:
            j += 1
        run = j - i
        # Only letters stretch: "1000" is a number, not "10" shouted.
        out.append(word[i] * (keep if run >= 3 and is_letter(word[i]) else run))
        i = j
    return "".join(out)


def token_forms(word: str, leet: Mapping[str, str]) -> tuple[str, ...]:
    """The ordered, de-duplicated spellings of one token (see the module docstring)."""
    decoded = word
    if any(is_letter(c) for c in word):
        decoded = "".join(leet.get(c, c) for c in word)
    forms: list[str] = []
    for variant in (
        collapse_runs(decoded, 2),
        collapse_runs(decoded, 1),
        collapse_runs(word, 2),
        collapse_runs(word, 1),
    ):
        if variant not in forms:
            forms.append(variant)
    return tuple(forms)


def leading_number(word: str) -> int | None:
    """The value of the leading ASCII digit run, or None if the word does not start with one."""
    digits = ""
    for c in word:
        if not is_digit(c):
            break
        digits += c
    return int(digits[:9]) if digits else None


OTHER, WORD, APOS, LEET = 0, 1, 2, 3
# Over the class string: a token starts at a word character or a leet symbol followed by one,
# and continues through word characters and through apostrophes/leet symbols followed by one.
_TOKEN_RE = re.compile("(?:W|L(?=W))(?:W|[AL](?=W))*")
_PLAIN_RE = re.compile(r"[^\W_]+")
CACHE_LIMIT = 50_000


class Tokenizer:
    """Tokeniser bound to one leet table, with memos for character classes and token forms
    (chat words repeat; the memos change speed, never results)."""

    def __init__(self, leet: Mapping[str, str]):
        self._leet = dict(leet)
        self._leet_symbols = frozenset(k for k in leet if not is_word_char(k))
        self._classes: dict[str, int] = {}
        self._class_table: dict[int, str] = {}
        self._known: set[str] = set()
        self._plain: set[str] = set()
        self._forms: dict[str, tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return "Tokenizer()"

    def _class(self, ch: str) -> int:
        k = self._classes.get(ch)
        if k is None:
            if is_word_char(ch):
                k = WORD
            elif ch == APOSTROPHE:
                k = APOS
            elif ch in self._leet_symbols:
                k = LEET
            else:
                k = OTHER
            if len(self._classes) >= CACHE_LIMIT:
                self._classes.clear()
                self._class_table.clear()
                self._known.clear()
                self._plain.clear()
            self._classes[ch] = k
            self._class_table[ord(ch)] = "OWAL"[k]
            self._known.add(ch)
            if (k == WORD) == bool(_PLAIN_RE.match(ch)) and k in (WORD, OTHER):
                self._plain.add(ch)
        return k

    def forms(self, word: str) -> tuple[str, ...]:
        """``token_forms`` of a word, memoised."""
        f = self._forms.get(word)
        if f is None:
            f = token_forms(word, self._leet)
            if len(self._forms) >= CACHE_LIMIT:
                self._forms.clear()
            self._forms[word] = f
        return f

    def raw_tokens(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) triples before spaced-letter joining.

        Each character is turned into its class letter (W word, A apostrophe, L leet symbol,
        O other) and the token rule of the module docstring is applied to that class string by
        one regular expression, which keeps the per-character work in C.
        """
        if not self._known.issuperset(text):
            for ch in set(text):
                self._class(ch)
        if self._plain.issuperset(text):
            # Only word characters that Python's [^\W_] agrees on and separators: a token is
            # simply a run of word characters. Same result as the general rule, in C.
            return [(m.group(), *m.span()) for m in _PLAIN_RE.finditer(text)]
        classes = text.translate(self._class_table)
        spans = [m.span() for m in _TOKEN_RE.finditer(classes)]
        if APOSTROPHE in text:
            return [(text[a:b].replace(APOSTROPHE, ""), a, b) for a, b in spans]
        return [(text[a:b], a, b) for a, b in spans]

    def tokenize(self, text: str) -> tuple[Token, ...]:
        """Split normalised text into tokens (see the module docstring for the exact rule)."""
        return self.from_raw(text, self.raw_tokens(text))

    def from_raw(self, text: str, raw: list[tuple[str, int, int]]) -> tuple[Token, ...]:
        """Tokens from ``raw_tokens`` output: spaced letters joined, forms and flags added."""
        tokens: list[Token] = []
        prev_end = 0
        for word, start, end, joined in _join_spaced(text, raw):
            between = text[prev_end:start]
            clause = sentence = False
            if (between and not between.isspace()) or "\n" in between:
                clause = any(c in CLAUSE_BREAKS for c in between)
                sentence = any(c in SENTENCE_BREAKS for c in between)
            number = leading_number(word) if "0" <= word[0] <= "9" else None
            tokens.append(Token(self.forms(word), start, end, clause, sentence, joined, number))
            prev_end = end
        return tuple(tokens)


def _join_spaced(text: str, raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int, bool]]:
    """Join runs of spaced-out single letters into one token."""
    if sum(1 for r in raw if len(r[0]) == 1) < MIN_SPACED_RUN:
        return [(w, a, b, False) for w, a, b in raw]
    out: list[tuple[str, int, int, bool]] = []
    i = 0
    n = len(raw)
    while i < n:
        j = i
        while (
            j + 1 < n
            and len(raw[j][0]) == 1
            and len(raw[j + 1][0]) == 1
            and is_letter(raw[j][0])
            and is_letter(raw[j + 1][0])
            and 1 <= raw[j + 1][1] - raw[j][2] <= MAX_SPACING
            and all(c in SPACING_CHARS for c in text[raw[j][2] : raw[j + 1][1]])
        ):
            j += 1
        if j - i + 1 >= MIN_SPACED_RUN:
            word = "".join(r[0] for r in raw[i : j + 1])
            out.append((word, raw[i][1], raw[j][2], True))
            i = j + 1
        else:
            out.append((raw[i][0], raw[i][1], raw[i][2], False))
            i += 1
    return out


def tokenize(text: str, leet: Mapping[str, str]) -> tuple[Token, ...]:
    """Tokenise with a fresh ``Tokenizer`` (convenience for tests; the detector keeps one)."""
    return Tokenizer(leet).tokenize(text)
