"""AuditStore contract, on SQLite and on a real redis-server: the chain holds under concurrent
appends from two connections and a restart; a tampered or undecodable row is found at its index,
also through `python -m server admin audit --verify`."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from moderation.audit import AuditEntry, encode_entry
from server.clock import FakeClock
from server.handlers import audit_log
from server.storage.audit import AuditStore, Undecodable
from server.storage.embedded import open_embedded
from server.storage.embedded.moderation_db import DB_FILE
from server.storage.redis import open_redis
from server.storage.redis.moderation_keys import PREFIX
from server.storage.stores import Stores
from tests.fixtures.server import REPO_ROOT, write_test_config


class Backend:
    """Opens the backend's `Stores.audit` on one place (a restart opens it again) and
    tampers with its rows."""

    def __init__(self, kind: str, data_dir: Path, redis_url: str | None) -> None:
        self.kind, self.data_dir, self.redis_url = kind, data_dir, redis_url
        self.opened: list[Stores] = []

    def open(self) -> AuditStore:
        stores = open_redis(self.redis_url) if self.redis_url else open_embedded(self.data_dir)
        self.opened.append(stores)
        return stores.audit

    async def close_all(self) -> None:
        for stores in self.opened:
            await stores.close()

    async def replace_entry(self, index: int, entry: bytes) -> None:
        """Overwrite one stored row's entry bytes, keeping its stored hash."""
        if self.redis_url is None:
            db = sqlite3.connect(self.data_dir / DB_FILE)
            db.execute("UPDATE audit_log SET entry = ? WHERE seq = ?", (entry, index))
            db.commit()
            db.close()
            return
        r = aioredis.Redis.from_url(self.redis_url, decode_responses=True)
        row = await r.lindex(f"{PREFIX}audit", index)
        digest = row.partition(" ")[2]
        await r.lset(f"{PREFIX}audit", index, f"{base64.b64encode(entry).decode()} {digest}")
        await r.aclose()


@pytest.fixture(params=["embedded", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    b = Backend(request.param, tmp_path / "data", url)
    yield b
    await b.close_all()


async def _fill(backend: Backend, n: int) -> None:
    """`n` appends from two store connections at once (as two server processes would)."""
    a, b = backend.open(), backend.open()
    clock = FakeClock(1_780_000_000)
    await asyncio.gather(*(audit_log.append(
        (a, b)[i % 2], clock, actor=f"mod{i}", action="sanction", room="open/2026-06-10",
        pseudonym="Aino", details={"kind": "mute", "minutes": i}) for i in range(n)))


async def test_the_audit_chain_holds_under_concurrent_appends_and_a_restart(
        backend: Backend) -> None:
    await _fill(backend, 12)
    store = backend.open()
    result = await audit_log.check_chain(store)
    assert result.rows == 12 and result.broken_at is None
    head = await store.head()
    rows = await store.rows()
    assert head is not None and head[0] == 11
    assert [r.entry.seq for r in rows if not isinstance(r, Undecodable)] == list(range(12))
    assert head[1] == rows[-1].hash
    assert not isinstance(rows[0], Undecodable)
    assert not await store.try_append(None, rows[0])  # the head moved: refused
    assert (await audit_log.check_chain(store)).rows == 12


async def test_a_tampered_row_is_found_at_its_index(backend: Backend) -> None:
    await _fill(backend, 5)
    forged = AuditEntry(seq=2, at_ms=1, actor="mod2", action="sanction", room="open/2026-06-10",
                        pseudonym="Someone-else", details={"kind": "mute", "minutes": 2})
    await backend.replace_entry(2, encode_entry(forged))
    result = await audit_log.check_chain(backend.open())
    assert result.broken_at == 2 and result.reason == "hash"


async def test_an_undecodable_row_is_named_not_raised(backend: Backend) -> None:
    await _fill(backend, 3)
    await backend.replace_entry(1, b"not an audit entry")
    rows = await backend.open().rows()
    assert isinstance(rows[1], Undecodable) and rows[1].index == 1
    assert not isinstance(rows[2], Undecodable)
    result = await audit_log.check_chain(backend.open())
    assert (result.rows, result.broken_at, result.reason) == (3, 1, "undecodable")


def _cli(backend: Backend, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = write_test_config(tmp_path / "config")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if backend.redis_url:
        env["REDIS_URL"] = backend.redis_url
    return subprocess.run(
        [sys.executable, "-m", "server", "admin", "audit", "--verify", "--config", str(config),
         "--data-dir", str(backend.data_dir)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)


async def test_admin_audit_verify_names_the_first_broken_link(backend: Backend,
                                                              tmp_path: Path) -> None:
    await _fill(backend, 4)
    ok = await asyncio.to_thread(_cli, backend, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "audit chain verified: 4 row(s)"
    await backend.replace_entry(1, encode_entry(AuditEntry(seq=1, at_ms=5, actor="x",
                                                           action="login")))
    bad = await asyncio.to_thread(_cli, backend, tmp_path)
    assert bad.returncode == 1
    assert "audit chain broken at row 1 (seq 1) of 4" in bad.stderr
