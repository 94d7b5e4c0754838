"""Cost of one delivery through the relay, against a bare python-socketio relay in the same run.

    .venv/bin/python bench/relay_bench.py [--write] [--quick] [--deployments embedded,redis,redis-2]
        [--before DIR [--before-label TEXT]]
        [--members 10] [--messages 400] [--burst-messages 100] [--body 1024] [--rounds 8]

For every deployment (one process with the embedded store; one process + Redis; two processes +
Redis) two relays run side by side: Iltapiiri (`python -m server`, rate limits raised) and the
bare baseline `bench/relay_baseline.py` (python-socketio + aiohttp, `emit` to the room, nothing
else). The same client script drives every relay: a group of `--members` members in one room.

Latency: `--messages` envelopes one at a time, rotating senders; from `room.send` until a member
has the envelope (per delivery), and until every member has it (per envelope). Throughput:
every member sends `--burst-messages` envelopes, each after the previous ack; envelopes/s and
deliveries/s until the last delivery. Server CPU: relay process(es) plus redis-server, per
envelope. Relays are measured interleaved in `--rounds` rounds (order alternating) so a busy
machine weighs on all rows alike.

Each Redis relay gets its own private `redis-server` on a free loopback port (never the
machine's); everything listens on 127.0.0.1 and is stopped at the end, also on errors.
`--write` replaces the `## Relay` section of docs/benchmarks.md (or `--doc FILE`) and nothing
else. `--timeout` (default 170 s) bounds the measuring. `--before DIR` adds a third relay, the
`python -m server` of another checkout (say the commit before a change), measured interleaved
with the others, and a before → after table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DOC,
    REPO,
    calibration_ms,
    load_average,
    machine_line,
    utc_now,
    write_section,
)

sys.path.insert(0, str(REPO))
from e2ee.identity import auth_message

SECTION = "## Relay"
HEADER_BYTES = 64
COMMITMENT_BYTES = 32
GROUPS = """
[[group]]
id = "open"
name = "Bench"
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


@dataclass(frozen=True)
class Deployment:
    """How the relays of one comparison are deployed."""

    key: str
    label: str
    processes: int
    redis: bool


