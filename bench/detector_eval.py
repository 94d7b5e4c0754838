"""Evaluate the crisis-language detector on tests/moderation/cases/*.jsonl and the team's data.

Usage: .venv/bin/python bench/detector_eval.py [--misses] [--summary] [--rules-only]
       .venv/bin/python bench/detector_eval.py --file PATH [--file PATH ...] [--summary]

--file scores any JSON Lines file(s) of cases ({"text", "lang", "severity", optional
"categories", "kind", "group"}) and prints only figures (never a text): overall, per language,
per expected level and per kind (the ``kind`` field, else ``group``); --summary leaves out the
confusion matrix. --rules-only scores the rules without the learned model.

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

from moderation import default_detector, detect  # noqa: E402
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
TEAM = ROOT / "data" / "detector"
HOLDOUT_BATCH = "08"  # scripts/train_detector.py holds these batches out of training
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
    parts.append("\n" + markdown_table(by_key(outcomes, kind_of), "group or kind"))
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
            ("external_sealed.jsonl", "external sealed (never tuned on)"),
            ("external_sealed2.jsonl", "external sealed 2 (never tuned on)")]


def kind_of(o: Outcome) -> str:
    """The case's kind of wording, else its group."""
    return o.case.kind or o.case.group


def figures(title: str, outcomes: list[Outcome], confusion_matrix: bool) -> str:
    """Figures only (no text): overall, per language, per level, per kind."""
    parts = [f"### {title}\n", markdown_table({"all": summarise(outcomes)}, "slice")]
    parts.append("\n" + markdown_table(by_key(outcomes, lambda o: o.case.lang), "language"))
    parts.append(
        "\n" + markdown_table(by_key(outcomes, lambda o: f"level {o.case.severity}"), "expected")
    )
    parts.append("\n" + markdown_table(by_key(outcomes, kind_of), "kind"))
    if confusion_matrix:
        m = confusion(outcomes)
        parts.append("\nConfusion (rows expected, columns scored):\n\n| | 0 | 1 | 2 | 3 | 4 |\n")
        parts.append("|---|---|---|---|---|---|\n")
        parts.extend(f"| {i} | " + " | ".join(str(x) for x in row) + " |\n"
                     for i, row in enumerate(m))
    return "".join(parts)


def _files(argv: list[str]) -> list[Path]:
    out = []
    for i, a in enumerate(argv):
        if a == "--file":
            if i + 1 >= len(argv):
                raise SystemExit("--file needs a path")
            out.append(Path(argv[i + 1]))
        elif a.startswith("--file="):
            out.append(Path(a.split("=", 1)[1]))
    return out


def main(argv: list[str]) -> int:
    """Run the evaluation and print the report."""
    fn = default_detector().rules_only if "--rules-only" in argv else detect
    files_given = _files(argv)
    if files_given:
        for p in files_given:
            print(figures(f"{p.name} ({'rules only' if '--rules-only' in argv else 'rules + model'})",
                          run(load([p]), fn), "--summary" not in argv))
        return 0
    files = sorted(CASES.glob("*.jsonl"))
    held = {name for name, _ in SEPARATE}
    sets: list[tuple[str, list[Outcome]]] = [
        ("tuning", run(load([f for f in files if f.name not in held]), fn))
    ]
    for name, title in SEPARATE:
        chosen = [f for f in files if f.name == name]
        if chosen:
            sets.append((title, run(load(chosen), fn)))
    team = sorted(TEAM.glob("train_*.jsonl"))
    team_held = [f for f in team if f.stem.endswith("_" + HOLDOUT_BATCH)]
    if team:
        sets.append(("team data (model trained on it)",
                     run(load([f for f in team if f not in team_held]), fn)))
    if team_held:
        sets.append((f"team batch {HOLDOUT_BATCH} (held out of training)", run(load(team_held), fn)))
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
                print(f"MISS {kind_of(o)} {o.case.lang} expected {o.case.severity} "
                      f"scored {o.severity}: {o.case.text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
