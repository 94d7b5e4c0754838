"""Validate the parsed ``config/detector.json`` and compile it into the detector's tables.

The file is read once (``load_default_data``); everything here works on the already-parsed JSON
so the core stays free of I/O. Bad data raises ``DataError`` naming the entry, never text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from moderation.model import Model, ModelError
from moderation.normalize import NormTables, normalise
from moderation.patterns import Elem, Matcher, parse_pattern
from moderation.pii import PiiRule
from moderation.tokenize import Tokenizer

SUPPORTED_VERSION = 1
LANGUAGES = ("fi", "sv", "en")
NEGATION_POLARITIES = ("negatable", "negated_form_is_crisis", "fixed")
CONTEXTS = ("self", "other")
CUE_KINDS = ("past", "recent", "reported")
# Optional cue kinds: "joking" (lol, haha, xD, jk: a laugh in the message; see context_effects).
# "asked", "answer_no", "addressed", "first_person", "quote_source", "speech", "speaker":
# moderation/context.py.
OPTIONAL_CUE_KINDS = ("joking", "asked", "answer_no", "addressed", "first_person",
                      "quote_source", "speech", "speaker", "contrast", "topic", "answer_alone",
                      "mention_after", "possessive", "mention_before",
                      "ask_other")
SCOPES = ("message", "sentence", "clause")


class DataError(ValueError):
    """The detector data file is malformed."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry (or an idiom / context cue / pseudo-negation, by ``kind``)."""

    kind: str
    id: str
    category: str
    severity: int
    negation: str
    context: str
    tags: frozenset[str]
    langs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Combination:
    """Tags that, found together in one message, raise the level (e.g. intent + a time)."""

    id: str
    requires: tuple[str, ...]
    severity: int
    category: str
    within: str = "message"
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Compiled:
    """Everything ``Detector`` needs, compiled from the data file."""

    norm: NormTables
    leet: Mapping[str, str]
    tokenizer: Tokenizer
    categories: tuple[str, ...]
    entries: tuple[Entry, ...]
    matcher: Matcher
    markers: Mapping[str, frozenset[str]]
    neg_triggers: Mapping[str, frozenset[str]]
    neg_terminators: frozenset[str]
    neg_unknown_excluded: frozenset[str]
    neg_window: int
    combinations: tuple[Combination, ...]
    pii_rules: tuple[PiiRule, ...]
    pii_allowlist: tuple[str, ...]
    pii_other_cues: frozenset[str]
    pii_self_cues: frozenset[str]
    pii_before: int
    pii_after: int
    past_cap_high: int
    past_cap_low: int
    recent_cap: int
    reported_cap: int
    joking_caps: Mapping[str, int] | None = None
    joking_emoji: frozenset[str] = frozenset()
    joking_unless: frozenset[str] = frozenset()
    quoted_categories: frozenset[str] = frozenset()
    answered_cap: int = 0
    addressed_cap: int = 0
    addressed_categories: frozenset[str] = frozenset()
    # Categories a speech frame ("people who write ...") can report: never a threat or abuse.
    framed_categories: frozenset[str] = frozenset()
    model: Model | None = None

    def __repr__(self) -> str:
        return f"Compiled(entries={len(self.entries)})"


def _req(obj: Mapping[str, Any], key: str, typ: type, where: str) -> Any:
    if key not in obj or not isinstance(obj[key], typ):
        raise DataError(f"{where}: '{key}' missing or not {typ.__name__}")
    return obj[key]


def _words(values: Sequence[Any], where: str) -> list[str]:
    if not all(isinstance(v, str) and v for v in values):
        raise DataError(f"{where}: expected non-empty strings")
    return list(values)