DEPLOYMENTS = {
    "embedded": Deployment("embedded", "1 process, embedded store", 1, False),
    "redis": Deployment("redis", "1 process + Redis", 1, True),
    "redis-2": Deployment("redis-2", "2 processes + Redis", 2, True),
}
RELAYS = {"bare": "bare python-socketio", "iltapiiri": "Iltapiiri"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds used so far by these processes: the scheduler's nanosecond run time summed
    over their threads (Linux /proc/PID/task/*/schedstat), else user + system clock ticks
    (/proc/PID/stat, 10 ms steps); 0 where neither exists."""
    total = 0.0
    for pid in pids:
        try:
            total += sum(int((task / "schedstat").read_text().split()[0])
                         for task in Path(f"/proc/{pid}/task").iterdir()) / 1e9
            continue
        except (OSError, ValueError, IndexError):
            pass
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (works for the few samples of --quick)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Member:
    """One benchmark client; envelopes are recognised by their (unique) header."""

    def __init__(self, index: int) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.pub = self.key.public_key().public_bytes_raw()
        self.name = f"Bench {index:03d}"
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[str, float] = {}
        self.target = 0
        self.done = asyncio.Event()
        self.sio.on("room.envelope", self._on_envelope)

    async def _on_envelope(self, data: dict[str, Any]) -> None:
        self.received[data["header"]] = time.perf_counter()
        if len(self.received) >= self.target:
            self.done.set()

    def expect(self, more: int) -> None:
        """Wake `done` once `more` further envelopes have arrived."""
        self.target = len(self.received) + more
        self.done.clear()

    async def start(self, url: str) -> str:
        await self.sio.connect(url, transports=["websocket"], wait_timeout=20)
        hello = await self.sio.call("hello", {}, timeout=20)
        assert "server_key" in hello, hello
        challenge = base64.b64decode(hello["challenge"])
        reply = await self.sio.call("auth", {
            "identity_key": b64(self.pub), "pseudonym": self.name,
            "signature": b64(self.key.sign(auth_message(
                challenge, self.pub, base64.b64decode(hello["server_key"]))))}, timeout=20)
        assert reply["ok"], reply
        joined = await self.sio.call("group.join", {"group_id": "open"}, timeout=20)
        assert joined["ok"], joined
        return str(joined["room"])


@dataclass
class Target:
    """One relay under test, its processes and its figures."""

    deployment: Deployment
    relay: str
    urls: list[str]
    pids: list[int]
    group: list[Member] = field(default_factory=list)
    room: str = ""
    turn: int = 0
    per_delivery: list[float] = field(default_factory=list)
    per_envelope: list[float] = field(default_factory=list)
    burst_sent: int = 0
    burst_seconds: float = 0.0
    burst_rates: list[float] = field(default_factory=list)
    envelopes: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.deployment.label} / {RELAYS[self.relay]}"


class Load:
    """The envelope every relay gets: unique header (it identifies the envelope), same sizes."""

    def __init__(self, body: int) -> None:
        self._serial = itertools.count()
        self._pad = os.urandom(HEADER_BYTES - 8)
        self._body = b64(os.urandom(body))
        self._commitment = b64(os.urandom(COMMITMENT_BYTES))

    def payload(self, room: str) -> dict[str, Any]:
        header = next(self._serial).to_bytes(8, "big") + self._pad
        return {"room": room, "kind": "bench", "header": b64(header), "body": self._body,
                "commitment": self._commitment}


async def sequential(t: Target, load: Load, count: int, *, record: bool = True) -> None:
    """`count` envelopes one at a time, each waited for at every other member."""
    cpu0, client0 = cpu_seconds(t.pids), time.process_time()
    for _ in range(count):
        sender = t.group[t.turn % len(t.group)]
        t.turn += 1
        others = [m for m in t.group if m is not sender]
        for m in others:
            m.expect(1)
        payload = load.payload(t.room)
        t0 = time.perf_counter()
        reply = await sender.sio.call("room.send", payload, timeout=10)
        if not reply.get("ok"):
            raise RuntimeError(f"{t.label}: room.send refused: {reply}")
        await asyncio.wait_for(asyncio.gather(*(m.done.wait() for m in others)), 10)
        times = [m.received[payload["header"]] - t0 for m in others]
        if record:
            t.per_delivery += times
            t.per_envelope.append(max(times))
    if record:
        t.server_cpu += cpu_seconds(t.pids) - cpu0
        t.client_cpu += time.process_time() - client0
        t.envelopes += count


async def burst(t: Target, load: Load, per_member: int) -> None:
    """Every member sends `per_member` envelopes as fast as acks return."""
    if per_member <= 0:
        return
    for m in t.group:
        m.expect(per_member * (len(t.group) - 1))

    async def flood(sender: Member) -> None:
        for _ in range(per_member):
            reply = await sender.sio.call("room.send", load.payload(t.room), timeout=30)
            if not reply.get("ok"):
                raise RuntimeError(f"{t.label}: room.send refused: {reply}")

    cpu0, client0 = cpu_seconds(t.pids), time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(flood(m) for m in t.group))
    await asyncio.wait_for(asyncio.gather(*(m.done.wait() for m in t.group)), 60)
    elapsed = time.perf_counter() - t0
    t.burst_seconds += elapsed
    t.server_cpu += cpu_seconds(t.pids) - cpu0
    t.client_cpu += time.process_time() - client0
    sent = per_member * len(t.group)
    t.burst_rates.append(sent / elapsed)
    t.burst_sent += sent
    t.envelopes += sent


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def measure(targets: list[Target], args: argparse.Namespace) -> None:
    """Connect every group, warm up, then run the rounds."""
    load = Load(args.body)
    for t in targets:
        t.group = [Member(i) for i in range(args.members)]
        for i, m in enumerate(t.group):
            t.room = await m.start(t.urls[i % len(t.urls)])
    await asyncio.sleep(0.3)
    for t in targets:
        await sequential(t, load, args.members, record=False)
    seqs, bursts = split(args.messages, args.rounds), split(args.burst_messages, args.rounds)
    for r in range(args.rounds):
        for t in targets if r % 2 == 0 else reversed(targets):
            await sequential(t, load, seqs[r])
            await burst(t, load, bursts[r])
    for t in targets:
        for m in t.group:
            await m.sio.disconnect()


class Processes:
    """Child processes of the run; all stopped by `stop`, also after an error."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, cmd: list[str], log: str, env: dict[str, str] | None = None,
              cwd: Path = REPO) -> subprocess.Popen[bytes]:
        with (self.work / log).open("ab") as out:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def redis(self, name: str) -> tuple[str, int]:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH")
        port = free_port()
        rdir = self.work / f"redis-{name}"
        rdir.mkdir()
        proc = self.spawn([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", str(rdir), "--protected-mode", "yes"],
                          f"redis-{name}.log")
        wait_port(port)
        return f"redis://127.0.0.1:{port}/0", proc.pid

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def start_targets(procs: Processes, deployments: list[Deployment],
                  before: Path | None = None) -> list[Target]:
    """Start every relay (and its redis-server); wait until all answer."""
    targets: list[Target] = []
    waits: list[tuple[str, subprocess.Popen[bytes]]] = []
    for dep in deployments:
        for relay in RELAYS:
            name = f"{dep.key}-{relay}"
            pids: list[int] = []
            redis_url = None
            if dep.redis:
                redis_url, rpid = procs.redis(name)
                pids.append(rpid)
            urls = []
            for i in range(dep.processes):
                port = free_port()
                if relay == "bare":
                    cmd = [sys.executable, str(REPO / "bench" / "relay_baseline.py"),
                           "--port", str(port)] + (["--redis", redis_url] if redis_url else [])
                    proc = procs.spawn(cmd, f"{name}-{i}.log")
                else:
                    config = procs.work / f"config-{name}"
                    config.mkdir(exist_ok=True)
                    (config / "groups.toml").write_text(GROUPS)
                    (config / "settings.toml").write_text(SETTINGS)
                    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
                    tree = before if relay == "before" and before is not None else REPO
                    env["PYTHONPATH"] = str(tree)  # `--before`: that checkout's server
                    if redis_url:
                        env["REDIS_URL"] = redis_url
                    proc = procs.spawn(
                        [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port",
                         str(port), "--data-dir", str(procs.work / f"data-{name}-{i}"),
                         "--config", str(config / "settings.toml"),
                         # every process of one deployment shares the server's key file
                         "--key-file", str(procs.work / f"{name}-server.key")],
                        f"{name}-{i}.log", env, tree)
                pids.append(proc.pid)
                urls.append(f"http://127.0.0.1:{port}")
                waits.append((f"http://127.0.0.1:{port}/healthz", proc))
            targets.append(Target(dep, relay, urls, pids))
    for url, proc in waits:
        wait_http(url, proc)
    return targets


def figures(t: Target) -> dict[str, float]:
    env_s = t.burst_sent / t.burst_seconds if t.burst_seconds else float("nan")
    return {
        "one_median_ms": 1000 * statistics.median(t.per_delivery),
        "one_p95_ms": 1000 * percentile(t.per_delivery, 95),
        "all_median_ms": 1000 * statistics.median(t.per_envelope),
        "all_p95_ms": 1000 * percentile(t.per_envelope, 95),
        "envelopes_per_s": env_s,
        "round_min_per_s": min(t.burst_rates, default=float("nan")),
        "round_max_per_s": max(t.burst_rates, default=float("nan")),
        "deliveries_per_s": env_s * (len(t.group) - 1),
        "server_cpu_ms_per_envelope": 1000 * t.server_cpu / t.envelopes,
        "client_cpu_ms_per_envelope": 1000 * t.client_cpu / t.envelopes,
    }


def ratio(a: float, b: float, digits: int = 1) -> str:
    return f"{a / b:.{digits}f}x" if b > 0 and a == a and b == b else "—"


def overlap(a: dict[str, float], b: dict[str, float]) -> str:
    """Say so when the per-round throughput ranges of two relays overlap."""
    if a["round_min_per_s"] <= b["round_max_per_s"] and b["round_min_per_s"] <= a["round_max_per_s"]:
        return " (per-round ranges overlap)"
    return ""


def tables(targets: list[Target], members: int) -> str:
    """The markdown tables: every relay, then what Iltapiiri adds per deployment."""
    others = members - 1
    lines = [
        f"| deployment | relay | to one member, median ms | p95 ms | to all {others}, median ms "
        f"| p95 ms | envelopes/s (range over rounds) | deliveries/s | server CPU ms/envelope "
        f"| client CPU ms/envelope |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_key: dict[tuple[str, str], dict[str, float]] = {}
    for t in targets:
        f = by_key[(t.deployment.key, t.relay)] = figures(t)
        lines.append(
            f"| {t.deployment.label} | {RELAYS[t.relay]} | {f['one_median_ms']:.1f} "
            f"| {f['one_p95_ms']:.1f} | {f['all_median_ms']:.1f} | {f['all_p95_ms']:.1f} "
            f"| {f['envelopes_per_s']:,.0f} ({f['round_min_per_s']:,.0f}–{f['round_max_per_s']:,.0f}) "
            f"| {f['deliveries_per_s']:,.0f} "
            f"| {f['server_cpu_ms_per_envelope']:.2f} | {f['client_cpu_ms_per_envelope']:.2f} |")
    lines += [
        "", "What Iltapiiri costs on top of the bare relay (Iltapiiri − bare, and Iltapiiri ÷ bare):",
        "",
        f"| deployment | to one member, median | to all {others}, median "
        f"| server CPU per envelope | envelopes/s |",
        "|---|---|---|---|---|",
    ]
    seen: list[Deployment] = []
    for t in targets:
        if t.deployment not in seen:
            seen.append(t.deployment)
    for dep in seen:
        bare, ours = by_key[(dep.key, "bare")], by_key[(dep.key, "iltapiiri")]
        lines.append(
            f"| {dep.label} "
            f"| {ours['one_median_ms'] - bare['one_median_ms']:+.1f} ms "
            f"| {ours['all_median_ms'] - bare['all_median_ms']:+.1f} ms "
            f"| {ours['server_cpu_ms_per_envelope'] - bare['server_cpu_ms_per_envelope']:+.2f} ms "
            f"({ratio(ours['server_cpu_ms_per_envelope'], bare['server_cpu_ms_per_envelope'])}) "
            f"| {ratio(ours['envelopes_per_s'], bare['envelopes_per_s'], 2)}"
            f"{overlap(ours, bare)} |")
    if any(t.relay == "before" for t in targets):
        lines += [
            "", "The same Iltapiiri relay before and after a change (`--before DIR`; after ÷ "
            "before, measured interleaved in this run):", "",
            f"| deployment | to one member, median ms (before → after) | to all {others}, "
            "median ms | server CPU ms/envelope | envelopes/s |",
            "|---|---|---|---|---|",
        ]
        for dep in seen:
            old, new = by_key[(dep.key, "before")], by_key[(dep.key, "iltapiiri")]
            lines.append(
                f"| {dep.label} "
                f"| {old['one_median_ms']:.1f} → {new['one_median_ms']:.1f} "
                f"| {old['all_median_ms']:.1f} → {new['all_median_ms']:.1f} "
                f"| {old['server_cpu_ms_per_envelope']:.2f} → "
                f"{new['server_cpu_ms_per_envelope']:.2f} "
                f"({ratio(new['server_cpu_ms_per_envelope'], old['server_cpu_ms_per_envelope'], 2)}) "
                f"| {ratio(new['envelopes_per_s'], old['envelopes_per_s'], 2)}"
                f"{overlap(new, old)} |")
    return "\n".join(lines)


def section(args: argparse.Namespace, targets: list[Target], cal: float, load0: float,
            load1: float, when: str, seconds: float, skipped: list[str]) -> str:
    command = ".venv/bin/python bench/relay_bench.py --write" + (" --quick" if args.quick else "") \
        + (f" --before {args.before}" if args.before is not None else "")
    others = args.members - 1
    text = [
        f"Command: `{command}` (measured {when}; the run took {seconds:.0f} s).",
        "",
        f"Load: a group of {args.members} members in one room of each relay; every envelope has "
        f"a {HEADER_BYTES} B header, a {args.body} B body and a {COMMITMENT_BYTES} B commitment "
        f"(base64 on the wire). Latency: {args.messages} envelopes one at a time, rotating "
        f"senders; the clock runs from the sender's `room.send` until a member's client has the "
        f"`room.envelope` (one process, one clock; the ack is not waited for). Throughput: every "
        f"member sends {args.burst_messages} envelopes, each after the previous ack, all members "
        f"at once; envelopes/s until the last of the {others} deliveries of each, over all "
        f"rounds (in brackets: the slowest and the fastest round). Server CPU: "
        f"CPU time of the relay process(es) and their redis-server during the "
        f"measured phases, per envelope. All clients run in the benchmark's own Python process "
        f"on the same cores (client CPU column), so the client side bounds throughput for both "
        f"relays alike.",
        "",
        "Relays: **bare python-socketio** = `bench/relay_baseline.py`, python-socketio + aiohttp "
        "with `emit` to the room and nothing else (no authentication, validation, storage, "
        "sequence number or stamp); **Iltapiiri** = `python -m server` with raised rate limits: "
        "typed decoding and validation of the request, membership check against the store, "
        "sequence number from the store (SQLite embedded, Redis otherwise), HMAC-SHA256 "
        "franking stamp over the commitment, sender pseudonym and key in the push, metrics. "
        "Both use the same python-socketio server; with Redis both use `AsyncRedisManager` and "
        "each relay has its own private redis-server. Measured interleaved: "
        f"{args.rounds} round(s), every relay in turn (order alternating), after a warm-up of "
        f"{args.members} envelopes each.",
        "",
        machine_line(cal, load0, load1),
        "",
        tables(targets, args.members),
    ]
    if skipped:
        text += ["", f"Not measured in this run: {'; '.join(skipped)}."]
    return "\n".join(text) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every relay, print (and with --write, write) the tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deployments", default="embedded,redis,redis-2",
                        help="comma-separated: " + ", ".join(DEPLOYMENTS))
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--burst-messages", type=int, default=100)
    parser.add_argument("--body", type=int, default=1024, help="body bytes per envelope")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=170, help="seconds for measuring")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny run (3 members, a few envelopes) to check the script")
    parser.add_argument("--write", action="store_true", help=f"update `{SECTION}` in the doc")
    parser.add_argument("--doc", type=Path, default=DOC, help="markdown file for --write")
    parser.add_argument("--before-label", default="the --before checkout",
                        help="what to call the --before relay in the table")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout of the code before a change: its `python -m server` "
                             "runs as a third relay, interleaved with the others")
    args = parser.parse_args(argv)
    if args.before is not None:
        RELAYS["before"] = f"Iltapiiri before ({args.before_label})"
    if args.quick:
        args.members, args.messages, args.burst_messages, args.rounds = 3, 4, 2, 2
    if args.members < 2 or args.rounds < 1 or args.messages < 1:
        parser.error("need at least 2 members, 1 round and 1 message")
    wanted = [k.strip() for k in args.deployments.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in DEPLOYMENTS]
    if unknown or not wanted:
        parser.error(f"unknown deployment(s): {unknown}")
    skipped = []
    if shutil.which("redis-server") is None:
        skipped = [f"{DEPLOYMENTS[k].label} (redis-server is not on PATH)"
                   for k in wanted if DEPLOYMENTS[k].redis]
        wanted = [k for k in wanted if not DEPLOYMENTS[k].redis]
        if not wanted:
            parser.error("only Redis deployments asked for and redis-server is not on PATH")
    started = time.monotonic()
    when, load0 = utc_now(), load_average()
    with tempfile.TemporaryDirectory(prefix="iltapiiri-relay-bench-") as tmp:
        procs = Processes(Path(tmp))
        try:
            targets = start_targets(procs, [DEPLOYMENTS[k] for k in wanted], args.before)
            asyncio.run(asyncio.wait_for(measure(targets, args), args.timeout))
        finally:
            procs.stop()
    load1 = load_average()
    cal = calibration_ms()
    body = section(args, targets, cal, load0, load1, when, time.monotonic() - started, skipped)
    print(f"{SECTION}\n\n{body}")
    if args.write:
        write_section(args.doc, SECTION, body)
        print(f"wrote {SECTION!r} in {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
