"""bench/fanout_bench.py runs end to end (`--quick`: a few members, fractions of a second per
step, every scenario) and `--write` replaces only its own section. Behaviour only: no figure is
checked (timings belong in the benchmark, not in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bench.test_bench_smoke import OTHERS, assert_only_section_changed

REPO = Path(__file__).resolve().parents[2]
HEADING = "## Fan-out"


def test_quick_run_writes_every_scenario_in_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(OTHERS, "utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "fanout_bench.py"), "--quick", "--write",
         "--doc", str(doc), "--relays", "ws,iltapiiri"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    section = assert_only_section_changed(OTHERS, doc.read_text("utf-8"), HEADING)
    assert ("Command: `.venv/bin/python bench/fanout_bench.py --quick --write --relays "
            "ws,iltapiiri`") in section
    assert "Load average" in section
    for heading in ("### One room of 4 members", "### 2 rooms of 3 members",
                    "### One member stops reading", "### Resident memory per idle connection",
                    "### Iltapiiri on Redis"):
        assert heading in section
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert any(r.startswith("| **Iltapiiri, fast fan-out") for r in rows)
    assert any(r.startswith("| plain aiohttp websocket relay") for r in rows)
    # Every delivery was counted: nothing lost, duplicated or reordered on a tiny load.
    room_rows = [r for r in rows if "100.000 % / 0 / 0" in r]
    assert len(room_rows) >= 2
