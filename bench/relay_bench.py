"""Rough cost of one delivery through the relay: a group of N members on `python -m server`.

    .venv/bin/python bench/relay_bench.py [--backend embedded|redis|both] [--members 10]
        [--messages 200] [--burst-messages 50] [--body 1024] [--processes 1|2]

Phase 1 (latency): one envelope at a time, rotating senders; for each, the time from `room.send`
until every other member has it (and per delivery). Phase 2 (throughput): every member sends
`--burst-messages` envelopes as fast as acks come back; envelopes/s and deliveries/s until the
last delivery. The server runs as a real subprocess (rate limits raised for the run); Redis is a
private `redis-server` on a free port. Clients share the machine, so the figures are an upper
bound on cost, not a capacity plan.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from server.crypto import auth_message  # noqa: E402

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

[limits]
send_rate_per_second = 100000
send_burst = 100000
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Member:
    """One benchmark client."""

    def __init__(self, index: int) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.pub = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.name = f"Bench {index:03d}"
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[int, float] = {}
        self.expected = 0
        self.done = asyncio.Event()
        self.sio.on("room.envelope", self._on_envelope)

    async def _on_envelope(self, data: dict[str, Any]) -> None:
        self.received[int(data["seq"])] = time.perf_counter()
        if len(self.received) >= self.expected:
            self.done.set()

    async def start(self, url: str) -> str:
        await self.sio.connect(url, transports=["websocket"])
        hello = await self.sio.call("hello", {})
        challenge = base64.b64decode(hello["challenge"])
        reply = await self.sio.call("auth", {
            "identity_key": b64(self.pub), "pseudonym": self.name,
            "signature": b64(self.key.sign(auth_message(challenge, self.pub)))})
        assert reply["ok"], reply
        joined = await self.sio.call("group.join", {"group_id": "open"})
        assert joined["ok"], joined
        return str(joined["room"])


async def run_once(urls: list[str], members: int, messages: int, burst: int, body: int
                   ) -> dict[str, float]:
    group = [Member(i) for i in range(members)]
    room = ""
    for i, m in enumerate(group):
        room = await m.start(urls[i % len(urls)])
    await asyncio.sleep(0.3)
    payload = {"room": room, "kind": "bench", "header": b64(os.urandom(64)),
               "body": b64(os.urandom(body)), "commitment": b64(os.urandom(32))}

    # Phase 1: latency, one envelope in flight.
    per_envelope: list[float] = []
    per_delivery: list[float] = []
    acks: list[float] = []
    for i in range(messages):
        sender = group[i % members]
        others = [m for m in group if m is not sender]
        for m in others:
            m.expected = len(m.received) + 1
            m.done.clear()
        t0 = time.perf_counter()
        reply = await sender.sio.call("room.send", payload)
        acks.append(time.perf_counter() - t0)
        seq = int(reply["seq"])
        await asyncio.wait_for(asyncio.gather(*(m.done.wait() for m in others)), 10)
        times = [m.received[seq] - t0 for m in others]
        per_delivery += times
        per_envelope.append(max(times))

    # Phase 2: throughput, every member sending as fast as acks return.
    for m in group:
        m.received.clear()
        m.expected = burst * (members - 1)
        m.done.clear()

    async def flood(sender: Member) -> None:
        for _ in range(burst):
            reply = await sender.sio.call("room.send", payload)
            assert reply["ok"], reply

    t0 = time.perf_counter()
    await asyncio.gather(*(flood(m) for m in group))
    await asyncio.wait_for(asyncio.gather(*(m.done.wait() for m in group)), 120)
    elapsed = time.perf_counter() - t0
    for m in group:
        await m.sio.disconnect()
    sent = burst * members

    def ms(values: list[float], q: float) -> float:
        return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if q < 100 else \
            1000 * max(values)

    return {
        "ack_median_ms": 1000 * statistics.median(acks),
        "delivery_median_ms": 1000 * statistics.median(per_delivery),
        "delivery_p95_ms": ms(per_delivery, 95),
        "envelope_all_members_median_ms": 1000 * statistics.median(per_envelope),
        "throughput_envelopes_per_s": sent / elapsed,
        "throughput_deliveries_per_s": sent * (members - 1) / elapsed,
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_server(port: int, data_dir: Path, config: Path, redis_url: str | None,
                 log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(port), "--data-dir", str(data_dir),
             "--config", str(config)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return proc


def bench(backend: str, args: argparse.Namespace, work: Path) -> dict[str, float]:
    config_dir = work / f"config-{backend}"
    config_dir.mkdir()
    (config_dir / "groups.toml").write_text(GROUPS)
    (config_dir / "settings.toml").write_text(SETTINGS)
    procs: list[subprocess.Popen[bytes]] = []
    redis_url = None
    try:
        if backend == "redis":
            redis_url = os.environ.get("REDIS_URL")
            if not redis_url:
                binary = shutil.which("redis-server")
                if binary is None:
                    raise SystemExit("redis-server is not on PATH (or set REDIS_URL)")
                rport = free_port()
                procs.append(subprocess.Popen(
                    [binary, "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(work)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                redis_url = f"redis://127.0.0.1:{rport}/0"
                time.sleep(0.3)
        count = args.processes if backend == "redis" else 1
        urls = []
        for i in range(count):
            port = free_port()
            procs.append(start_server(port, work / f"data-{backend}-{i}",
                                      config_dir / "settings.toml", redis_url,
                                      work / f"server-{backend}-{i}.log"))
            urls.append(f"http://127.0.0.1:{port}")
        pids = [p.pid for p in procs]
        cpu_before = cpu_seconds(pids)
        result = asyncio.run(run_once(urls, args.members, args.messages, args.burst_messages,
                                      args.body))
        cpu = cpu_seconds(pids) - cpu_before
        envelopes = args.messages + args.members * args.burst_messages
        # Server-side CPU (relay processes + redis-server) per envelope and per delivery: less
        # sensitive to a busy machine than wall-clock figures.
        result["server_cpu_ms_per_envelope"] = 1000 * cpu / envelopes
        result["server_cpu_ms_per_delivery"] = 1000 * cpu / (envelopes * (args.members - 1))
        return result
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    """Parse arguments, run the chosen backends, print a table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "redis", "both"], default="both")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--burst-messages", type=int, default=50)
    parser.add_argument("--body", type=int, default=1024, help="body bytes per envelope")
    parser.add_argument("--processes", type=int, default=1, choices=[1, 2],
                        help="server processes for the Redis backend (members split)")
    args = parser.parse_args()
    backends = ["embedded", "redis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="iltapiiri-bench-") as tmp:
        for backend in backends:
            result = bench(backend, args, Path(tmp))
            label = backend + (f" x{args.processes} processes" if backend == "redis"
                               and args.processes > 1 else "")
            print(f"== {label}: group of {args.members}, {args.messages} sequential + "
                  f"{args.members}x{args.burst_messages} burst envelopes, body {args.body} B")
            for key, value in result.items():
                print(f"  {key:34s} {value:10.2f}")


if __name__ == "__main__":
    main()
