"""Where one Iltapiiri process on Redis spends its time at a fixed offered rate (perf12).

    .venv/bin/python bench/redis_profile.py [--rate 250] [--seconds 13] [--delay 7]
        [--window 5] [--embedded] [--py-spy OUT.txt]

One room of 60 members (bench/fanout_load.py, as bench/fanout_bench.py's Redis scenario), one
server process and a private redis-server. Over `--window` seconds inside the load step (after
`--delay`: sign-in and warm-up are over) it reads the server's CPU time and write/read system
calls (/proc), redis-server's CPU time and Redis's commands (INFO commandstats), and prints
them per envelope (envelopes = XADDs in the window, the ones actually published); with
`--py-spy` it also samples the server (py-spy from PyPI, raw collapsed stacks). `--embedded`:
the same without Redis (CPU and system calls only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fanout_bench as fb


def proc_stats(pid: int) -> dict[str, float]:
    """CPU seconds, write and read system calls of a process so far."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        key, value = line.split(":")
        out[key] = int(value)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    out["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=250.0, help="offered envelopes/s")
    parser.add_argument("--seconds", type=float, default=13.0, help="length of the load step")
    parser.add_argument("--delay", type=float, default=7.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=5.0, help="seconds measured")
    parser.add_argument("--embedded", action="store_true", help="no Redis")
    parser.add_argument("--py-spy", type=Path, default=None, help="raw py-spy samples here")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory(prefix="iltapiiri-redis-profile-") as tmp:
        procs = fb.BenchProcesses(Path(tmp))
        try:
            url, redis_pid = (None, None) if args.embedded else procs.redis("profile")
            urls, pids = fb.start_relay(procs, "iltapiiri", redis_url=url)
            pid = pids[0]
            spec = {"kind": "iltapiiri", "urls": urls,
                    "pids": pids + ([redis_pid] if redis_pid else []), "members": 60,
                    "groups": ["open"], "rates": [args.rate], "seconds": args.seconds,
                    "ramp": False}
            window: dict[str, Any] = {}

            def measure() -> None:
                time.sleep(args.delay)
                admin = redis.Redis.from_url(url) if url else None
                if admin is not None:
                    admin.config_resetstat()
                before = proc_stats(pid)
                redis_before = proc_stats(redis_pid) if redis_pid else None
                started = time.monotonic()
                if args.py_spy is not None:
                    subprocess.run([spy, "record", "--pid", str(pid), "--format", "raw",
                                    "--rate", "250", "--nonblocking", "-o", str(args.py_spy),
                                    "--duration", str(int(args.window))],
                                   capture_output=True, check=False)
                else:
                    time.sleep(args.window)
                after = proc_stats(pid)
                window["seconds"] = time.monotonic() - started
                window["server"] = {k: after[k] - before[k] for k in ("cpu", "syscw", "syscr")}
                if redis_pid and redis_before:
                    window["redis_cpu"] = proc_stats(redis_pid)["cpu"] - redis_before["cpu"]
                if admin is not None:
                    window["commands"] = {k.removeprefix("cmdstat_"): v["calls"]
                                          for k, v in admin.info("commandstats").items()}

            sampler = threading.Thread(target=measure)
            sampler.start()
            step = fb.generate(procs, spec)["steps"][0]
            sampler.join()
        finally:
            procs.stop()
        log = Path(tmp) / "iltapiiri.log"
        refusals = re.findall(r'"code": ?"(\w+)"', log.read_text(errors="replace")) \
            if log.exists() else []
    commands = window.get("commands", {})
    envelopes = commands.get("xadd") or args.rate * window["seconds"]
    per = {"envelopes": envelopes,
           "server_cpu_us_per_delivery": window["server"]["cpu"] / (envelopes * 59) * 1e6,
           "server_writes_per_envelope": window["server"]["syscw"] / envelopes,
           "server_reads_per_envelope": window["server"]["syscr"] / envelopes}
    if "redis_cpu" in window:
        per["redis_cpu_us_per_envelope"] = window["redis_cpu"] / envelopes * 1e6
        per["commands_per_envelope"] = {k: round(v / envelopes, 2) for k, v in commands.items()
                                        if v / envelopes >= 0.01}
    keep = ("rate", "received", "expected", "refused", "p50", "p99", "deliveries_per_s")
    print(json.dumps({"step": {k: step[k] for k in keep}, "window": per}, indent=1))
    print(json.dumps({"refusal_codes": sorted(set(refusals))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
