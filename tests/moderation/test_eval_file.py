"""bench/detector_eval.py --file scores any JSON Lines case file (the lead runs the sealed set
with it) and prints figures only: never a text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_eval_file_prints_figures_per_kind_and_no_text(tmp_path: Path) -> None:
    secret = "zebrafish-7391"
    rows = [
        {"text": f"{secret} I am going to kill myself tonight", "lang": "en", "severity": 4,
         "categories": ["suicide"], "kind": "direct"},
        {"text": f"{secret} mä tapan sut lol", "lang": "fi", "severity": 0, "kind": "joking"},
        {"text": f"{secret} hur mår ni idag", "lang": "sv", "severity": 0, "kind": "ordinary"},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    for extra in ([], ["--rules-only"]):
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "detector_eval.py"), "--file", str(path),
             "--summary", *extra],
            capture_output=True, text=True, check=True, cwd=ROOT).stdout
        assert secret not in out and "kill" not in out
        assert "| direct | 1 | 1.000 (n=1)" in out  # recall of the one level-4 case
        assert "| joking | 1 |" in out and "| fi | 1 |" in out and "| level 4 | 1 |" in out
