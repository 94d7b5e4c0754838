"""Typed results of the detector. ``repr`` never shows message text, only ids, levels and spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITY_MIN = 0
SEVERITY_MAX = 4
FLAG_ORDER = ("idiom", "negated", "past", "recent", "reported", "quoted", "answered", "addressed",
              "support", "joking", "combination",
              "model", "truncated")


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """One rule that fired: its id, category, effective and base severity, span and flags.

    ``span`` is a half-open range of code points in the ORIGINAL message. ``severity`` is what the
    rule contributes after idioms, negation, past tense and reported speech; ``base_severity`` is
    the lexicon's value.
    """

    rule: str
    category: str
    severity: int
    base_severity: int
    span: tuple[int, int]
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not SEVERITY_MIN <= self.severity <= SEVERITY_MAX:
            raise ValueError("severity out of range")
        if not 0 <= self.span[0] <= self.span[1]:
            raise ValueError("bad span")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON object (the shape used by the CLI and tests/vectors/detect.json)."""
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "base_severity": self.base_severity,
            "span": [self.span[0], self.span[1]],
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Detection:
    """The verdict for one message: severity 0-4, categories found, and the matches behind them."""

    severity: int
    categories: tuple[str, ...]
    matches: tuple[Match, ...]
    language: str | None

    def __post_init__(self) -> None:
        if not SEVERITY_MIN <= self.severity <= SEVERITY_MAX:
            raise ValueError("severity out of range")

    def __repr__(self) -> str:
        rules = ",".join(m.rule for m in self.matches)
        return (
            f"Detection(severity={self.severity}, categories={self.categories!r}, "
            f"language={self.language!r}, rules=[{rules}])"
        )

    __str__ = __repr__

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that contributed a severity above 0."""
        return tuple(m.rule for m in self.matches if m.severity > 0)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON object: severity, categories, language and matches."""
        return {
            "severity": self.severity,
            "categories": list(self.categories),
            "language": self.language,
            "matches": [m.to_json() for m in self.matches],
        }
