"""The lexicon's pattern language and its compiler into a first-token index.

Grammar (one pattern = elements separated by spaces; documented in docs/detection.md)::

    pattern := element (" " element)*
    element := "{" lo "," hi "}"            a gap of lo..hi arbitrary tokens (0 <= lo <= hi <= 3)
             | alt ("|" alt)* ["?"]        one token; "?" makes it optional
    alt     := word                        the token equals word (any of its spellings)
             | word "*"                    the token starts with word (long, unambiguous stems)
             | "@" name                    any alternative of the named class in the data file
             | "#num"                      a token starting with a digit ("40", "800mg")
             | "#qty"                      such a token whose leading number is >= quantity_min

Words are normalised like text (NFKC, lower case, homoglyphs, apostrophes dropped). In patterns
with two or more token elements every word also matches its ä/ö/å-folded spelling ("en jaksa
enaa"); single-token patterns fold only when the entry asks for it, because a lone folded word
collides more easily.

Compilation expands optional tokens into separate sequences and indexes each sequence by its
first element: exact words in a dict, prefixes in a dict probed with every prefix of the token
(cost linear in token length), numbers in a list. Matching is therefore roughly linear in the
number of tokens and independent of the lexicon's size. Among matches of one entry that start
at the same token the one ending first wins; overlapping matches of one entry keep the earlier.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from moderation.normalize import fold_diacritics
from moderation.tokenize import Token

MAX_GAP = 3
MAX_OPTIONAL = 4
MAX_COMPACT_KEYS = 32
MIN_COMPACT_KEY = 5


class PatternError(ValueError):
    """A lexicon pattern does not follow the grammar (message names the pattern, never text)."""


@dataclass(frozen=True, slots=True)
class TokSpec:
    """What one token element accepts."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    num: bool
    qty: bool


@dataclass(frozen=True, slots=True)
class Gap:
    """lo..hi arbitrary tokens."""

    lo: int
    hi: int


Elem = TokSpec | Gap


@dataclass(frozen=True, slots=True)
class RawMatch:
    """A pattern hit: entry index, first and last token (inclusive) and gap-consumed tokens."""

    entry: int
    first: int
    last: int
    gap_tokens: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Seq:
    entry: int
    elems: tuple[Elem, ...]


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
    num = qty = False
    for alt in alts:
        if alt == "#num":
            num = True
            continue
        if alt == "#qty":
            qty = True
            continue
        is_prefix = alt.endswith("*")
        word = norm_word(alt[:-1] if is_prefix else alt)
        if not word or "*" in word or "#" in word or "@" in word:
            raise PatternError(f"{where}: bad alternative {alt!r}")
        variants = [word, fold_diacritics(word)] if fold else [word]
        for v in variants:
            if is_prefix:
                if v not in prefixes:
                    prefixes.append(v)
            else:
                words.add(v)
    return TokSpec(frozenset(words), tuple(prefixes), num, qty), optional


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


def _spec_accepts(spec: TokSpec, tok: Token, quantity_min: int) -> bool:
    if tok.number is not None and (spec.num or (spec.qty and tok.number >= quantity_min)):
        return True
    for f in tok.forms:
        if f in spec.words:
            return True
        for p in spec.prefixes:
            if f.startswith(p):
                return True
    return False


class Matcher:
    """Compiled patterns of many entries, indexed by first token."""

    def __init__(self, sequences: Sequence[tuple[int, tuple[Elem, ...]]], quantity_min: int):
        self._seqs = [_Seq(e, elems) for e, elems in sequences]
        self._quantity_min = quantity_min
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._numeric: list[int] = []
        self._compact: list[tuple[str, int]] = []
        for sid, seq in enumerate(self._seqs):
            first = seq.elems[0]
            assert isinstance(first, TokSpec)
            for w in sorted(first.words):
                self._exact.setdefault(w, []).append(sid)
            for p in first.prefixes:
                self._prefix.setdefault(p, []).append(sid)
            if first.num or first.qty:
                self._numeric.append(sid)
            for key in _compact_keys(seq.elems):
                self._compact.append((key, sid))
        self._min_prefix = min((len(p) for p in self._prefix), default=1)

    def __repr__(self) -> str:
        return f"Matcher(sequences={len(self._seqs)})"

    def _candidates(self, tok: Token) -> list[int]:
        found: set[int] = set()
        for f in tok.forms:
            found.update(self._exact.get(f, ()))
            for k in range(self._min_prefix, len(f) + 1):
                found.update(self._prefix.get(f[:k], ()))
        if tok.number is not None:
            found.update(self._numeric)
        return sorted(found)

    def _match_rest(
        self, elems: tuple[Elem, ...], ei: int, ti: int, tokens: Sequence[Token], used: list[int]
    ) -> int:
        """Index of the last token of the shortest match of elems[ei:] from token ti, or -1."""
        if ei == len(elems):
            return used[-1]
        e = elems[ei]
        if isinstance(e, Gap):
            for g in range(e.lo, e.hi + 1):
                if any(tokens[t].sentence_break for t in range(ti, min(ti + g, len(tokens)))):
                    break
                if ti + g > len(tokens):
                    break
                r = self._match_rest(elems, ei + 1, ti + g, tokens, used)
                if r >= 0:
                    return r
            return -1
        if ti >= len(tokens) or tokens[ti].sentence_break:
            return -1
        if not _spec_accepts(e, tokens[ti], self._quantity_min):
            return -1
        used.append(ti)
        r = self._match_rest(elems, ei + 1, ti + 1, tokens, used)
        if r < 0:
            used.pop()
        return r

    def find(self, tokens: Sequence[Token]) -> list[RawMatch]:
        """All matches in the token sequence, sorted by (first, last, entry)."""
        best: dict[tuple[int, int], RawMatch] = {}
        for ti, tok in enumerate(tokens):
            for sid in self._candidates(tok):
                seq = self._seqs[sid]
                used = [ti]
                last = self._match_rest(seq.elems, 1, ti + 1, tokens, used)
                if last < 0:
                    continue
                gaps = tuple(t for t in range(ti, last + 1) if t not in used)
                key = (seq.entry, ti)
                if key not in best or last < best[key].last:
                    best[key] = RawMatch(seq.entry, ti, last, gaps)
            if tok.joined:
                for f in tok.forms:
                    for ckey, sid in self._compact:
                        entry = self._seqs[sid].entry
                        if ckey in f and (entry, ti) not in best:
                            best[(entry, ti)] = RawMatch(entry, ti, ti, ())
        kept: list[RawMatch] = []
        last_end: dict[int, int] = {}
        for m in sorted(best.values(), key=lambda m: (m.first, m.last, m.entry)):
            if last_end.get(m.entry, -1) >= m.first:
                continue  # overlaps an earlier match of the same entry
            last_end[m.entry] = m.last
            kept.append(m)
        return kept


def _compact_keys(elems: tuple[Elem, ...]) -> list[str]:
    """Concatenated spellings of a word-only sequence (gaps as empty), for spaced-out letters."""
    choices: list[list[str]] = []
    for e in elems:
        if isinstance(e, Gap):
            continue  # spaced-out letters leave no room for extra words
        if e.num or e.qty:
            return []
        choices.append(sorted(e.words) + list(e.prefixes))
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_COMPACT_KEYS:
        return []
    keys = ["".join(combo) for combo in itertools.product(*choices)]
    return [k for k in keys if len(k) >= MIN_COMPACT_KEY]
