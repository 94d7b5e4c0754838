"""Text normalisation for the detector: one recipe, mirrored exactly in web_client/js/detector.js.

Every output character remembers which original code points it came from, so match spans can be
reported in the ORIGINAL text (code-point offsets). The steps, in order:

1. Drop format characters: Unicode category ``Cf`` (zero-width space/joiners, soft hyphen, bidi
   marks, ...) plus the explicit ``strip`` list of the data file (fillers and variation selectors
   that are not ``Cf``). Zero-width characters are the classic way to slip past a filter.
2. Split into clusters (a character followed by its combining marks, categories ``M*``) and apply
   NFKC to each cluster: fullwidth and mathematical letters fold to plain letters, ``a`` + U+0308
   composes to ``ä``. Per-cluster NFKC (not whole-string) keeps the offset map simple and is
   reproducible with ``String.prototype.normalize`` in JavaScript.
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
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NormTables:
    """The normalisation tables of the data file, validated."""

    homoglyphs: Mapping[str, str]
    strip: frozenset[str]

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


def is_mark(ch: str) -> bool:
    """True for combining marks (categories Mn, Mc, Me)."""
    return unicodedata.category(ch)[0] == "M"


def normalise(text: str, tables: NormTables) -> Normalised:
    """Apply steps 1-3 of the module docstring and keep the offset map."""
    kept: list[tuple[int, str]] = [
        (i, ch)
        for i, ch in enumerate(text)
        if unicodedata.category(ch) != "Cf" and ch not in tables.strip
    ]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    k = 0
    while k < len(kept):
        first = kept[k][0]
        cluster = kept[k][1]
        j = k + 1
        while j < len(kept) and is_mark(kept[j][1]):
            cluster += kept[j][1]
            j += 1
        last = kept[j - 1][0] + 1
        for ch in unicodedata.normalize("NFKC", cluster):
            # Look-alikes are mapped before lower-casing too: capital Greek Υ looks like Y,
            # but its lower case υ looks like u.
            direct = tables.homoglyphs.get(ch)
            for low in direct if direct is not None else ch.lower():
                out.append(tables.homoglyphs.get(low, low))
                starts.append(first)
                ends.append(last)
        k = j
    return Normalised("".join(out), tuple(starts), tuple(ends))


def fold_diacritics(word: str) -> str:
    """The 'typed without ä/ö/å' view of a word: ä→a, ö→o, å→a (used for multi-word phrases)."""
    return word.replace("ä", "a").replace("ö", "o").replace("å", "a")
