"""The markdown section bench/fanout_bench.py writes (tables from its results; no measuring)."""

from __future__ import annotations

import argparse
import statistics
from typing import Any

LABELS = {
    "node": "Node socket.io 4.8 (websocket only, no compression)",
    "ws": "plain aiohttp websocket relay (uvloop)",
    "socketio": "stock python-socketio + uvloop",
    "iltapiiri": "**Iltapiiri, fast fan-out (embedded store)**",
    "iltapiiri-stock": "Iltapiiri with python-socketio's fan-out (`--stock-fanout`)",
}


def _median(values: list[float]) -> float:
    """Median of the measured values (rounds that measured nothing are left out)."""
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def _top(runs: list[dict[str, Any]], key: str) -> float:
    return _median([r["best"][key] for r in runs if r.get("best")])


def _cpu_us(step: dict[str, Any] | None) -> float:
    if not step or not step["received"]:
        return float("nan")
    return 1e6 * step["server_cpu_s"] / step["received"]


def _capacity(run: dict[str, Any]) -> tuple[float, float]:
    """(deliveries per server CPU-second, µs per delivery) at the ramp step with the highest
    delivery rate among those where every delivery arrived."""
    ok = [s for s in run["steps"] if s["received"] >= 0.999 * s["expected"] and s["received"]
          and s["server_cpu_s"] > 0 and s["generator_cpu"] <= 0.9]
    if not ok:
        return float("nan"), float("nan")
    top = max(ok, key=lambda s: s["deliveries_per_s"])
    return top["received"] / top["server_cpu_s"], _cpu_us(top)


def _lat(step: dict[str, Any] | None) -> str:
    if not step:
        return "—"
    return f"{step['p50']:.1f} / {step['p99']:.1f} / {step['p999']:.1f}"


def _integrity(runs: list[dict[str, Any]]) -> str:
    steps = [s for r in runs for s in r["steps"]] + [s for r in runs
                                                     for s in r.get("fixed", {}).values()]
    received = sum(s["received"] for s in steps)
    expected = sum(s["expected"] for s in steps)
    dups = sum(s["duplicates"] for s in steps)
    reord = sum(s["reordered"] for s in steps)
    reach = 100 * received / expected if expected else float("nan")
    return f"{reach:.3f} % / {dups} / {reord}"


def _rejected(runs: list[dict[str, Any]]) -> int:
    return sum(1 for r in runs for s in r["steps"] if s["generator_cpu"] > 0.9)


