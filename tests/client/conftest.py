"""Servers for the client tests: the shared fixtures when present, else a real subprocess.

The server package owns ``live_server`` / ``live_server_redis`` / ``server_process`` in
tests/fixtures/server.py. Until those exist (parallel build), ``_spawn`` starts the real
``python -m server`` on a free port, so the client tests always run against the real relay.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.services import _wait_for_port, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SpawnedServer:
    """A ``python -m server`` subprocess with its URL, data directory and log file."""

    url: str
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]


# Runs ``python -m server`` with every logger at DEBUG (the server's own default is INFO and it
# quiets socketio/engineio), so the canary search covers the most talkative log there can be.
DEBUG_LAUNCHER = """
import logging, sys
import server.logs as logs
_configure = logs.configure_logging
def _debug(level=logging.INFO):
    _configure(logging.DEBUG)
    for name in ("aiohttp", "engineio", "socketio", "engineio.server", "socketio.server", "redis"):
        logging.getLogger(name).setLevel(logging.DEBUG)
logs.configure_logging = _debug
from server.__main__ import main
main(sys.argv[1:])
"""


def _spawn(tmp: Path, redis_url: str | None, *, debug: bool = False) -> SpawnedServer:
    port = free_port()
    data_dir = tmp / "data"
    log_path = tmp / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process below
    proc = subprocess.Popen(
        [sys.executable, *(["-c", DEBUG_LAUNCHER] if debug else ["-m", "server"]),
         "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        _wait_for_port(port, timeout=20)
    except RuntimeError:
        proc.kill()
        raise
    return SpawnedServer(f"http://127.0.0.1:{port}", data_dir, log_path, proc)


def _stop(server: SpawnedServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=5)


def _url_of(server: Any) -> str:
    """The base URL of whatever a shared server fixture yields (a str or an object with .url)."""
    if isinstance(server, str):
        return server
    url = getattr(server, "url", None)
    if isinstance(url, str):
        return url
    raise TypeError(f"cannot find the URL of {type(server).__name__}")


def _shared(request: pytest.FixtureRequest, name: str) -> Any:
    """The shared fixture ``name`` if the server package provides it, else None."""
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


@pytest.fixture
def embedded_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a real server on the embedded store."""
    shared = _shared(request, "live_server")
    if shared is not None:
        yield _url_of(shared)
        return
    server = _spawn(tmp_path, None)
    try:
        yield server.url
    finally:
        _stop(server)


@pytest.fixture
def redis_backed_url(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str) -> Iterator[str]:
    """URL of a real server on the Redis backend (a private redis-server)."""
    shared = _shared(request, "live_server_redis")
    if shared is not None:
        yield _url_of(shared)
        return
    server = _spawn(tmp_path, redis_url)
    try:
        yield server.url
    finally:
        _stop(server)


@pytest.fixture(params=["embedded", "redis"])
def any_backend_url(request: pytest.FixtureRequest) -> str:
    """The same test on both storage backends."""
    name = "embedded_url" if request.param == "embedded" else "redis_backed_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def spawned_redis_server(tmp_path: Path, redis_url: str) -> Iterator[SpawnedServer]:
    """A server subprocess on Redis whose data dir and log file the canary test searches."""
    server = _spawn(tmp_path, redis_url, debug=True)
    try:
        yield server
    finally:
        _stop(server)


@dataclass
class ClockedServer:
    """An in-process server whose clock moves only when the test says so."""

    url: str
    clock: Any
    app: Any

    async def advance(self, seconds: float) -> None:
        """Move the server's clock and run the scheduler once (opens, warns, closes rooms)."""
        from server.app import SCHEDULER

        self.clock.advance(seconds)
        await self.app[SCHEDULER].tick()


@pytest.fixture
async def clocked_server(tmp_path: Path) -> Any:
    """The real server app on a free port with a ``FakeClock`` and no background scheduler."""
    import time as _time

    from aiohttp import web

    from config.settings import load_settings
    from server.app import make_app
    from server.clock import FakeClock

    port = free_port()
    settings = load_settings(None).with_overrides(
        host="127.0.0.1", port=port, data_dir=tmp_path / "data", redis_url=None
    )
    clock = FakeClock(_time.time())
    app = make_app(settings, clock=clock, run_scheduler=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    server = ClockedServer(f"http://127.0.0.1:{port}", clock, app)
    await server.advance(0)
    try:
        yield server
    finally:
        await runner.cleanup()
