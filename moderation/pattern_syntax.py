"""The lexicon's pattern language: its grammar, parser and element types.

Grammar (one pattern = elements separated by spaces; documented in docs/detection.md)::

    pattern := element (" " element)*
    element := "{" lo "," hi "}"            a gap of lo..hi arbitrary tokens (0 <= lo <= hi <= 3)
             | alt ("|" alt)* ["?"]        one token; "?" makes it optional
    alt     := word                        the token equals word (any of its spellings)
             | word "*"                    the token starts with word (long, unambiguous stems)
             | "*" word                    the token ends with word (compound heads: "*lääkkeet")
             | "@" name                    any alternative of the named class in the data file
             | "#num"                      a token starting with a digit ("40", "800mg")
             | "#qty"                      such a token whose leading number is >= quantity_min

Words are normalised like text (NFKC, lower case, homoglyphs, apostrophes dropped). In patterns
with two or more token elements every word also matches its ä/ö/å-folded spelling ("en jaksa
enaa"); single-token patterns fold only when the entry asks for it, because a lone folded word
collides more easily.

Parsing expands optional tokens into separate element sequences; ``moderation.patterns``
compiles the sequences into the matcher (and re-exports the names defined here).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from moderation.normalize import fold_diacritics

MAX_GAP = 3
MAX_OPTIONAL = 4


class PatternError(ValueError):
    """A lexicon pattern does not follow the grammar (message names the pattern, never text)."""


@dataclass(frozen=True, slots=True)
class TokSpec:
    """What one token element accepts."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    num: bool
    qty: bool
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """lo..hi arbitrary tokens."""

    lo: int
    hi: int


Elem = TokSpec | Gap


def _parse_token(
    raw: str,
    classes: Mapping[str, Sequence[str]],
    norm_word: Callable[[str], str],
    fold: bool,
    where: str,
) -> tuple[TokSpec, bool]:
    optional = raw.endswith("?") and len(raw) > 1
    body = raw[:-1] if optional else raw
    alts: list[str] = []
    for alt in body.split("|"):
        if alt.startswith("@"):
            if alt[1:] not in classes:
                raise PatternError(f"{where}: unknown class {alt}")
            alts.extend(classes[alt[1:]])
        else:
            alts.append(alt)
    words: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    num = qty = False
    for alt in alts:
        if alt == "#num":
            num = True
            continue
        if alt == "#qty":
            qty = True
            continue
        is_prefix = alt.endswith("*")
        is_suffix = alt.startswith("*") and not is_prefix
        word = norm_word(alt[:-1] if is_prefix else alt[1:] if is_suffix else alt)
        if not word or "*" in word or "#" in word or "@" in word:
            raise PatternError(f"{where}: bad alternative {alt!r}")
        variants = [word, fold_diacritics(word)] if fold else [word]
        for v in variants:
            if is_prefix:
                if v not in prefixes:
                    prefixes.append(v)
            elif is_suffix:
                if v not in suffixes:
                    suffixes.append(v)
            else:
                words.add(v)
    spec = TokSpec(frozenset(words), tuple(prefixes), num, qty, tuple(suffixes))
    return spec, optional


def parse_pattern(
    pattern: str,
    classes: Mapping[str, Sequence[str]],
    norm_word: Callable[[str], str],
    fold_single: bool,
    where: str,
) -> list[tuple[Elem, ...]]:
    """Parse one pattern into its expanded element sequences (optional tokens in or out)."""
    parts = pattern.split()
    if not parts:
        raise PatternError(f"{where}: empty pattern")
    n_tokens = sum(1 for p in parts if not p.startswith("{"))
    fold = fold_single or n_tokens >= 2
    elems: list[tuple[Elem, bool]] = []
    for part in parts:
        if part.startswith("{"):
            try:
                lo_s, hi_s = part.strip("{}").split(",")
                lo, hi = int(lo_s), int(hi_s)
            except ValueError as exc:
                raise PatternError(f"{where}: bad gap {part}") from exc
            if not 0 <= lo <= hi <= MAX_GAP:
                raise PatternError(f"{where}: gap out of range {part}")
            elems.append((Gap(lo, hi), False))
        else:
            elems.append(_parse_token(part, classes, norm_word, fold, where))
    optional_at = [i for i, (_, opt) in enumerate(elems) if opt]
    if len(optional_at) > MAX_OPTIONAL:
        raise PatternError(f"{where}: too many optional tokens")
    out: list[tuple[Elem, ...]] = []
    for drop in itertools.product((False, True), repeat=len(optional_at)):
        dropped = {i for i, d in zip(optional_at, drop, strict=True) if d}
        seq: list[Elem] = []
        for i, (e, _) in enumerate(elems):
            if i in dropped:
                continue
            if isinstance(e, Gap) and seq and isinstance(seq[-1], Gap):
                prev = seq[-1]
                seq[-1] = Gap(prev.lo + e.lo, min(MAX_GAP, prev.hi + e.hi))
            else:
                seq.append(e)
        while seq and isinstance(seq[0], Gap):
            seq.pop(0)
        while seq and isinstance(seq[-1], Gap):
            seq.pop()
        if seq and tuple(seq) not in out:
            out.append(tuple(seq))
    if not out:
        raise PatternError(f"{where}: pattern matches nothing")
    return out