def room_table(results: dict[str, Any], relays: list[str]) -> list[str]:
    node = _top(results.get("node", []), "deliveries_per_s") if "node" in relays else None
    node_cap = _median([_capacity(r)[0] for r in results.get("node", [])])
    lines = ["| relay | sustained deliveries/s (p99 < 100 ms) | vs Node | deliveries per server "
             "CPU-second | vs Node | server CPU per delivery | p50 / p99 / p99.9 ms "
             "at 50 % | at 70 % | reach / duplicates / reordered | generator-saturated steps |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for relay in relays:
        runs = results[relay]
        rate = _top(runs, "deliveries_per_s")
        ratio = f"{rate / node:.2f}" if node else "—"
        cap = _median([_capacity(r)[0] for r in runs])
        cap_ratio = f"{cap / node_cap:.2f}" if node_cap == node_cap and "node" in relays \
            else "—"
        cpu = _median([_capacity(r)[1] for r in runs])
        fifty = [r["fixed"].get("50") for r in runs if r.get("fixed")]
        seventy = [r["fixed"].get("70") for r in runs if r.get("fixed")]
        lines.append(f"| {LABELS[relay]} | {rate:,.0f} | {ratio} | {cap:,.0f} | {cap_ratio} | "
                     f"{cpu:.1f} µs | "
                     f"{_lat(fifty[0] if fifty else None)} | "
                     f"{_lat(seventy[0] if seventy else None)} | {_integrity(runs)} | "
                     f"{_rejected(runs)} |")
    return lines


def ramp_lines(results: dict[str, Any], relays: list[str]) -> list[str]:
    out = []
    for relay in relays:
        for i, run in enumerate(results[relay]):
            steps = ", ".join(
                f"{s['rate']:.0f}→{s['deliveries_per_s'] / 1000:.1f}k (p99 {s['p99']:.0f} ms, "
                f"{_cpu_us(s):.1f} µs CPU, gen {100 * s['generator_cpu']:.0f} %)"
                for s in run["steps"])
            out.append(f"- {relay} round {i + 1}: {steps}")
    return out


def section(args: argparse.Namespace, results: dict[str, Any], machine: str, when: str,
            elapsed: float, notes: list[str]) -> str:
    """The whole `## Fan-out` section."""
    lines = [f"Command: `.venv/bin/python bench/fanout_bench.py {args.command}` (fresh clone: `./scripts/test.sh` once for "
             f"the venv; the bench installs socket.io into bench/node_relay itself). "
             f"Measured {when}, {elapsed:.0f} s.", "", machine, "",
             "Server pinned to CPU 0, load generator (bench/fanout_load.py: raw Engine.IO/"
             "Socket.IO websockets, open loop, ~1 KB bodies, `room.send` with acks; "
             f"{args.parser_note}) pinned to "
             "CPU 1. Latency is from the *scheduled* send time to each recipient. A step is "
             "sustained when p99 < 100 ms, reach ≥ 99.9 % and the generator used ≤ 90 % of its "
             f"CPU; steps of {args.seconds:g} s at offered envelope rates "
             f"{', '.join(f'{r:g}' for r in args.rates)}/s until one is not. Figures are "
             f"medians over {args.rounds} round(s), relays interleaved."]
    if any(results["room"].values()):  # `--skip room` leaves the one-room ramp out
        lines += ["", f"### One room of {args.members} members", ""]
        lines += room_table(results["room"], args.relays)
        lines += ["", "Ramps (offered envelopes/s → deliveries/s):", ""]
        lines += ramp_lines(results["room"], args.relays)
    if "rooms" in results:
        lines += ["", f"### {args.rooms} rooms of {args.room_members} members", "",
                  "| relay | sustained deliveries/s (p99 < 100 ms) | deliveries per server "
                  "CPU-second | server CPU per delivery | reach / duplicates / reordered |",
                  "|---|---|---|---|---|"]
        for relay, run in results["rooms"].items():
            top = run["best"]
            cap, cpu = _capacity(run)
            lines.append(f"| {LABELS[relay]} | {top['deliveries_per_s'] if top else 0:,.0f} | "
                         f"{cap:,.0f} | {cpu:.1f} µs | {_integrity([run])} |")
    if "slow" in results:
        slow = results["slow"]
        lines += ["", "### One member stops reading (Iltapiiri)", "",
                  f"Fixed load {slow['rate']:.0f} envelopes/s (50 % of the maximum above); the "
                  "stopped member's socket has a 4 KB receive buffer and is never read.", "",
                  "| | deliveries/s | p50 / p99 / p99.9 ms (the others) | reach |",
                  "|---|---|---|---|"]
        for label in ("without", "with"):
            s = slow[label]
            reach = 100 * s["received"] / s["expected"] if s["expected"] else float("nan")
            lines.append(f"| {label} the stopped reader | {s['deliveries_per_s']:,.0f} | "
                         f"{_lat(s)} | {reach:.2f} % |")
        lines += ["", f"Close reasons the generator saw: {slow['with_closes'] or 'none'}."]
    if "idle" in results:
        levels = args.idle
        lines += ["", "### Resident memory per idle connection", "",
                  "Connected over websocket (Iltapiiri: signed in too), RSS growth of the relay "
                  "process divided by the connections.", "",
                  "| relay | " + " | ".join(f"{n:,}" for n in levels) + " |",
                  "|---|" + "---|" * len(levels)]
        for relay, rows in results["idle"].items():
            lines.append(f"| {LABELS[relay]} | "
                         + " | ".join(f"{r['per_conn_kb']:.1f} KB" for r in rows) + " |")
    if "redis" in results:
        emb = _top(results["room"].get("iltapiiri", []), "deliveries_per_s")
        lines += ["", "### Iltapiiri on Redis", "",
                  "| deployment | sustained deliveries/s | vs embedded | deliveries per CPU-second "
                  "(relays + redis-server) | CPU per delivery |", "|---|---|---|---|---|"]
        for n, run in results["redis"].items():
            top = run["best"]
            rate = top["deliveries_per_s"] if top else float("nan")
            cap, cpu = _capacity(run)
            lines.append(f"| {n} process(es) | {rate:,.0f} | {rate / emb:.2f} | {cap:,.0f} | "
                         f"{cpu:.1f} µs |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
