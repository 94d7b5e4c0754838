"""Fault and load fixtures: a Redis run with the shipped persistence settings that a test can
kill and restart, the RSS of a process, and small helpers to count what clients receive.

Everything here is black-box: server subprocesses (`server_process`), nginx (`nginx`, from
tests/deploy), the public `client.PeerClient`, and redis-py against the test's own Redis.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.conftest import nginx  # noqa: F401  (re-exported fixture)
from tests.fixtures.server import TEST_POW_BITS
from tests.fixtures.services import _wait_for_port, free_port, missing
from tests.web_client.conftest import browser, open_peer  # noqa: F401  (re-exported fixtures)

DEPLOY_REDIS_CONF = Path(__file__).resolve().parents[2] / "deploy" / "redis.conf"
# The shipped settings that decide what survives a restart; the rest (bind, port, dir,
# password) belongs to the machine and is replaced by the test's own.
PERSISTENCE_SETTINGS = ("appendonly", "appendfsync", "save", "maxmemory-policy")


def shipped_persistence() -> list[str]:
    """`--appendonly yes --appendfsync everysec ...` as deploy/redis.conf sets them."""
    args: list[str] = []
    saves: list[str] = []
    for line in DEPLOY_REDIS_CONF.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#") or parts[0] not in PERSISTENCE_SETTINGS:
            continue
        if parts[0] == "save":
            saves.append(" ".join(parts[1:]))
        else:
            args += [f"--{parts[0]}", " ".join(parts[1:])]
    if saves:
        args += ["--save", " ".join(saves)]
    assert "--appendonly" in args and args[args.index("--appendonly") + 1] == "yes", \
        "deploy/redis.conf no longer turns the append-only file on"
    return args


@dataclass
class RedisProcess:
    """A redis-server on a fixed loopback port and data directory, restartable in place."""

    binary: str
    port: int
    directory: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--protected-mode", "yes", "--dir", str(self.directory), *shipped_persistence()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)
        self._wait_loaded()

    def _wait_loaded(self, timeout: float = 20.0) -> None:
        """Until Redis answers PING (not LOADING: it replays the AOF first)."""
        import redis

        deadline = time.monotonic() + timeout
        while True:
            client = redis.Redis(port=self.port, socket_timeout=1)
            try:
                if client.ping():
                    return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop it hard (default) or cleanly (SIGTERM writes the AOF and exits)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)

    def restart(self, sig: int = signal.SIGKILL, down_seconds: float = 1.0) -> None:
        """Kill, stay down `down_seconds` (clients see refused connections), start again."""
        self.kill(sig)
        time.sleep(down_seconds)
        self.start()
        self.restarts += 1

    async def arestart(self, sig: int = signal.SIGKILL, down_seconds: float = 1.0) -> None:
        await asyncio.to_thread(self.restart, sig, down_seconds)


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A private Redis with deploy/redis.conf's persistence (AOF everysec) that the test owns."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not on PATH")
        raise AssertionError("unreachable")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisProcess(binary=binary, port=free_port(), directory=directory)
    server.start()
    yield server
    server.kill(signal.SIGTERM)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def closed_group_toml(group_id: str = "closed", hours_ahead: int = 12) -> str:
    """A nightly group whose night starts `hours_ahead` hours from now (UTC): closed all test."""
    import datetime as dt

    start = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours_ahead)).strftime("%H:%M")
    return (f'\n[[group]]\nid = "{group_id}"\nname = "Closed now"\ntopic = "Later"\n'
            f'language = "fi"\ndays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
            f'start = "{start}"\nduration_minutes = 60\ntimezone = "UTC"\n'
            f"moderator_required = false\n")


def open_group_toml(group_id: str, name: str | None = None, capacity: int = 30) -> str:
    """An always-open group without a moderator."""
    return (f'\n[[group]]\nid = "{group_id}"\nname = "{name or group_id}"\ntopic = "Test"\n'
            f'language = "en"\nalways_open = true\nmoderator_required = false\n'
            f"capacity = {capacity}\n")


def write_config(directory: Path, groups_toml: str, limits: dict[str, float] | None = None) -> Path:
    """A settings TOML for `python -m server --config` with exactly these groups, the test
    fixtures' cheap proof of work and no per-source sign-in or unauthenticated limits (every
    test client comes from one loopback address); `limits` adds or overrides `[limits]` keys."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "groups.toml").write_text(groups_toml, encoding="utf-8")
    table: dict[str, float] = {"signin_per_minute": 1_000_000, "signin_burst": 1_000_000,
                               "max_unauthenticated_per_source": 1000, **(limits or {})}
    lines = "".join(f"{k} = {v:g}\n" for k, v in table.items())
    path = directory / "settings.toml"
    path.write_text(f'[server]\ngroups_file = "groups.toml"\n\n[identity]\n'
                    f"pow_bits = {TEST_POW_BITS}\n\n[limits]\n{lines}", encoding="utf-8")
    return path
