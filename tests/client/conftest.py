"""Servers for the client tests, built on the server package's shared fixtures.

``embedded_url`` / ``redis_backed_url`` / ``any_backend_url`` are the real relay in-process
(``live_server`` / ``live_server_redis``); ``clocked_server`` is the same with a fake clock;
``debug_redis_server`` is ``python -m server`` as a subprocess (``server_process``) on Redis with
every logger at DEBUG, for the canary test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.clock import FakeClock
from tests.fixtures.server import LiveServer, ServerProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded_url(live_server: LiveServer) -> str:
    """URL of the real server on the embedded store."""
    return live_server.url


@pytest.fixture
def redis_backed_url(live_server_redis: LiveServer) -> str:
    """URL of the real server on the Redis backend (a private redis-server)."""
    return live_server_redis.url


@pytest.fixture(params=["embedded", "redis"])
def any_backend_url(request: pytest.FixtureRequest) -> str:
    """The same test on both storage backends."""
    name = "embedded_url" if request.param == "embedded" else "redis_backed_url"
    return str(request.getfixturevalue(name))


@dataclass
class ClockedServer:
    """An in-process server whose clock moves only when the test says so."""

    server: LiveServer
    clock: FakeClock

    @property
    def url(self) -> str:
        """Base URL."""
        return self.server.url

    async def advance(self, seconds: float) -> None:
        """Move the server's clock and run the scheduler once (opens, warns, closes rooms)."""
        self.clock.advance(seconds)
        await self.server.scheduler.tick()


@pytest.fixture
async def clocked_server(live_server_factory: Callable[..., Any]) -> ClockedServer:
    """The real server with a ``FakeClock`` (starting now) and no background scheduler."""
    clock = FakeClock(time.time())
    server = await live_server_factory(clock=clock, run_scheduler=False)
    clocked = ClockedServer(server, clock)
    await clocked.advance(0)
    return clocked


# ``python -m server`` configures logging at INFO and quiets socketio/engineio. This
# sitecustomize (found through PYTHONPATH) turns every logger to DEBUG before the server starts,
# so the canary search covers the most talkative log the server can write.
DEBUG_SITECUSTOMIZE = '''
import logging
import server.logs as _logs

_configure = _logs.configure_logging


def _debug(level=logging.INFO):
    _configure(logging.DEBUG)
    names = ("aiohttp", "engineio", "socketio", "engineio.server", "socketio.server", "redis")
    for name in (*names, *_logs.LIBRARY_LOGGERS):
        logging.getLogger(name).setLevel(logging.DEBUG)
    # Proof that DEBUG reaches the log: the fast fan-out (server/fanout.py) bypasses Engine.IO's
    # per-packet debug lines, so on the embedded store a quiet run may write no other.
    logging.getLogger("engineio.server").debug("debug logging on")


_logs.configure_logging = _debug
'''


def _debug_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "debug-site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(DEBUG_SITECUSTOMIZE, encoding="utf-8")
    return {"PYTHONPATH": f"{site}:{ROOT}"}


@pytest.fixture(params=["redis", "embedded"])
def debug_server(
    request: pytest.FixtureRequest, server_process: Callable[..., ServerProcess], tmp_path: Path
) -> ServerProcess:
    """``python -m server`` on Redis or on the embedded SQLite store, all loggers at DEBUG,
    output in ``.log_path`` (``.redis_url`` is None on the embedded store)."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    return server_process(redis_url=redis_url, env=_debug_env(tmp_path))
