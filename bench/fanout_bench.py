"""Fan-out benchmark: Iltapiiri against Node socket.io, stock python-socketio and a plain aiohttp
websocket relay, all in one invocation (issue 14).

    .venv/bin/python bench/fanout_bench.py [--write] [--quick] [--rounds 3] [--seconds 3]
        [--relays node,socketio,ws,iltapiiri,iltapiiri-stock] [--skip room,rooms,slow,idle,redis]
        [--redis-processes 1,2]

Every relay runs alone, pinned to CPU 0 (`taskset`); the load generator (bench/fanout_load.py,
raw Engine.IO/Socket.IO, open loop) runs pinned to CPU 1. A step whose generator used more than
90 % of its CPU is rejected (marked, never counted as a relay's maximum). Scenarios:

- one room of 60 members, offered rates ramped until p99 passes 100 ms or reach drops below
  99.9 %: the highest sustained deliveries/s, server CPU per delivery; then p50/p99/p99.9 at 50 %
  and 70 % of that relay's maximum. `--rounds` rounds, relays interleaved; medians reported.
- 50 rooms of 30 members, the same ramp.
- one member that stops reading (Iltapiiri): the others' p99 with and without it.
- resident memory per idle (connected, signed-in) connection at 1k, 5k and 10k.
- Iltapiiri on Redis: one process; two processes (CPU 0 and 1, Redis and the generator on 1).
  Only this scenario: `--relays iltapiiri --skip room,rooms,slow,idle --rounds 1` (`room` is the
  one-room ramp of every relay; `--redis-processes 1` leaves out the two-process run).

Relays: `node` = bench/node_relay (socket.io from npm, installed into bench/node_relay/
node_modules by this script on first use); `socketio` and `ws` = bench/fanout_relays.py;
`iltapiiri` = `python -m server` (server.api.fanout on, uvloop, raised send limits in its own
config); `iltapiiri-stock` = the same with `--stock-fanout` (python-socketio's own fan-out).
`--write` replaces the `## Fan-out` section of docs/benchmarks.md and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fastrecv
from _common import DOC, REPO, calibration_ms, load_average, machine_line, utc_now, write_section
from fanout_report import section
from relay_bench import Processes, free_port, wait_http

SECTION = "## Fan-out"
NODE_DIR = REPO / "bench" / "node_relay"
GROUP = """
[[group]]
id = "{id}"
name = "Bench {id}"
topic = "bench"
language = "en"
always_open = true
moderator_required = false
capacity = 200
"""
SETTINGS = """
[server]
groups_file = "groups.toml"

[identity]
# The bench measures the relay, not the sign-in cost (its clients do no proof of work).
pow_bits = 0

[limits]
send_rate_per_second = 100000
send_burst = 100000
"""
ROOM_GROUPS = [f"g{i:02d}" for i in range(50)]


class BenchProcesses(Processes):
    """Child processes of the run, and the redis-server's pid once one runs."""

    redis_pids: list[int]

    def __init__(self, work: Path) -> None:
        super().__init__(work)
        self.redis_pids = []


def pinned(cpu: int, cmd: list[str]) -> list[str]:
    """`cmd` pinned to one CPU where taskset exists."""
    return ["taskset", "-c", str(cpu), *cmd] if shutil.which("taskset") else cmd


