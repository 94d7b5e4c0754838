"""Shared by bench/relay_bench.py and bench/e2ee_bench.py: the machine line (calibration, load)
and the writer that replaces one `## ` section of docs/benchmarks.md and nothing else.

The writer keeps every byte outside its own section: the text up to and including the section's
heading line and the text from the next `## ` heading on are copied unchanged, so sections owned
by other benchmarks (or being edited by hand) are left alone. Writing the same body twice gives
the same file. A missing section is appended at the end, after the existing text.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
_NEXT_HEADING = re.compile(r"^## ", re.MULTILINE)


def calibration_ms(rounds: int = 5) -> float:
    """CPU milliseconds of `sum(range(10**6))`, mean of `rounds` (as the detector bench does)."""
    samples = []
    for _ in range(rounds):
        t0 = time.process_time()
        sum(range(10**6))
        samples.append(time.process_time() - t0)
    return 1000 * statistics.fmean(samples)


def load_average() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def utc_now() -> str:
    """Date and time of measuring, minute precision."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def machine_line(calibration: float, load_start: float, load_end: float) -> str:
    """One paragraph naming the interpreter, calibration and the load while measuring."""
    return (
        f"Machine: CPython {sys.version.split()[0]} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores. Calibration: sum(range(10**6)) = "
        f"{calibration:.1f} ms CPU (a typical laptop: ~10 ms). Load average "
        f"{load_start:.1f} at the start and {load_end:.1f} at the end of measuring. "
        + ("**The machine is shared and was busy while measuring**: absolute figures are "
           "pessimistic and noisy; " if max(load_start, load_end) > (os.cpu_count() or 1) + 0.5
           else "Nothing else of note ran (a load up to the core count is the benchmark's own "
                "processes); ")
        + "the rows of one table were measured interleaved in the same run, "
        "so compare them with each other rather than with another run's.")


def replace_section(text: str, heading: str, body: str) -> str:
    """`text` with everything between the line `heading` and the next `## ` heading (or the end)
    replaced by `body`; appended at the end if the heading is missing. Idempotent."""
    if not heading.startswith("## ") or "\n" in heading:
        raise ValueError("heading must be one `## ` line")
    block = body.strip("\n") + "\n"
    if _NEXT_HEADING.search(block):
        raise ValueError("body must not contain a `## ` heading")
    found = re.search(rf"^{re.escape(heading)}[ \t]*$", text, re.MULTILINE)
    if found is None:
        if not text or text.endswith("\n\n"):
            sep = ""
        elif text.endswith("\n"):
            sep = "\n"
        else:
            sep = "\n\n"
        return f"{text}{sep}{heading}\n\n{block}"
    head_end = found.end()
    nxt = _NEXT_HEADING.search(text, head_end)
    if nxt is None:
        return f"{text[:head_end]}\n\n{block}"
    return f"{text[:head_end]}\n\n{block}\n{text[nxt.start():]}"


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace one section of the markdown file at `path` (read and written back at once, so a
    concurrent editor of another section loses nothing unless they save in between)."""
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    new = replace_section(old, heading, body)
    if new != old:
        path.write_text(new, "utf-8")
