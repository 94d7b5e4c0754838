"""The relay and e2ee benchmarks run end to end (tiny `--quick` runs) and `--write` touches only
their own section of a copy of docs/benchmarks.md. Behaviour only: no figure is checked."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "benchmarks.md"
sys.path.insert(0, str(REPO / "bench"))
from _common import replace_section  # noqa: E402

RELAY = "## Relay"
E2EE = "## End-to-end encryption (Python)"
OTHERS = """# Benchmarks

Intro line.

## Crisis-language detector (Python)

Someone else's table, not to be touched:

| a | b |
|---|---|
| 1 | 2 |

## Crisis-language detector (JavaScript, Chromium)

Also someone else's.
"""


def span(text: str, heading: str) -> tuple[int, int] | None:
    """Start of the heading line and start of the next `## ` heading (or the end)."""
    found = re.search(rf"^{re.escape(heading)}[ \t]*$", text, re.MULTILINE)
    if found is None:
        return None
    nxt = re.compile(r"^## ", re.MULTILINE).search(text, found.end())
    return found.start(), len(text) if nxt is None else nxt.start()


def run(script: str, *args: str, timeout: float = 110) -> str:
    done = subprocess.run([sys.executable, str(REPO / "bench" / script), "--quick", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout


def assert_only_section_changed(before: str, after: str, heading: str) -> str:
    """Everything outside `heading`'s section is byte-identical; returns the new section."""
    assert after.count(f"\n{heading}\n") + after.startswith(f"{heading}\n") == 1
    new = span(after, heading)
    assert new is not None
    old = span(before, heading)
    if old is None:  # appended: the old file is kept whole, in front
        assert after.startswith(before)
        assert new[1] == len(after)
    else:
        assert after[:old[0]] == before[:old[0]]
        assert after[new[1]:] == before[old[1]:]
        assert new[0] == old[0]
    return after[new[0]:new[1]]


@pytest.fixture
def doc_copy(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the real docs/benchmarks.md (only read: other sections are edited by hand)."""
    text = DOC.read_text("utf-8")
    path = tmp_path / "benchmarks.md"
    path.write_bytes(text.encode("utf-8"))
    return path, text


@pytest.mark.parametrize(("script", "heading"), [("relay_bench.py", RELAY),
                                                 ("e2ee_bench.py", E2EE)])
def test_quick_write_replaces_only_its_section(doc_copy: tuple[Path, str], script: str,
                                               heading: str) -> None:
    path, before = doc_copy
    out = run(script, "--write", "--doc", str(path))
    assert heading in out
    after = path.read_text("utf-8")
    section = assert_only_section_changed(before, after, heading)
    assert f"Command: `.venv/bin/python bench/{script} --write --quick`" in section
    assert "Calibration: sum(range(10**6))" in section and "Load average" in section
    assert "|---|" in section
    # A second run replaces the section again instead of adding one.
    run(script, "--write", "--doc", str(path))
    assert_only_section_changed(after, path.read_text("utf-8"), heading)


def test_relay_section_has_the_baseline_next_to_iltapiiri(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(OTHERS, "utf-8")
    run("relay_bench.py", "--write", "--doc", str(path), "--deployments", "embedded")
    section = assert_only_section_changed(OTHERS, path.read_text("utf-8"), RELAY)
    rows = [line for line in section.splitlines() if line.startswith("| 1 process")]
    assert any("| bare python-socketio |" in r for r in rows)
    assert any("| Iltapiiri |" in r for r in rows)
    assert "costs on top of the bare relay" in section


def test_e2ee_section_quotes_browser_figures_or_says_how(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    path.write_text(OTHERS, "utf-8")
    missing = tmp_path / "nothing.json"
    run("e2ee_bench.py", "--write", "--doc", str(path), "--browser-json", str(missing))
    section = assert_only_section_changed(OTHERS, path.read_text("utf-8"), E2EE)
    assert "raw floor" in section and "AES-256-GCM encrypt+decrypt" in section
    assert "does not exist" in section and "test_in_browser_cost_per_message" in section

    figures = tmp_path / "browser.json"
    figures.write_text(json.dumps({"messages": 200, "group_encrypt_ms": 0.5,
                                   "group_decrypt_ms": 0.25, "direct_encrypt_ms": 0.5,
                                   "direct_decrypt_ms": 1.0, "x3dh_start_ms": 1.7,
                                   "safety_number_ms": 200.0}), "utf-8")
    before = path.read_text("utf-8")
    run("e2ee_bench.py", "--write", "--doc", str(path), "--browser-json", str(figures))
    section = assert_only_section_changed(before, path.read_text("utf-8"), E2EE)
    assert str(figures) in section and "quoted, not measured" in section
    assert "| group encrypt + decrypt | 0.750 |" in section


def test_replace_section_is_idempotent_and_keeps_the_rest() -> None:
    body = "Command: `x`\n\n| relay figure |\n|---|\n| 41 |\n"
    once = replace_section(OTHERS, RELAY, body)
    assert once.startswith(OTHERS)
    assert replace_section(once, RELAY, body) == once
    twice = replace_section(once, E2EE, "e2ee\n")
    assert replace_section(twice, RELAY, body) == twice
    changed = replace_section(twice, RELAY, "other figures\n")
    start, end = span(twice, RELAY)  # type: ignore[misc]
    assert changed[:start] == twice[:start]
    _, new_end = span(changed, RELAY)  # type: ignore[misc]
    assert changed[new_end:] == twice[end:]
    assert "other figures" in changed and "| 41 |" not in changed
    # A section in the middle: the one after it stays byte-identical.
    middle = replace_section(OTHERS, "## Crisis-language detector (Python)", "mine\n")
    assert middle.endswith(OTHERS[OTHERS.index("## Crisis-language detector (JavaScript"):])
    with pytest.raises(ValueError):
        replace_section(OTHERS, RELAY, "## smuggled heading\n")
