"""Evaluation metrics for the detector over labelled cases (pure; the runner is
bench/detector_eval.py).

Metrics, following the issue:
- ``recall_high``: cases labelled 3-4 that were scored at least 2;
- ``recall_imminent``: cases labelled 4 that were scored at least 3;
- ``false_alarm``: cases labelled 0 that were scored 2 or more;
- ``exact``: exact level agreement;
- ``category``: every expected category was reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moderation.result import Detection

LANGS = ("fi", "sv", "en")


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled evaluation case. ``group`` is the case file's functional group (or the
    ``kind`` when a file has only that); ``kind`` is the kind of wording (indirect,
    violence_now, slang, obfuscation, joking, quoting, ...) where the file gives one."""

    text: str
    lang: str
    severity: int
    categories: tuple[str, ...]
    group: str
    kind: str = ""

    def __repr__(self) -> str:
        return f"Case({self.lang}, {self.group}, severity={self.severity})"

    @staticmethod
    def from_json(obj: Mapping[str, Any]) -> Case:
        """Validate one JSON case object: ``text``, ``lang`` (fi/sv/en), ``severity`` 0-4, and
        optionally ``categories`` (a list), ``group`` and ``kind``."""
        text, lang, sev = obj.get("text"), obj.get("lang"), obj.get("severity")
        cats = obj.get("categories", [])
        kind = obj.get("kind", "")
        group = obj.get("group", kind or "-")
        if not isinstance(text, str) or lang not in LANGS or not isinstance(sev, int):
            raise ValueError("bad case: text/lang/severity")
        if not isinstance(cats, list) or not isinstance(group, str) or not 0 <= sev <= 4:
            raise ValueError("bad case: categories/group")
        if not isinstance(kind, str):
            raise ValueError("bad case: kind")
        return Case(text, lang, sev, tuple(str(c) for c in cats), group, kind)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A case and what the detector said."""

    case: Case
    severity: int
    categories: tuple[str, ...]


def _ratio(hits: int, n: int) -> float | None:
    return hits / n if n else None


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The metrics of the module docstring plus counts, for one slice of outcomes."""
    high = [o for o in outcomes if o.case.severity >= 3]
    imminent = [o for o in outcomes if o.case.severity == 4]
    zero = [o for o in outcomes if o.case.severity == 0]
    return {
        "n": len(outcomes),
        "n_high": len(high),
        "n_imminent": len(imminent),
        "n_zero": len(zero),
        "recall_high": _ratio(sum(o.severity >= 2 for o in high), len(high)),
        "recall_imminent": _ratio(sum(o.severity >= 3 for o in imminent), len(imminent)),
        "false_alarm": _ratio(sum(o.severity >= 2 for o in zero), len(zero)),
        "exact": _ratio(sum(o.severity == o.case.severity for o in outcomes), len(outcomes)),
        "category": _ratio(
            sum(set(o.case.categories) <= set(o.categories) for o in outcomes), len(outcomes)
        ),
    }


def run(cases: Iterable[Case], detect: Callable[[str, str | None], Detection]) -> list[Outcome]:
    """Run every case through ``detect`` (with its language hint)."""
    out: list[Outcome] = []
    for c in cases:
        d = detect(c.text, c.lang)
        out.append(Outcome(c, d.severity, d.categories))
    return out


def by_key(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict[str, Any]]:
    """``summarise`` per value of ``key`` (language, expected level, group), sorted by key."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o), []).append(o)
    return {k: summarise(v) for k, v in sorted(groups.items())}


def confusion(outcomes: Sequence[Outcome]) -> list[list[int]]:
    """5x5 matrix: rows expected level, columns predicted level."""
    m = [[0] * 5 for _ in range(5)]
    for o in outcomes:
        m[o.case.severity][o.severity] += 1
    return m


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def markdown_table(rows: Mapping[str, Mapping[str, Any]], label: str) -> str:
    """A Markdown table of summaries, one row per slice."""
    head = (
        f"| {label} | n | recall 3-4 scored ≥2 | recall 4 scored ≥3 | false alarms 0 scored ≥2 "
        "| exact level | categories |\n|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {k} | {v['n']} | {_fmt(v['recall_high'])} (n={v['n_high']}) "
        f"| {_fmt(v['recall_imminent'])} (n={v['n_imminent']}) "
        f"| {_fmt(v['false_alarm'])} (n={v['n_zero']}) | {_fmt(v['exact'])} "
        f"| {_fmt(v['category'])} |"
        for k, v in rows.items()
    ]
    return head + "\n".join(lines) + "\n"
