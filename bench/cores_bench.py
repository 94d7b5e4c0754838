"""What one scheduler tick of the pure moderation and escalation models costs.

    .venv/bin/python bench/cores_bench.py [--quick] [--write] [--doc FILE] [--rounds 7]

The server will call these every tick (about once a second) over everything open: `timers.due`
and the queue order over all cases, `alerts.due` over all alerts, `sanctions.check` on every
send, `audit.verify` when an admin asks. Each row is timed against a baseline measured in the
same run on the same data (Python's `sorted` of the same number of tuples; `hashlib.sha256` of the
same bytes), so the ratio says what the model adds, whatever the machine's load. `--write`
replaces the `## Moderation and escalation models` section of docs/benchmarks.md and nothing else.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _common import DOC, calibration_ms, load_average, machine_line, utc_now, write_section  # noqa: E402

from config.escalation import load_escalation_settings  # noqa: E402
from escalation import machine as m  # noqa: E402
from escalation.case import Case, CaseSource  # noqa: E402
from escalation.queue import queue_order  # noqa: E402
from escalation.timers import due as case_due  # noqa: E402
from moderation import alerts as a  # noqa: E402
from moderation import sanctions as s  # noqa: E402
from moderation.audit import AuditEntry, append, encode_entry, verify  # noqa: E402
from moderation.flags import Flag, merge_flag  # noqa: E402

SECTION = "## Moderation and escalation models"
POLICY = load_escalation_settings()


def best_ms(fn: Callable[[], object], rounds: int) -> float:
    """Median wall milliseconds of ``fn`` over ``rounds`` runs."""
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return 1000 * statistics.median(samples)


def cases(n: int) -> list[Case]:
    """``n`` queued cases over all levels, one second apart."""
    out = []
    for i in range(n):
        c = m.request(case_id=f"k{i}", pseudonym=f"P{i}", severity=1 + i % 4, categories=("distress",),
                      source=CaseSource.SELF, now=1000.0 + i)
        out.append(m.enqueue(c, now=1000.0 + i, policy=POLICY))
    return out


def alerts(n: int, roster: list[a.OnDuty], policy: a.AlertPolicy) -> list[a.Alert]:
    """``n`` open alerts spread over 40 rooms."""
    out = []
    for i in range(n):
        f = Flag(room=f"g{i % 40}/2026-12-03", message_id=f"m{i}", pseudonym=f"P{i}", severity=2 + i % 3,
                 categories=("distress",), rule_ids=(), source="self", at=float(i))
        merged, _ = merge_flag(None, f)
        alert, _ = a.open_alert(alert_id=f"a{i}", flags=merged, now=float(i), roster=roster, load={},
                                policy=policy)
        out.append(alert)
    return out


def run(n_cases: int, n_alerts: int, n_rows: int, rounds: int) -> list[tuple[str, float, float, str]]:
    """(row, model ms, baseline ms, baseline name) for each measurement."""
    rows = []
    cs = cases(n_cases)
    tuples = [(-c.severity, c.queued_at, c.id) for c in cs]
    sort_base = best_ms(lambda: sorted(tuples), rounds)
    rows.append((f"queue order of {n_cases} waiting cases", best_ms(lambda: queue_order(cs), rounds),
                 sort_base, f"`sorted` of {n_cases} tuples"))
    rows.append((f"`timers.due` over {n_cases} cases, all due (each re-alert builds a new case)",
                 best_ms(lambda: case_due(cs, now=1e9, policy=POLICY), rounds), sort_base,
                 f"`sorted` of {n_cases} tuples"))
    rows.append((f"`timers.due` over {n_cases} cases, none due",
                 best_ms(lambda: case_due(cs, now=0.0, policy=POLICY), rounds), sort_base,
                 f"`sorted` of {n_cases} tuples"))
    roster = [a.OnDuty(staff_id=f"mod{i}", rooms=frozenset({f"g{i % 40}/2026-12-03"})) for i in range(50)]
    policy = a.AlertPolicy(resend_after_seconds=60, load_cap=3, pool_size=1)
    al = alerts(n_alerts, roster, policy)
    al_tuples = [(-x.severity, x.opened_at, x.id) for x in al]
    rows.append((f"`alerts.due` over {n_alerts} open alerts, all due, 50 on duty",
                 best_ms(lambda: a.due(al, now=1e9, roster=roster, policy=policy), rounds),
                 best_ms(lambda: sorted(al_tuples), rounds), f"`sorted` of {n_alerts} tuples"))
    sanctions = [s.mute(id=f"s{i}", actor_id="mod", room=f"g{i % 40}/2026-12-03", pseudonym=f"P{i}",
                        minutes=30, now=0.0, reason_code="spam") for i in range(200)]
    check_ms = best_ms(lambda: [s.check(sanctions, action=s.Action.SEND, room="g1/2026-12-03",
                                        pseudonym="P1", now=10.0) for _ in range(100)], rounds) / 100
    names = [x.id for x in sanctions]
    rows.append(("`sanctions.check` of one send against 200 sanctions in force", check_ms,
                 best_ms(lambda: [sorted(names) for _ in range(100)], rounds) / 100,
                 "`sorted` of 200 ids"))
    chain: list = []  # type: ignore[type-arg]
    for i in range(n_rows):
        chain.append(append(chain, AuditEntry(seq=i, at_ms=i, actor="mod", action="sanction", room="g1/2026-12-03",
                                              pseudonym=f"P{i}", details={"kind": "mute", "minutes": 30})))
    blobs = [encode_entry(r.entry) for r in chain]
    rows.append((f"`audit.verify` of {n_rows} rows", best_ms(lambda: verify(chain), rounds),
                 best_ms(lambda: [hashlib.sha256(b).digest() for b in blobs], rounds),
                 f"`hashlib.sha256` of the {n_rows} encoded entries"))
    return rows


def main() -> None:
    """Measure, print, and with --write update the doc section."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run to check the script")
    parser.add_argument("--write", action="store_true", help=f"update `{SECTION}` in the doc")
    parser.add_argument("--doc", type=Path, default=DOC, help="markdown file for --write")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    sizes = (50, 50, 100, 2) if args.quick else (1000, 500, 10_000, args.rounds)
    load0, cal = load_average(), calibration_ms()
    rows = run(*sizes)
    load1 = load_average()
    lines = ["| what | model ms | baseline ms | baseline | ratio |", "|---|---:|---:|---|---:|"]
    for what, model, base, base_name in rows:
        ratio = model / base if base > 0 else float("inf")
        lines.append(f"| {what} | {model:.3f} | {base:.3f} | {base_name} | {ratio:.0f}x |")
    body = "\n".join([
        f"Measured {utc_now()}. Command: `.venv/bin/python bench/cores_bench.py --write"
        f"{' --quick' if args.quick else ''}` (median of {sizes[3]} rounds).",
        "",
        *lines,
        "",
        "Reading: a tick with nothing due is a scan of the cases (about the cost of sorting them); "
        "when everything is due at once, each item builds a new validated record, which dominates. "
        "`sanctions.check` scans what it is given, so the adapter passes the room's sanctions and "
        "the person's bans, not every sanction. `audit.verify` re-encodes each entry in Python; "
        "SHA-256 itself is the small part.",
        "",
        machine_line(cal, load0, load1),
    ])
    print(body)
    if args.write:
        write_section(args.doc, SECTION, body)


if __name__ == "__main__":
    main()
