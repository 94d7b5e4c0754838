"""Evaluate the crisis-language detector on tests/moderation/cases/*.jsonl.

Usage: .venv/bin/python bench/detector_eval.py [--misses] [--summary]

Prints, for the tuning set (every file not in SEPARATE), each separate set (held-out, blind
1-10, external a-d and the sealed set: each written after a round of rules and recorded on its first run) and all:
per language, per expected level and per group the recall of levels 3-4 scored >= 2, recall of
level 4 scored >= 3, false alarms (level 0 scored >= 2), exact-level agreement and category
agreement, plus the confusion matrix. --misses lists the cases whose level differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import detect  # noqa: E402
from moderation.evaluation import (  # noqa: E402
    Case,
    Outcome,
    by_key,
    confusion,
    markdown_table,
    run,
    summarise,
)

CASES = ROOT / "tests" / "moderation" / "cases"
HELDOUT = "heldout.jsonl"
BLIND = "blind.jsonl"
BLIND2 = "blind2.jsonl"
BLIND3 = "blind3.jsonl"
BLIND4 = "blind4.jsonl"
BLIND5 = "blind5.jsonl"
BLIND6 = "blind6.jsonl"
BLIND7 = "blind7.jsonl"
BLIND8 = "blind8.jsonl"
BLIND9 = "blind9.jsonl"
BLIND10 = "blind10.jsonl"


def load(paths: list[Path]) -> list[Case]:
    """Read and validate the cases of the given files."""
    out: list[Case] = []
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    out.append(Case.from_json(json.loads(line)))
                except ValueError as exc:
                    raise SystemExit(f"{p.name}:{n}: {exc}") from exc
    return out


def report(title: str, outcomes: list[Outcome]) -> str:
    """Markdown section for one set of outcomes."""
    parts = [f"### {title}\n", markdown_table({"all": summarise(outcomes)}, "slice")]
    parts.append("\n" + markdown_table(by_key(outcomes, lambda o: o.case.lang), "language"))
    parts.append(
        "\n" + markdown_table(by_key(outcomes, lambda o: f"level {o.case.severity}"), "expected")
    )
    parts.append("\n" + markdown_table(by_key(outcomes, lambda o: o.case.group), "group"))
    m = confusion(outcomes)
    parts.append("\nConfusion (rows expected, columns scored):\n\n| | 0 | 1 | 2 | 3 | 4 |\n")
    parts.append("|---|---|---|---|---|---|\n")
    parts.extend(f"| {i} | " + " | ".join(str(x) for x in row) + " |\n" for i, row in enumerate(m))
    return "".join(parts)


# Sets kept apart from tuning, in the order they were written; each file was run once and recorded
# (docs/detection.md) before it was used for tuning. external_* come from a writer who never saw
# the rules.
SEPARATE = [(HELDOUT, "held-out"), (BLIND, "blind"), (BLIND2, "blind 2"), (BLIND3, "blind 3"),
            (BLIND4, "blind 4"), (BLIND5, "blind 5"), (BLIND6, "blind 6"), (BLIND7, "blind 7"),
            (BLIND8, "blind 8"), (BLIND9, "blind 9"), (BLIND10, "blind 10"),
            ("external_a.jsonl", "external a"), ("external_b.jsonl", "external b"),
            ("external_c.jsonl", "external c"), ("external_d.jsonl", "external d"),
            ("external_sealed.jsonl", "external sealed (never tuned on)")]


def main(argv: list[str]) -> int:
    """Run the evaluation and print the report."""
    files = sorted(CASES.glob("*.jsonl"))
    held = {name for name, _ in SEPARATE}
    sets: list[tuple[str, list[Outcome]]] = [
        ("tuning", run(load([f for f in files if f.name not in held]), detect))
    ]
    for name, title in SEPARATE:
        chosen = [f for f in files if f.name == name]
        if chosen:
            sets.append((title, run(load(chosen), detect)))
    everything = [o for _, outs in sets for o in outs]
    if "--summary" in argv:
        rows = {f"{title} ({len(outs)})": summarise(outs) for title, outs in sets}
        rows[f"all ({len(everything)})"] = summarise(everything)
        print(markdown_table(rows, "set"))
        return 0
    for title, outs in sets:
        print(report(f"{title[0].upper()}{title[1:]} set ({len(outs)} cases)", outs))
    print(report(f"All cases ({len(everything)})", everything))
    if "--misses" in argv:
        for o in everything:
            if o.severity != o.case.severity:
                print(f"MISS {o.case.group} {o.case.lang} expected {o.case.severity} "
                      f"scored {o.severity}: {o.case.text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
