"""Figures (never texts) of a detector on the seventh-round data (data/detector/*_r6_*.jsonl):
its held-out part (scripts/train_detector.py ``r6_held``: crc32(text) % 5 == 0) and its
training part, rules alone and rules + model, overall, per language and per kind.

Usage: .venv/bin/python bench/detector_r6.py [--data CONFIG_JSON] [--part held|train|both]

--data scores with another detector data file (e.g. main's config/detector.json, extracted
with ``git show main:config/detector.json``) to give the "before" figures with this code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_detector import R6_MARK, r6_held  # noqa: E402

from moderation import build_detector  # noqa: E402
from moderation.data import load_default_data  # noqa: E402
from moderation.evaluation import Case, by_key, markdown_table, run, summarise  # noqa: E402


def parts() -> dict[str, list[Case]]:
    """The seventh-round lines split as the trainer splits them."""
    out: dict[str, list[Case]] = {"held": [], "train": []}
    for f in sorted((ROOT / "data" / "detector").glob("train_*.jsonl")):
        if R6_MARK not in f.name:
            continue
        for line in f.read_text("utf-8").splitlines():
            if line.strip():
                case = Case.from_json(json.loads(line))
                out["held" if r6_held(f.name, case.text) else "train"].append(case)
    return out


def main(argv: list[str]) -> int:
    """Print the tables."""
    data = (json.loads(Path(argv[argv.index("--data") + 1]).read_text("utf-8"))
            if "--data" in argv else load_default_data())
    which = argv[argv.index("--part") + 1] if "--part" in argv else "held"
    det = build_detector(data)
    for name, cases in parts().items():
        if which not in (name, "both"):
            continue
        for title, fn in (("rules alone", det.rules_only), ("rules + model", det.detect)):
            outs = run(cases, fn)
            print(f"\n### seventh-round lines, {name} part ({len(cases)}): {title}\n")
            print(markdown_table({"all": summarise(outs)}, "slice"))
            print(markdown_table(by_key(outs, lambda o: o.case.lang), "language"))
            print(markdown_table(by_key(outs, lambda o: o.case.group), "kind"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
