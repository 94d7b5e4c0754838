"""Where the memory of an idle connection goes: tracemalloc of one in-process Iltapiiri server
(uvloop, embedded store, the fast fan-out on) while a client process holds N idle, signed-in
websocket connections (issue 14: under 15 KB each).

    .venv/bin/python bench/idle_memory.py [--connections 1000] [--warm 100] [--top 25]

The clients run in a child process (bench/fanout_load.py's raw Engine.IO/Socket.IO connections,
`hello` + Ed25519 `auth`, as the fan-out bench's idle scenario), so only the server's heap is
traced. `--warm` connections are opened first and kept (caches, interned strings and the
allocator settle), then the heap is snapshotted, N more are opened and signed in, the clients
go quiet for a second, and the heap is snapshotted again. Every allocation that grew is put to
a component by the innermost Python frame that made it (its file's package: aiohttp with
multidict/yarl, Engine.IO, python-socketio, asyncio, Iltapiiri, other), and the top allocating
lines are listed; all divided by N. This is Python heap, not RSS (the fan-out bench measures
RSS); the two agree within a few hundred bytes per connection on this workload.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

GROUPS = """
[[group]]
id = "open"
name = "Bench open"
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
pow_bits = 0
"""

# package folder (as it appears in a traced file's path) -> component
COMPONENTS = (
    ("/aiohttp/", "aiohttp"), ("/multidict/", "aiohttp"), ("/yarl/", "aiohttp"),
    ("/engineio/", "Engine.IO"), ("/socketio/", "python-socketio"),
    ("/asyncio/", "asyncio"), ("/uvloop/", "asyncio"),
)


def component(filename: str) -> str:
    """The component a traced file belongs to."""
    for folder, name in COMPONENTS:
        if folder in filename:
            return name
    for folder in ("server", "e2ee", "config"):
        if filename.startswith(str(REPO / folder)):
            return "Iltapiiri"
    return "other"


def short(filename: str) -> str:
    """A traced file's path from its package on."""
    for marker in ("site-packages/", "python3.11/", str(REPO) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def client_main(url: str, count: int, offset: int) -> None:
    """Child process: open `count` signed-in connections, say so, hold them until stdin ends."""
    from fanout_load import Generator

    async def run() -> None:
        gen = Generator({"kind": "iltapiiri", "urls": [url], "groups": ["open"], "idle": [count]})
        await gen.connect_all(count, offset=offset)
        print(json.dumps({"ready": count, "lost": gen.lost}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    try:
        import uvloop
        uvloop.run(run())
    except ImportError:
        asyncio.run(run())


class Clients:
    """One child process holding connections."""

    def __init__(self, url: str, count: int, offset: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--client", url, str(count), str(offset)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)

    async def ready(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.get_running_loop().run_in_executor(None, self.proc.stdout.readline)
        if not line:
            raise RuntimeError("the client process ended before its connections were ready")
        return dict(json.loads(line))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from aiohttp import web

    from config.settings import load_settings
    from server.app import ADAPTER, make_app

    with tempfile.TemporaryDirectory(prefix="iltapiiri-idle-") as tmp:
        work = Path(tmp)
        (work / "groups.toml").write_text(GROUPS)
        (work / "settings.toml").write_text(SETTINGS)
        settings = load_settings(work / "settings.toml").with_overrides(
            host="127.0.0.1", port=0, data_dir=work / "data")
        app = make_app(settings)
        runner = web.AppRunner(app, access_log=None, keepalive_timeout=75.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}"
        clients: list[Clients] = []
        try:
            warm = Clients(url, args.warm, 0)
            clients.append(warm)
            await warm.ready()
            await asyncio.sleep(1.0)
            gc.collect()
            tracemalloc.start(args.frames)
            before = tracemalloc.take_snapshot()
            t0 = time.monotonic()
            measured = Clients(url, args.connections, args.warm)
            clients.append(measured)
            got = await measured.ready()
            await asyncio.sleep(1.0)
            gc.collect()
            after = tracemalloc.take_snapshot()
            tracemalloc.stop()
            connected = len(app[ADAPTER].connections)
            authenticated = sum(1 for c in app[ADAPTER].connections.values() if c.authenticated)
            elapsed = time.monotonic() - t0
        finally:
            for c in clients:
                c.close()
            await runner.cleanup()
    n = args.connections
    by_component: dict[str, int] = defaultdict(int)
    by_line: dict[str, int] = defaultdict(int)
    ignore = tracemalloc.Filter(False, tracemalloc.__file__)
    before, after = before.filter_traces([ignore]), after.filter_traces([ignore])
    for diff in after.compare_to(before, "traceback"):
        frame = diff.traceback[0]  # the innermost frame: who allocated
        by_component[component(frame.filename)] += diff.size_diff
        by_line[f"{short(frame.filename)}:{frame.lineno}"] += diff.size_diff
    total = sum(by_component.values())
    return {"connections": n, "warm": args.warm, "ready": got, "connected": connected,
            "authenticated": authenticated, "seconds": elapsed, "total_per_conn": total / n,
            "components": {k: v / n for k, v in sorted(by_component.items(),
                                                        key=lambda kv: -kv[1])},
            "lines": [(k, v / n) for k, v in sorted(by_line.items(),
                                                     key=lambda kv: -kv[1])[:args.top]]}


def report(result: dict[str, Any]) -> str:
    """Markdown-ish text of one measurement."""
    n = result["connections"]
    lines = [f"Python heap per idle connection, {n} connections (after {result['warm']} warm-up "
             f"ones; {result['authenticated']} of {result['connected']} signed in): "
             f"{result['total_per_conn'] / 1024:.2f} KB", "",
             "| component | bytes per connection |", "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in result["components"].items()]
    lines += ["", "Top allocating lines (innermost frame), bytes per connection:", ""]
    lines += [f"- {where}: {size:,.0f}" for where, size in result["lines"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--client"]:
        client_main(argv[1], int(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--frames", type=int, default=1, help="traceback depth traced")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="print the raw result as JSON")
    args = parser.parse_args(argv)
    try:
        import uvloop
        result = uvloop.run(measure(args))
    except ImportError:
        result = asyncio.run(measure(args))
    print(json.dumps(result) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