def compile_data(data: Mapping[str, Any]) -> Compiled:
    """Validate the parsed data file and compile patterns, tables and rules."""
    if data.get("version") != SUPPORTED_VERSION:
        raise DataError("unsupported detector data version")
    nd = _req(data, "normalisation", dict, "normalisation")
    homoglyphs = _req(nd, "homoglyphs", dict, "normalisation")
    for k, v in homoglyphs.items():
        if len(k) != 1 or not isinstance(v, str) or k in "äöåÄÖÅ":
            raise DataError(f"normalisation.homoglyphs: bad entry {k!r}")
    leet = _req(nd, "leet", dict, "normalisation")
    if not all(len(k) == 1 and isinstance(v, str) and len(v) == 1 for k, v in leet.items()):
        raise DataError("normalisation.leet: single characters only")
    norm = NormTables(dict(homoglyphs), frozenset(_words(_req(nd, "strip", list, "n"), "strip")))

    def norm_word(w: str) -> str:
        return normalise(w, norm).text.replace("'", "")

    categories = tuple(_words(_req(data, "categories", list, "categories"), "categories"))
    classes = {
        name: _words(vals, f"classes.{name}")
        for name, vals in _req(data, "classes", dict, "classes").items()
    }
    quantity_min = int(_req(data, "quantity_min", int, "quantity_min"))

    entries: list[Entry] = []
    seqs: list[tuple[int, tuple[Elem, ...]]] = []
    seen: set[str] = set()

    def add(entry: Entry, patterns: Sequence[str], fold: bool) -> None:
        if entry.id in seen:
            raise DataError(f"duplicate id {entry.id}")
        seen.add(entry.id)
        idx = len(entries)
        entries.append(entry)
        for p in _words(patterns, entry.id):
            for elems in parse_pattern(p, classes, norm_word, fold, entry.id):
                seqs.append((idx, elems))

    for e in _req(data, "lexicon", list, "lexicon"):
        where = str(e.get("id", "?"))
        cat = _req(e, "category", str, where)
        sev = _req(e, "severity", int, where)
        neg = _req(e, "negation", str, where)
        ctx = e.get("context", "self")
        if cat not in categories or not 0 <= sev <= 4 or neg not in NEGATION_POLARITIES:
            raise DataError(f"{where}: bad category/severity/negation")
        if ctx not in CONTEXTS:
            raise DataError(f"{where}: bad context")
        tags = frozenset(_words(e.get("tags", []), where))
        add(
            Entry("lexicon", _req(e, "id", str, where), cat, sev, neg, ctx, tags,
                  frozenset(_words(_req(e, "lang", list, where), where))),
            _req(e, "patterns", list, where),
            bool(e.get("fold", False)),
        )
    for e in _req(data, "idioms", list, "idioms"):
        where = str(e.get("id", "?"))
        add(Entry("idiom", _req(e, "id", str, where), "", 0, "fixed", "self", frozenset()),
            _req(e, "patterns", list, where), bool(e.get("fold", False)))
    ctx_data = _req(data, "context_cues", dict, "context_cues")
    for kind in CUE_KINDS + OPTIONAL_CUE_KINDS:
        cue_langs = ctx_data.get(kind, {}) if kind in OPTIONAL_CUE_KINDS else _req(
            ctx_data, kind, dict, f"context_cues.{kind}")
        for lang, pats in cue_langs.items():
            add(Entry(kind, f"cue.{kind}.{lang}", "", 0, "fixed", "self", frozenset()),
                pats, True)
    neg = _req(data, "negation", dict, "negation")
    for lang, pats in _req(neg, "pseudo", dict, "negation.pseudo").items():
        add(Entry("pseudo_negation", f"pseudo.{lang}", "", 0, "fixed", "self", frozenset()),
            pats, True)

    combos = tuple(
        Combination(
            _req(c, "id", str, "combinations"),
            tuple(_words(_req(c, "requires", list, "combinations"), "requires")),
            _req(c, "severity", int, "combinations"),
            _req(c, "category", str, "combinations"),
            str(c.get("within", "message")),
            tuple(_words(c.get("excludes", []), "excludes")),
        )
        for c in _req(data, "combinations", list, "combinations")
    )
    for c in combos:
        if c.category not in categories or not 1 <= c.severity <= 4:
            raise DataError(f"{c.id}: bad category/severity")
        if c.within not in SCOPES:
            raise DataError(f"{c.id}: bad scope")

    pd = _req(data, "personal_data", dict, "personal_data")
    pii_sev = _req(pd, "severity", int, "personal_data")
    pii_rules = tuple(
        PiiRule(_req(r, "id", str, "pii"), _req(r, "kind", str, "pii"),
                re.compile(_req(r, "regex", str, "pii")), pii_sev)
        for r in _req(pd, "rules", list, "personal_data")
    )
    doxx = _req(pd, "doxxing", dict, "personal_data")
    langs = _req(data, "languages", dict, "languages")
    # Function words and everyday words ("today", "everyone") are never a pattern's prefilter
    # key: a key should be rare in ordinary chat.
    common = frozenset(
        norm_word(w)
        for v in langs.values()
        for w in _words(_req(v, "markers", list, "l") + list(v.get("common", [])), "l")
    )
    effects = _req(data, "context_effects", dict, "context_effects")
    return Compiled(
        norm=norm,
        leet=dict(leet),
        tokenizer=Tokenizer(leet),
        categories=categories,
        entries=tuple(entries),
        matcher=Matcher(seqs, quantity_min, _significant(entries, combos), common,
                        frozenset(i for i, e in enumerate(entries)
                                  if e.kind == "lexicon" and e.severity > 0)),
        # Language guess: the markers plus the words listed only for guessing ("guess"), which
        # are frequent but must not change which element of a pattern is its prefilter key.
        markers={
            lang: frozenset(
                norm_word(w)
                for w in _words(_req(v, "markers", list, lang) + list(v.get("guess", [])), lang)
            )
            for lang, v in langs.items()
        },
        neg_triggers={
            lang: frozenset(norm_word(w) for w in _words(ws, lang))
            for lang, ws in _req(neg, "triggers", dict, "negation").items()
        },
        neg_terminators=frozenset(
            norm_word(w)
            for ws in _req(neg, "terminators", dict, "negation").values()
            for w in _words(ws, "terminators")
        ),
        neg_unknown_excluded=frozenset(_words(neg.get("unknown_language_excluded", []), "neg")),
        neg_window=_req(neg, "window", int, "negation"),
        combinations=combos,
        pii_rules=pii_rules,
        pii_allowlist=tuple(_words(_req(pd, "phone_allowlist", list, "pd"), "allowlist")),
        pii_other_cues=frozenset(
            norm_word(w) for ws in _req(doxx, "other_cues", dict, "doxxing").values()
            for w in _words(ws, "other_cues")
        ),
        pii_self_cues=frozenset(
            norm_word(w) for ws in _req(doxx, "self_cues", dict, "doxxing").values()
            for w in _words(ws, "self_cues")
        ),
        pii_before=_req(doxx, "before", int, "doxxing"),
        pii_after=_req(doxx, "after", int, "doxxing"),
        past_cap_high=_req(effects, "past_high_severity_becomes", int, "context_effects"),
        past_cap_low=_req(effects, "past_low_severity_becomes", int, "context_effects"),
        recent_cap=_req(effects, "recent_caps_at", int, "context_effects"),
        reported_cap=_req(effects, "reported_caps_at", int, "context_effects"),
        joking_caps={str(k): int(v) for k, v in effects.get("joking_caps", {}).items()},
        joking_emoji=frozenset(_words(effects.get("joking_emoji", []), "joking_emoji")),
        joking_unless=frozenset(_words(effects.get("joking_unless", []), "joking_unless")),
        quoted_categories=frozenset(
            _words(effects.get("quoted_categories", []), "quoted_categories")),
        answered_cap=int(effects.get("answered_caps_at", 0)),
        addressed_cap=int(effects.get("addressed_caps_at", 0)),
        addressed_categories=frozenset(
            _words(effects.get("addressed_categories", []), "addressed_categories")),
        framed_categories=frozenset(
            _words(effects.get("framed_categories", []), "framed_categories")),
        model=_model(data, quantity_min, categories),
    )


def _model(data: Mapping[str, Any], quantity_min: int, categories: Sequence[str]) -> Model | None:
    """The learned component (``model`` section), or None when the data file has none."""
    section = data.get("model")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise DataError("model: not an object")
    try:
        return Model(section, quantity_min, categories)
    except ModelError as exc:
        raise DataError(str(exc)) from exc


def _significant(entries: Sequence[Entry], combos: Sequence[Combination]) -> frozenset[int]:
    """Entries that can make a verdict non-zero: severity above 0, or severity-0 modifiers
    whose tags could complete a combination made only of such modifiers."""
    zero_tags = {t for e in entries if e.kind == "lexicon" and e.severity == 0 for t in e.tags}
    combo_zero = {t for c in combos if all(r in zero_tags for r in c.requires) for t in c.requires}
    return frozenset(
        i for i, e in enumerate(entries)
        if e.kind == "lexicon" and (e.severity > 0 or e.tags & combo_zero)
    )


def load_default_data() -> dict[str, Any]:
    """Read the packaged ``config/detector.json`` (the one file read; call once)."""
    text = resources.files("config").joinpath("detector.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
