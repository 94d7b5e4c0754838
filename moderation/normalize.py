"""Text normalisation for the detector: one recipe, mirrored exactly in web_client/js/detector.js.

Every output character remembers which original code points it came from, so match spans can be
reported in the ORIGINAL text (code-point offsets). The steps, in order:

1. Drop format characters: Unicode category ``Cf`` (zero-width space/joiners, soft hyphen, bidi
   marks, ...) plus the explicit ``strip`` list of the data file (fillers and variation selectors
   that are not ``Cf``). Zero-width characters are the classic way to slip past a filter.
2. Split into clusters (a character followed by its combining marks, categories ``M*``) and apply
   NFKC to each cluster: fullwidth and mathematical letters fold to plain letters, ``a`` + U+0308
   composes to ``ä``. Per-cluster NFKC (not whole-string) keeps the offset map simple and is
   reproducible with ``String.prototype.normalize`` in JavaScript. A symbol (category ``S*``)
   whose NFKC form is several characters stays as it is: "™" must not become "tm" glued to the
   word before it.
3. Look-alikes: a character found in the explicit homoglyph table (Cyrillic/Greek letters in
   both cases, typographic apostrophes) is replaced by its entry; any other character is
   lower-cased with the default Unicode mapping (``str.lower`` / ``toLowerCase``; not
   ``casefold``, which JavaScript lacks and which turns ß into ss) and each resulting character
   is looked up in the table once more. The table never contains ä, ö or å: those are real
   Finnish/Swedish letters.

Leetspeak, stretched letters and spaced-out letters are token-level and live in tokenize.py.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

CACHE_LIMIT = 20_000  # distinct characters remembered; cleared when exceeded


@dataclass(frozen=True, slots=True)
class NormTables:
    """The normalisation tables of the data file, validated, plus a per-character memo.

    The memo only speeds things up (characters repeat); results are identical without it.
    """

    homoglyphs: Mapping[str, str]
    strip: frozenset[str]
    memo: dict[str, tuple[str, bool, bool]] = field(default_factory=dict, compare=False)
    # Characters seen so far that map to exactly one character on their own, are no combining
    # mark and are not dropped: a text made only of those is normalised by str.translate.
    simple: dict[int, str] = field(default_factory=dict, compare=False)
    simple_chars: set[str] = field(default_factory=set, compare=False)
    # Of those, the ones whose mapping is just str.lower(): most chat text needs nothing else.
    lower_chars: set[str] = field(default_factory=set, compare=False)

    def __repr__(self) -> str:
        return f"NormTables(homoglyphs={len(self.homoglyphs)}, strip={len(self.strip)})"


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus, per output character, the original code-point span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __repr__(self) -> str:
        # Never print the text: it is someone's private message.
        return f"Normalised(chars={len(self.text)})"

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of normalised characters to a span of original code points."""
        return self.starts[start], self.ends[end - 1]


def _map_cluster(cluster: str, tables: NormTables) -> str:
    """NFKC, then look-alike table or lower case, then the table again (step 2 and 3)."""
    out: list[str] = []
    folded = unicodedata.normalize("NFKC", cluster)
    if len(folded) > 1 and unicodedata.category(cluster[0])[0] == "S":
        folded = cluster  # ™ → "TM" would glue letters onto the word before it
    for ch in folded:
        # Look-alikes are mapped before lower-casing too: capital Greek Υ looks like Y,
        # but its lower case υ looks like u.
        direct = tables.homoglyphs.get(ch)
        for low in direct if direct is not None else ch.lower():
            out.append(tables.homoglyphs.get(low, low))
    return "".join(out)


def _char_info(ch: str, tables: NormTables) -> tuple[str, bool, bool]:
    """(mapping of the character alone, is a combining mark, is dropped) — memoised."""
    info = tables.memo.get(ch)
    if info is None:
        cat = unicodedata.category(ch)
        info = (_map_cluster(ch, tables), cat[0] == "M", cat == "Cf" or ch in tables.strip)
        if len(tables.memo) >= CACHE_LIMIT:
            tables.memo.clear()
            tables.simple.clear()
            tables.simple_chars.clear()
            tables.lower_chars.clear()
        tables.memo[ch] = info
        if len(info[0]) == 1 and not info[1] and not info[2]:
            tables.simple[ord(ch)] = info[0]
            tables.simple_chars.add(ch)
            # str.lower() on a whole string applies the context-dependent final sigma; the
            # per-character mapping (and JavaScript) does not, so Σ never takes the fast path.
            if info[0] == ch.lower() and ch != "\u03a3":
                tables.lower_chars.add(ch)
    return info


def normalise(text: str, tables: NormTables) -> Normalised:
    """Apply steps 1-3 of the module docstring and keep the offset map."""
    n = len(text)
    if tables.lower_chars.issuperset(text):
        # Fast paths, same result: every character maps to one character by itself.
        return Normalised(text.lower(), tuple(range(n)), tuple(range(1, n + 1)))
    if tables.simple_chars.issuperset(text):
        return Normalised(text.translate(tables.simple), tuple(range(n)), tuple(range(1, n + 1)))
    infos = [_char_info(ch, tables) for ch in text]
    kept = [i for i, info in enumerate(infos) if not info[2]]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    k = 0
    n_kept = len(kept)
    while k < n_kept:
        first = kept[k]
        j = k + 1
        while j < n_kept and infos[kept[j]][1]:
            j += 1
        if j == k + 1:
            mapped = infos[first][0]  # the common case: a character without combining marks
        else:
            mapped = _map_cluster("".join(text[kept[x]] for x in range(k, j)), tables)
        last = kept[j - 1] + 1
        for ch in mapped:
            out.append(ch)
            starts.append(first)
            ends.append(last)
        k = j
    return Normalised("".join(out), tuple(starts), tuple(ends))


def fold_diacritics(word: str) -> str:
    """The 'typed without ä/ö/å' view of a word: ä→a, ö→o, å→a (used for multi-word phrases)."""
    return word.replace("ä", "a").replace("ö", "o").replace("å", "a")