def node_ready() -> str | None:
    """Install socket.io into bench/node_relay once; None if ready, else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not on PATH"
    if not (NODE_DIR / "node_modules" / "socket.io").is_dir():
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"],
                              cwd=NODE_DIR, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            return f"npm install failed: {done.stderr.strip()[-200:]}"
    return None


def start_relay(procs: BenchProcesses, relay: str, *, redis_url: str | None = None,
                processes: int = 1) -> tuple[list[str], list[int]]:
    """Start one relay (one or more processes); its URLs and pids."""
    urls, pids, waits = [], [], []
    config = procs.work / "config"
    if not config.exists():
        config.mkdir()
        groups = "".join(GROUP.format(id=g) for g in ["open", *ROOM_GROUPS])
        (config / "groups.toml").write_text(groups)
        (config / "settings.toml").write_text(SETTINGS)
    for i in range(processes):
        port = free_port()
        if relay == "node":
            cmd = ["node", str(NODE_DIR / "relay.js"), str(port)]
        elif relay in ("socketio", "ws"):
            cmd = [sys.executable, str(REPO / "bench" / "fanout_relays.py"), relay, str(port)]
        else:
            data = procs.work / f"data-{relay}-{time.monotonic_ns()}-{i}"
            cmd = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
                   "--data-dir", str(data), "--config", str(config / "settings.toml"),
                   # the processes of one relay share the server's key file (a second process
                   # on the same Redis with another key file refuses to start)
                   "--key-file", str(procs.work / f"{relay}-server.key")]
            if relay == "iltapiiri-stock":
                cmd.append("--stock-fanout")
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        if redis_url:
            env["REDIS_URL"] = redis_url
        proc = procs.spawn(pinned(i % 2, cmd), f"{relay}.log", env)
        urls.append(f"http://127.0.0.1:{port}")
        pids.append(proc.pid)
        waits.append((f"http://127.0.0.1:{port}/healthz", proc))
    for url, proc in waits:
        try:
            wait_http(url, proc)
        except RuntimeError as exc:
            log = (procs.work / f"{relay}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}\n{log}") from None
    return urls, pids


def generate(procs: BenchProcesses, spec: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    """Run the load generator on CPU 1 with `spec`; its JSON result."""
    path = procs.work / f"spec-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(spec))
    done = subprocess.run(pinned(1, [sys.executable, str(REPO / "bench" / "fanout_load.py"),
                                     str(path)]),
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def stop(procs: BenchProcesses, pids: list[int]) -> None:
    """Stop the processes of one relay (the rest keep running)."""
    keep = []
    for proc in procs.procs:
        if proc.pid in pids and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        elif proc.pid not in pids:
            keep.append(proc)
    procs.procs = keep


def kind(relay: str) -> str:
    return "iltapiiri" if relay.startswith("iltapiiri") else "ws" if relay == "ws" else "sio"


def best(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The sustained step with the highest delivery rate (p99 < 100 ms, reach >= 99.9 %, the
    generator not saturated)."""
    good = [s for s in steps if s["p99"] < 100 and s["received"] >= 0.999 * s["expected"]
            and s["generator_cpu"] <= 0.9 and s["duplicates"] == 0]
    return max(good, key=lambda s: s["deliveries_per_s"]) if good else None


def ramp(procs: BenchProcesses, relay: str, args: argparse.Namespace, *, members: int,
         groups: list[str], redis_url: str | None = None, processes: int = 1,
         loads: bool = True) -> dict[str, Any]:
    """One relay, one scenario: ramp, then fixed loads at 50 % and 70 % of its maximum."""
    urls, pids = start_relay(procs, relay, redis_url=redis_url, processes=processes)
    measured = pids + procs.redis_pids if redis_url else pids
    try:
        spec = {"kind": kind(relay), "urls": urls, "pids": measured, "members": members,
                "groups": groups, "rates": args.rates, "seconds": args.seconds, "ramp": True}
        steps = generate(procs, spec)["steps"]
        top = best(steps)
        fixed: dict[str, Any] = {}
        if top and loads:
            fan = members - 1
            for share in (50, 70):
                rate = share / 100 * top["deliveries_per_s"] / fan
                result = generate(procs, {**spec, "rates": [rate], "ramp": False})
                fixed[str(share)] = result["steps"][0]
        return {"steps": steps, "best": top, "fixed": fixed}
    finally:
        stop(procs, pids)


def slow_reader(procs: BenchProcesses, args: argparse.Namespace, rate: float) -> dict[str, Any]:
    """Iltapiiri at one fixed rate, without and with one member that stops reading."""
    out: dict[str, Any] = {"rate": rate}
    for label, slow in (("without", []), ("with", [args.members])):
        urls, pids = start_relay(procs, "iltapiiri")
        try:
            spec = {"kind": "iltapiiri", "urls": urls, "pids": pids,
                    "members": args.members + len(slow), "groups": ["open"], "rates": [rate],
                    "seconds": max(args.seconds, 2 * args.seconds if not args.quick else 0),
                    "slow": slow}
            result = generate(procs, spec)
            out[label] = result["steps"][0]
            out[f"{label}_closes"] = result["closes"]
        finally:
            stop(procs, pids)
    return out


def idle(procs: BenchProcesses, relay: str, levels: list[int]) -> list[dict[str, Any]]:
    """Resident memory per idle connection at each level."""
    urls, pids = start_relay(procs, relay)
    try:
        spec = {"kind": kind(relay), "urls": urls, "pids": pids, "groups": ["open"],
                "idle": levels}
        return list(generate(procs, spec)["idle"])
    finally:
        stop(procs, pids)


def failed(exc: Exception) -> dict[str, Any]:
    """A scenario that could not be measured: recorded, and the run goes on."""
    return {"steps": [], "best": None, "fixed": {}, "error": str(exc).splitlines()[-1][:200]}


def guarded(notes: list[str], what: str, default: Any, fn: Any, *a: Any, **kw: Any) -> Any:
    """`fn(*a, **kw)`, or `default` (and a note) if it raised."""
    try:
        return fn(*a, **kw)
    except Exception as exc:
        notes.append(f"{what} could not be measured: {str(exc).splitlines()[-1][:200]}")
        return default


