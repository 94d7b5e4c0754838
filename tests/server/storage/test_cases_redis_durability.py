"""A case on Redis survives a crash of redis-server itself (kill -9) with the append-only file
on, as deploy/redis.conf sets it (docs/decisions.md, "Durable shared data on Redis")."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from escalation import machine as m
from escalation.case import CaseSource, CaseState
from server.storage.redis import open_redis
from tests.escalation.helpers import POLICY
from tests.fixtures.services import _wait_for_port, free_port, missing

T0 = 1_790_000_000.0


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
    server = RedisWithAof(tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.terminate()
        server.proc.wait(timeout=10)


async def test_a_case_survives_redis_being_killed(aof_redis: RedisWithAof) -> None:
    stores = open_redis(aof_redis.url)
    requested = m.request(case_id="c1", pseudonym="Aamu", severity=4, categories=("suicide",),
                          source=CaseSource.SELF, now=T0)
    assert await stores.cases.create(requested)
    case = m.enqueue(requested, now=T0, policy=POLICY)
    assert await stores.cases.replace(case, expected_version=requested.version)
    await stores.cases.add_note("c1", b"sealed-note")
    await stores.close()
    aof_redis.kill9()
    aof_redis.start()
    stores = open_redis(aof_redis.url)
    try:
        again = await stores.cases.get("c1")
        assert again == case and again.state is CaseState.QUEUED
        assert [c.id for c in await stores.cases.waiting(5)] == ["c1"]
        assert [c.id for c in await stores.cases.due(T0 + 60, 5)] == ["c1"]
        assert await stores.cases.open_of("Aamu") == case
        assert await stores.cases.notes("c1") == [b"sealed-note"]
    finally:
        await stores.close()
