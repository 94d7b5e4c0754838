"""Evaluate the crisis-language detector on tests/moderation/cases/*.jsonl.

Usage: .venv/bin/python bench/detector_eval.py [--misses] [--summary]

Prints, for the tuning set (every file but heldout.jsonl and blind.jsonl), the held-out set
(written before any rule), the blind set (written after tuning, never tuned on) and all:
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


def main(argv: list[str]) -> int:
    """Run the evaluation and print the report."""
    files = sorted(CASES.glob("*.jsonl"))
    held = (HELDOUT, BLIND, BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7, BLIND8, BLIND9,
            BLIND10)
    tuning = run(load([f for f in files if f.name not in held]),
                 detect)
    heldout = run(load([f for f in files if f.name == HELDOUT]), detect)
    blind = run(load([f for f in files if f.name == BLIND]), detect)
    blind2 = run(load([f for f in files if f.name == BLIND2]), detect)
    blind3 = run(load([f for f in files if f.name == BLIND3]), detect)
    blind4 = run(load([f for f in files if f.name == BLIND4]), detect)
    blind5 = run(load([f for f in files if f.name == BLIND5]), detect)
    blind6 = run(load([f for f in files if f.name == BLIND6]), detect)
    blind7 = run(load([f for f in files if f.name == BLIND7]), detect)
    blind8 = run(load([f for f in files if f.name == BLIND8]), detect)
    blind9 = run(load([f for f in files if f.name == BLIND9]), detect)
    blind10 = run(load([f for f in files if f.name == BLIND10]), detect)
    everything = (tuning + heldout + blind + blind2 + blind3 + blind4 + blind5 + blind6 + blind7
                  + blind8 + blind9 + blind10)
    if "--summary" in argv:
        print(markdown_table({f"tuning ({len(tuning)})": summarise(tuning),
                              f"held-out ({len(heldout)})": summarise(heldout),
                              f"blind ({len(blind)})": summarise(blind),
                              f"blind 2 ({len(blind2)})": summarise(blind2),
                              f"blind 3 ({len(blind3)})": summarise(blind3),
                              f"blind 4 ({len(blind4)})": summarise(blind4),
                              f"blind 5 ({len(blind5)})": summarise(blind5),
                              f"blind 6 ({len(blind6)})": summarise(blind6),
                              f"blind 7 ({len(blind7)})": summarise(blind7),
                              f"blind 8 ({len(blind8)})": summarise(blind8),
                              f"blind 9 ({len(blind9)})": summarise(blind9),
                              f"blind 10 ({len(blind10)})": summarise(blind10),
                              f"all ({len(everything)})": summarise(everything)}, "set"))
        return 0
    print(report(f"Tuning set ({len(tuning)} cases)", tuning))
    print(report(f"Held-out set ({len(heldout)} cases)", heldout))
    print(report(f"Blind set ({len(blind)} cases)", blind))
    print(report(f"Blind set 2 ({len(blind2)} cases)", blind2))
    print(report(f"Blind set 3 ({len(blind3)} cases)", blind3))
    print(report(f"Blind set 4 ({len(blind4)} cases)", blind4))
    print(report(f"Blind set 5 ({len(blind5)} cases)", blind5))
    print(report(f"Blind set 6 ({len(blind6)} cases)", blind6))
    print(report(f"Blind set 7 ({len(blind7)} cases)", blind7))
    print(report(f"Blind set 8 ({len(blind8)} cases)", blind8))
    print(report(f"Blind set 9 ({len(blind9)} cases)", blind9))
    print(report(f"Blind set 10 ({len(blind10)} cases)", blind10))
    print(report(f"All cases ({len(everything)})", everything))
    if "--misses" in argv:
        for o in everything:
            if o.severity != o.case.severity:
                print(f"MISS {o.case.group} {o.case.lang} expected {o.case.severity} "
                      f"scored {o.severity}: {o.case.text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
