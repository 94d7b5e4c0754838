"""bench/cores_bench.py runs end to end (--quick) and --write touches only its own section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OTHERS = "# Benchmarks\n\n## Relay\n\nSomeone else's table.\n"


def test_quick_run_writes_only_its_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(OTHERS, encoding="utf-8")
    out = subprocess.run([sys.executable, str(REPO / "bench" / "cores_bench.py"), "--quick", "--write",
                          "--doc", str(doc)], capture_output=True, text=True, timeout=120, check=True)
    assert "| queue order of 50 waiting cases |" in out.stdout
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(OTHERS)
    assert "## Moderation and escalation models" in text and "`audit.verify` of 100 rows" in text