def measure(procs: BenchProcesses, args: argparse.Namespace,
            notes: list[str]) -> dict[str, Any]:
    """Every scenario, every relay (a failing one is noted and left out)."""
    results: dict[str, Any] = {"room": {r: [] for r in args.relays}}
    for round_ in range(0 if "room" in args.skip else args.rounds):
        order = args.relays if round_ % 2 == 0 else list(reversed(args.relays))
        for relay in order:
            results["room"][relay].append(guarded(
                notes, f"{relay}, one room, round {round_ + 1}", failed(RuntimeError("failed")),
                ramp, procs, relay, args, members=args.members, groups=["open"]))
        save(args, results)
    if "rooms" not in args.skip:
        results["rooms"] = {r: guarded(notes, f"{r}, {args.rooms} rooms",
                                       failed(RuntimeError("failed")), ramp, procs, r, args,
                                       members=args.room_members,
                                       groups=ROOM_GROUPS[:args.rooms], loads=False)
                            for r in args.relays}
        save(args, results)
    if "slow" not in args.skip and "iltapiiri" in args.relays:
        tops = [r["best"] for r in results["room"]["iltapiiri"] if r["best"]]
        top = statistics.median(t["deliveries_per_s"] for t in tops) if tops else 10_000.0
        slow = guarded(notes, "the slow reader", None, slow_reader, procs, args,
                       0.5 * top / (args.members - 1))
        if slow is not None:
            results["slow"] = slow
        save(args, results)
    if "idle" not in args.skip:
        results["idle"] = {}
        for r in args.relays:
            rows = guarded(notes, f"{r}, idle memory", None, idle, procs, r, args.idle) \
                if r != "ws" else None
            if rows:
                results["idle"][r] = rows
        save(args, results)
    if "redis" not in args.skip and "iltapiiri" in args.relays and shutil.which("redis-server"):
        url, pid = procs.redis("bench")
        procs.redis_pids = [pid]
        results["redis"] = {n: guarded(notes, f"Redis, {n} process(es)",
                                       failed(RuntimeError("failed")), ramp, procs, "iltapiiri",
                                       args, members=args.members, groups=["open"],
                                       redis_url=url, processes=n, loads=False)
                            for n in args.redis_processes}
        save(args, results)
    return results


def save(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Keep what is measured so far (`--results FILE`), so a late failure loses nothing."""
    if args.results is not None:
        args.results.write_text(json.dumps(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relays", default="node,socketio,ws,iltapiiri,iltapiiri-stock")
    parser.add_argument("--skip", default="",
                        help="scenarios to leave out: room,rooms,slow,idle,redis")
    parser.add_argument("--redis-processes", default="1,2",
                        help="server processes of the Redis runs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per load step")
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--room-members", type=int, default=30)
    parser.add_argument("--idle", default="1000,5000,10000")
    parser.add_argument("--rates", default="250,500,1000,1500,2000,2500,3000,3500,4000,5000,6000,7000,8000,10000",
                        help="offered envelopes/s of the ramp")
    parser.add_argument("--quick", action="store_true", help="seconds-long smoke run")
    parser.add_argument("--write", action="store_true", help=f"update `{SECTION}` in the doc")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--results", type=Path, default=None,
                        help="also keep the raw results (JSON) here, updated as they come")
    args = parser.parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    for option in ("--doc", "--results"):  # where things are written, not how they were measured
        if option in given:
            at = given.index(option)
            del given[at:at + 2]
    args.command = " ".join(given)
    args.relays = [r for r in args.relays.split(",") if r]
    args.skip = set(filter(None, args.skip.split(",")))
    if args.quick:
        args.rounds, args.seconds, args.members, args.rooms, args.room_members = 1, 0.3, 4, 2, 3
        args.idle, args.rates = "20", "20,40"
    args.idle = [int(x) for x in args.idle.split(",")]
    args.redis_processes = [int(x) for x in args.redis_processes.split(",")]
    args.rates = [float(x) for x in args.rates.split(",")]
    args.parser_note = ("deliveries parsed in C, bench/fastrecv.c, and counted in numpy after "
                        "each step's measured window" if fastrecv.load() is not None else
                        "deliveries parsed in Python: no C compiler was found")
    notes = []
    if "node" in args.relays and (why := node_ready()) is not None:
        args.relays.remove("node")
        notes.append(f"Node socket.io relay left out: {why}.")
    when, load0, started = utc_now(), load_average(), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iltapiiri-fanout-") as tmp:
        procs = BenchProcesses(Path(tmp))
        try:
            results = measure(procs, args, notes)
        finally:
            procs.stop()
    machine = machine_line(calibration_ms(), load0, load_average())
    body = section(args, results, machine, when, time.monotonic() - started, notes)
    print(f"{SECTION}\n\n{body}")
    if args.write:
        write_section(args.doc, SECTION, body)
        print(f"wrote {SECTION!r} in {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
