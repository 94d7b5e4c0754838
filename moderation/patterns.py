"""The lexicon's compiled matcher: pattern sequences indexed by first token.

The pattern language (grammar, ``parse_pattern``, element types) is in
``moderation.pattern_syntax``; its public names are re-exported here.

Compilation expands optional tokens into separate sequences and indexes each sequence by its
first element: exact words in a dict (by the pair of the first two words when both are exact,
so common first words stay cheap), prefixes in a dict probed at the lengths that occur, numbers
in a list. Matching is therefore roughly linear in the
number of tokens and independent of the lexicon's size. Among matches of one entry that start
at the same token the one ending first wins; overlapping matches of one entry keep the earlier.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from moderation.pattern_syntax import (
    MAX_GAP,
    MAX_OPTIONAL,
    Elem,
    Gap,
    PatternError,
    TokSpec,
    parse_pattern,
)
from moderation.tokenize import Token

__all__ = [
    "MAX_GAP",
    "MAX_OPTIONAL",
    "Elem",
    "Gap",
    "Matcher",
    "PatternError",
    "RawMatch",
    "TokSpec",
    "parse_pattern",
]

MAX_COMPACT_KEYS = 32
MIN_COMPACT_KEY = 5
COMPACT_PROBE = 3  # characters of a compact key used to index it (< MIN_COMPACT_KEY)
MEMO_LIMIT = 50_000


class RawMatch(NamedTuple):
    """A pattern hit: entry index, first and last token (inclusive) and gap-consumed tokens."""

    entry: int
    first: int
    last: int
    gap_tokens: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Seq:
    entry: int
    elems: tuple[Elem, ...]


def _spec_accepts(spec: TokSpec, tok: Token, quantity_min: int) -> bool:
    if tok.number is not None and (spec.num or (spec.qty and tok.number >= quantity_min)):
        return True
    for f in tok.forms:
        if f in spec.words:
            return True
        for p in spec.prefixes:
            if f.startswith(p):
                return True
        for x in spec.suffixes:
            if f.endswith(x):
                return True
    return False


class Matcher:
    """Compiled patterns of many entries, indexed by first token."""

    def __init__(
        self,
        sequences: Sequence[tuple[int, tuple[Elem, ...]]],
        quantity_min: int,
        significant: frozenset[int] | None = None,
        common: frozenset[str] = frozenset(),
        strong: frozenset[int] | None = None,
    ):
        """Index the sequences; ``significant`` entries are those ``key_slots`` looks for;
        ``strong`` ones (default: all significant) give a verdict alone, the other significant
        ones (modifiers) only in a combination of two or more entries; ``common`` words
        (function words) are never chosen as a sequence's key."""
        self._common = common
        self._strong = strong
        self._seqs = [_Seq(e, elems) for e, elems in sequences]
        self._significant = significant
        self._may_memo: dict[str, frozenset[int]] = {}
        self.slot_memo = self._may_memo  # read directly by the detector's prefilter
        self._quantity_min = quantity_min
        self._exact: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._pairs: dict[tuple[str, str], list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._numeric: list[int] = []
        self._compact_index: dict[str, list[tuple[str, int]]] = {}
        for sid, seq in enumerate(self._seqs):
            first = seq.elems[0]
            assert isinstance(first, TokSpec)
            second = seq.elems[1] if len(seq.elems) > 1 else None
            if (isinstance(second, TokSpec) and second.words and not second.prefixes
                    and not second.suffixes and not second.num and not second.qty):
                # Two exact words: index by the pair, so a common first word ("i", "jag")
                # does not hand every sequence that starts with it to the matcher.
                for w in sorted(first.words):
                    for w2 in sorted(second.words):
                        self._pairs.setdefault((w, w2), []).append(sid)
            else:
                for w in sorted(first.words):
                    self._exact.setdefault(w, []).append(sid)
            for p in first.prefixes:
                self._prefix.setdefault(p, []).append(sid)
            for x in first.suffixes:
                self._suffix.setdefault(x, []).append(sid)
            if first.num or first.qty:
                self._numeric.append(sid)
            for key in _compact_keys(seq.elems):
                # Indexed by the first characters: a joined token is probed at each position.
                self._compact_index.setdefault(key[:COMPACT_PROBE], []).append((key, seq.entry))
        # Probing only the lengths that occur keeps the cost per token small and fixed.
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        self._suffix_lengths = sorted({len(x) for x in self._suffix})
        self._memo: dict[str, tuple[int, ...]] = {}
        self._build_keys()

    def __repr__(self) -> str:
        return f"Matcher(sequences={len(self._seqs)})"

    def _form_candidates(self, f: str) -> tuple[int, ...]:
        """Sequences whose first element accepts the spelling f by word or prefix (memoised)."""
        got = self._memo.get(f)
        if got is None:
            found: set[int] = set(self._exact.get(f, ()))
            for k in self._prefix_lengths:
                if k > len(f):
                    break
                found.update(self._prefix.get(f[:k], ()))
            for k in self._suffix_lengths:
                if k > len(f):
                    break
                found.update(self._suffix.get(f[-k:], ()))
            got = tuple(sorted(found))
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[f] = got
        return got

    def _compact_entries(self, forms: Sequence[str]) -> set[int]:
        """Entries one of whose compact keys occurs inside one of the spellings."""
        found: set[int] = set()
        for f in forms:
            for i in range(len(f) - COMPACT_PROBE + 1):
                for key, entry in self._compact_index.get(f[i : i + COMPACT_PROBE], ()):
                    if f.startswith(key, i):
                        found.add(entry)
        return found

    def is_significant_entry(self, entry: int) -> bool:
        """Can this entry make a verdict non-zero (see ``significant``)?"""
        return self._significant is None or entry in self._significant

    def is_strong_entry(self, entry: int) -> bool:
        """Can this entry make a verdict non-zero on its own (not only in a combination)?"""
        return self.is_significant_entry(entry) and (self._strong is None or entry in self._strong)

    def _build_keys(self) -> None:
        """Index every significant sequence by its two most selective elements (its keys; one
        for a one-token sequence). Every match holds a token accepted by each key, so a message
        that lacks one of a sequence's keys cannot match it: the prefilter needs both."""
        self._slot_words: dict[str, list[int]] = {}
        self._slot_prefixes: dict[str, list[int]] = {}
        self._slot_suffixes: dict[str, list[int]] = {}
        self._slot_numeric: list[int] = []
        self._two_keys: set[int] = set()  # sequences with a second key
        for sid, seq in enumerate(self._seqs):
            if self._significant is not None and seq.entry not in self._significant:
                continue
            specs = [(i, e) for i, e in enumerate(seq.elems) if isinstance(e, TokSpec)]
            specs.sort(key=lambda ie: (-_selectivity(ie[1], self._common), ie[0]))
            if len(specs) > 1:
                self._two_keys.add(sid)
            for slot, (_, key) in enumerate(specs[:2]):
                code = sid * 2 + slot
                for w in key.words:
                    self._slot_words.setdefault(w, []).append(code)
                for p in key.prefixes:
                    self._slot_prefixes.setdefault(p, []).append(code)
                for x in key.suffixes:
                    self._slot_suffixes.setdefault(x, []).append(code)
                if key.num or key.qty:
                    self._slot_numeric.append(code)
        self._slot_prefix_lengths = sorted({len(p) for p in self._slot_prefixes})
        self._slot_suffix_lengths = sorted({len(x) for x in self._slot_suffixes})

    def key_slots(self, word: str, forms: Sequence[str]) -> frozenset[int]:
        """The key slots (sequence * 2 + slot) this word's spellings accept (memoised)."""
        got = self._may_memo.get(word)
        if got is None:
            found: set[int] = set()
            if "0" <= word[0] <= "9":
                found.update(self._slot_numeric)
            for f in forms:
                found.update(self._slot_words.get(f, ()))
                for k in self._slot_prefix_lengths:
                    if k > len(f):
                        break
                    found.update(self._slot_prefixes.get(f[:k], ()))
                for k in self._slot_suffix_lengths:
                    if k > len(f):
                        break
                    found.update(self._slot_suffixes.get(f[-k:], ()))
            got = frozenset(found)
            if len(self._may_memo) >= MEMO_LIMIT:
                self._may_memo.clear()
            self._may_memo[word] = got
        return got

    def possible(self, slots: set[int] | frozenset[int]) -> tuple[bool, set[int]]:
        """From the key slots a message's words accept: whether a strong sequence has all its
        keys, and the modifier entries some sequence of which has all its keys."""
        modifiers: set[int] = set()
        two = self._two_keys
        for code in slots:
            if code & 1:
                continue
            sid = code >> 1
            if sid in two and code + 1 not in slots:
                continue
            entry = self._seqs[sid].entry
            if self._strong is None or entry in self._strong:
                return True, modifiers
            modifiers.add(entry)
        return False, modifiers

    def _candidates(self, tok: Token, nxt: Token | None) -> list[int]:
        found: set[int] = set()
        for f in tok.forms:
            found.update(self._form_candidates(f))
            if nxt is not None:
                for f2 in nxt.forms:
                    found.update(self._pairs.get((f, f2), ()))
        if tok.number is not None:
            found.update(self._numeric)
        return sorted(found)

    def _match_rest(
        self,
        elems: tuple[Elem, ...],
        ei: int,
        ti: int,
        tokens: Sequence[Token],
        used: list[int],
        dead: set[tuple[int, int]],
    ) -> int:
        """Index of the last token of the shortest match of elems[ei:] from token ti, or -1.

        ``dead`` remembers (element, token) states already known to fail: several gaps would
        otherwise revisit them once per combination of gap lengths. The search order, and so
        the match found, is unchanged.
        """
        if ei == len(elems):
            return used[-1]
        if (ei, ti) in dead:
            return -1
        e = elems[ei]
        if isinstance(e, Gap):
            for g in range(e.lo, e.hi + 1):
                if any(tokens[t].sentence_break for t in range(ti, min(ti + g, len(tokens)))):
                    break
                if ti + g > len(tokens):
                    break
                r = self._match_rest(elems, ei + 1, ti + g, tokens, used, dead)
                if r >= 0:
                    return r
            dead.add((ei, ti))
            return -1
        if (ti >= len(tokens) or tokens[ti].sentence_break
                or not _spec_accepts(e, tokens[ti], self._quantity_min)):
            dead.add((ei, ti))
            return -1
        used.append(ti)
        r = self._match_rest(elems, ei + 1, ti + 1, tokens, used, dead)
        if r < 0:
            used.pop()
            dead.add((ei, ti))
        return r

    def find(self, tokens: Sequence[Token]) -> list[RawMatch]:
        """All matches in the token sequence, sorted by (first, last, entry)."""
        best: dict[tuple[int, int], RawMatch] = {}
        n = len(tokens)
        for ti, tok in enumerate(tokens):
            for sid in self._candidates(tok, tokens[ti + 1] if ti + 1 < n else None):
                seq = self._seqs[sid]
                gaps: tuple[int, ...] = ()
                if len(seq.elems) == 1:
                    last = ti  # one token, accepted by the index already: the match is it
                else:
                    used = [ti]
                    last = self._match_rest(seq.elems, 1, ti + 1, tokens, used, set())
                    if last < 0:
                        continue
                    gaps = tuple(t for t in range(ti, last + 1) if t not in used)
                key = (seq.entry, ti)
                if key not in best or last < best[key].last:
                    best[key] = RawMatch(seq.entry, ti, last, gaps)
            if tok.joined:
                for entry in self._compact_entries(tok.forms):
                    if (entry, ti) not in best:
                        best[(entry, ti)] = RawMatch(entry, ti, ti, ())
        kept: list[RawMatch] = []
        last_end: dict[int, int] = {}
        for m in sorted(best.values(), key=lambda m: (m.first, m.last, m.entry)):
            if last_end.get(m.entry, -1) >= m.first:
                continue  # overlaps an earlier match of the same entry
            last_end[m.entry] = m.last
            kept.append(m)
        return kept


def _selectivity(spec: TokSpec, common: frozenset[str]) -> int:
    """How rare a token element is: the length of its shortest alternative, 0 for numbers
    and for elements that accept a common function word."""
    if spec.num or spec.qty or spec.words & common:
        return 0
    return min([len(w) for w in spec.words] + [len(p) for p in spec.prefixes]
               + [len(x) for x in spec.suffixes])


def _compact_keys(elems: tuple[Elem, ...]) -> list[str]:
    """Concatenated spellings of a word-only sequence (gaps as empty), for spaced-out letters."""
    choices: list[list[str]] = []
    for e in elems:
        if isinstance(e, Gap):
            continue  # spaced-out letters leave no room for extra words
        if e.num or e.qty:
            return []
        choices.append(sorted(e.words) + list(e.prefixes) + list(e.suffixes))
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_COMPACT_KEYS:
        return []
    keys = ["".join(combo) for combo in itertools.product(*choices)]
    return [k for k in keys if len(k) >= MIN_COMPACT_KEY]
