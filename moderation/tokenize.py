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

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

SPACING_CHARS = frozenset(" .-_*·")
MAX_SPACING = 2
MIN_SPACED_RUN = 3
CLAUSE_BREAKS = frozenset(".!?;:,\n")
SENTENCE_BREAKS = frozenset(".!?;\n")
APOSTROPHE = "'"


def is_word_char(ch: str) -> bool:
    """Letter, number or combining mark by Unicode category."""
    return unicodedata.category(ch)[0] in "LNM"


def is_letter(ch: str) -> bool:
    """Unicode letter (category L*)."""
    return unicodedata.category(ch)[0] == "L"


def is_digit(ch: str) -> bool:
    """ASCII digit 0-9 (numbers are read in ASCII after NFKC)."""
    return "0" <= ch <= "9"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its spellings, its span in the normalised text and context flags."""

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


def _raw_tokens(text: str, leet_symbols: frozenset[str]) -> list[tuple[str, int, int]]:
    """(word, start, end) triples before spaced-letter joining."""
    out: list[tuple[str, int, int]] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        starts_token = is_word_char(ch) or (
            ch in leet_symbols and i + 1 < n and is_word_char(text[i + 1])
        )
        if not starts_token:
            i += 1
            continue
        start = i
        chars: list[str] = []
        while i < n:
            ch = text[i]
            nxt_word = i + 1 < n and is_word_char(text[i + 1])
            if is_word_char(ch) or (ch in leet_symbols and nxt_word):
                chars.append(ch)
            elif ch == APOSTROPHE and nxt_word and chars:
                pass  # dropped: "don't" == "dont"
            else:
                break
            i += 1
        out.append(("".join(chars), start, i))
    return out


def _join_spaced(text: str, raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int, bool]]:
    """Join runs of spaced-out single letters into one token."""
    out: list[tuple[str, int, int, bool]] = []
    i = 0
    while i < len(raw):
        j = i
        while (
            j + 1 < len(raw)
            and len(raw[j][0]) == 1
            and is_letter(raw[j][0])
            and len(raw[j + 1][0]) == 1
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
    """Split normalised text into tokens (see the module docstring for the exact rule)."""
    leet_symbols = frozenset(k for k in leet if not is_word_char(k))
    tokens: list[Token] = []
    prev_end = 0
    for word, start, end, joined in _join_spaced(text, _raw_tokens(text, leet_symbols)):
        between = text[prev_end:start]
        tokens.append(
            Token(
                forms=token_forms(word, leet),
                start=start,
                end=end,
                clause_break=any(c in CLAUSE_BREAKS for c in between),
                sentence_break=any(c in SENTENCE_BREAKS for c in between),
                joined=joined,
                number=leading_number(word),
            )
        )
        prev_end = end
    return tuple(tokens)
