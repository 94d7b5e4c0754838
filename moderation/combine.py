"""Combinations: tags of the unaffected matches (not blocked by an idiom, negated, past or
reported) may add a higher match (docs/detection.md, step 7). Also the builder of a rule
``Match`` from token positions, shared with the engine. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from moderation.data import Combination, Entry
from moderation.normalize import Normalised
from moderation.patterns import RawMatch
from moderation.result import FLAG_ORDER, Match
from moderation.tokenize import Token


def make_match(
    rule: str, category: str, eff: int, base: int, first: RawMatch, last: RawMatch,
    norm: Normalised, tokens: Sequence[Token], flags: Sequence[str],
) -> Match:
    """A match spanning ``first``..``last`` in original code points, flags in canonical order."""
    start = norm.original_span(tokens[first.first].start, tokens[first.first].end)[0]
    end = norm.original_span(tokens[last.last].start, tokens[last.last].end)[1]
    ordered = tuple(f for f in FLAG_ORDER if f in flags)
    return Match(rule=rule, category=category, severity=eff, base_severity=base,
                 span=(start, end), flags=ordered)


def combinations(
    combos: Sequence[Combination], needs: Sequence[frozenset[str]],
    active: Sequence[tuple[RawMatch, Entry]], norm: Normalised, tokens: Sequence[Token],
    scopes: dict[str, list[int]], quoted: Callable[[str, int, int], bool] | None = None,
    where: dict[tuple[str, tuple[int, int]], tuple[int, int]] | None = None,
) -> list[Match]:
    """The combination matches of the active (unaffected) matches; each combination fires once,
    in its first scope unit (message, sentence or clause) that fills it. ``quoted(category,
    first token, last token)``: the combination lies inside a quotation that sets its category
    aside (severity 0, flag ``quoted``: 'citerar trollet: "ingen bryr sig, dö bara"').
    ``where`` collects each match's first and last token by (rule, span)."""
    out: list[Match] = []
    present: set[str] = set()
    for _, e in active:
        present |= e.tags
    for combo, need in zip(combos, needs, strict=True):
        if not need <= present:
            continue  # same verdict as searching, without the search
        if combo.within == "message":
            groups = [list(active)]
        else:
            unit = scopes[combo.within]
            by_unit: dict[int, list[tuple[RawMatch, Entry]]] = {}
            for m, e in active:
                by_unit.setdefault(unit[m.first], []).append((m, e))
            groups = [by_unit[u] for u in sorted(by_unit)]
        for group in groups:
            if combo.excludes and any(t in e.tags for _, e in group for t in combo.excludes):
                continue
            parts = fill(combo.requires, group)
            if parts is not None:
                first = min(parts, key=lambda m: m.first)
                last = max(parts, key=lambda m: m.last)
                q = quoted is not None and quoted(combo.category, first.first, last.last)
                made = make_match(combo.id, combo.category, 0 if q else combo.severity,
                                  combo.severity, first, last, norm, tokens,
                                  ["combination", "quoted"] if q else ["combination"])
                out.append(made)
                if where is not None:
                    where[(made.rule, made.span)] = (first.first, last.last)
                break
    return out


def fill(
    requires: Sequence[str], group: Sequence[tuple[RawMatch, Entry]]
) -> list[RawMatch] | None:
    """One match per required tag, each from a different entry (greedy, in order)."""
    used: list[int] = []
    for tag in requires:
        # Each slot needs its own entry: "goodbye goodbye" is one farewell sign, not two.
        taken = {group[u][1].id for u in used}
        pick = next(
            (i for i, (_, e) in enumerate(group) if tag in e.tags and e.id not in taken),
            None,
        )
        if pick is None:
            return None
        used.append(pick)
    return [group[i][0] for i in used]
