"""A private redis-server with the append-only file on, restartable on its directory, for the
tests that kill Redis itself (escalation cases must survive it)."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.services import _wait_for_port, free_port, missing


class RedisWithAof:
    """A private redis-server with AOF on (fsync on every write), restartable on one dir."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server is not on PATH")
        self.binary = str(binary)
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisWithAof]:
    """A started RedisWithAof in the test's temporary directory."""
    server = RedisWithAof(tmp_path / "redis")
    server.workdir.mkdir()
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.terminate()
        server.proc.wait(timeout=10)
