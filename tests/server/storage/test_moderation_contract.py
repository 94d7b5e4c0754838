"""One contract suite for the moderation port, on SQLite and on a real redis-server; the audit
chain verified, tampered with and caught, also through `python -m server admin audit --verify`."""

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
from server.storage.embedded import open_embedded
from server.storage.embedded.moderation import DB_FILE
from server.storage.moderation import ModerationStore
from server.storage.redis import open_redis
from server.storage.redis.moderation import PREFIX
from server.storage.stores import Stores
from tests.fixtures.server import REPO_ROOT, write_test_config


class Backend:
    """Opens the backend's `Stores.moderation` on one place (a restart opens it again) and
    tampers with its rows."""

    def __init__(self, kind: str, data_dir: Path, redis_url: str | None) -> None:
        self.kind, self.data_dir, self.redis_url = kind, data_dir, redis_url
        self.opened: list[Stores] = []

    def open(self) -> ModerationStore:
        stores = open_redis(self.redis_url) if self.redis_url else open_embedded(self.data_dir)
        self.opened.append(stores)
        return stores.moderation

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


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[ModerationStore]:
    s = backend.open()
    yield s
    await s.close()


async def test_flags_are_kept_per_message_and_dropped_with_the_room(
        store: ModerationStore) -> None:
    await store.put_flags("open/2026-06-10", "1", "Aino", "2026-06-10", '{"a": 1}')
    await store.put_flags("open/2026-06-10", "1", "Aino", "2026-06-10", '{"a": 2}')
    await store.put_flags("late/2026-06-10", "7", "Aino", "2026-06-10", '{"b": 1}')
    await store.put_flags("open/2026-06-10", "2", "Eero", "2026-06-10", '{"c": 1}')
    assert await store.get_flags("open/2026-06-10", "1") == '{"a": 2}'
    assert sorted(await store.night_flags("2026-06-10", "Aino")) == ['{"a": 2}', '{"b": 1}']
    assert await store.drop_room("open/2026-06-10") == 2
    assert await store.get_flags("open/2026-06-10", "1") is None
    assert await store.night_flags("2026-06-10", "Aino") == ['{"b": 1}']
    assert await store.night_flags("2026-06-10", "Eero") == []


async def test_alerts_duty_and_sanctions(store: ModerationStore) -> None:
    await store.put_alert("al-1", "open/2026-06-10", "1", True, "A1")
    await store.put_alert("al-2", "open/2026-06-10", "2", True, "A2")
    assert await store.alert_for_message("open/2026-06-10", "1") == "A1"
    await store.put_alert("al-1", "open/2026-06-10", "1", False, "A1 closed")
    assert await store.alert_for_message("open/2026-06-10", "1") is None
    assert await store.get_alert("al-1") == "A1 closed"
    assert await store.active_alerts() == ["A2"]
    await store.set_duty("m1", True)
    await store.set_duty("m2", True)
    await store.set_duty("m1", False)
    assert await store.on_duty() == {"m2"}
    await store.put_sanction("sa-1", "open/2026-06-10", "Aino", False, "mute")
    await store.put_sanction("sa-2", "open/2026-06-10", "Aino", True, "ban")
    await store.put_sanction("sa-3", "late/2026-06-10", None, False, "lock elsewhere")
    assert await store.sanctions_for("open/2026-06-10", "Aino") == ["mute", "ban"]
    assert await store.sanctions_for("late/2026-06-10", "Aino") == ["ban", "lock elsewhere"]
    assert await store.sanctions_for("late/2026-06-10", "Eero") == ["lock elsewhere"]
    await store.put_sanction("sa-1", "open/2026-06-10", "Aino", False, "mute lifted")
    assert await store.get_sanction("sa-1") == "mute lifted"
    assert await store.last_sent("open/2026-06-10", "Aino") is None
    await store.set_last_sent("open/2026-06-10", "Aino", 12.5, 60)
    assert await store.last_sent("open/2026-06-10", "Aino") == 12.5


async def _fill(backend: Backend, n: int) -> None:
    """`n` appends from two store connections at once (as two server processes would)."""
    a, b = backend.open(), backend.open()
    clock = FakeClock(1_780_000_000)
    try:
        await asyncio.gather(*(audit_log.append(
            (a, b)[i % 2], clock, actor=f"mod{i}", action="sanction", room="open/2026-06-10",
            pseudonym="Aino", details={"kind": "mute", "minutes": i}) for i in range(n)))
    finally:
        await a.close()
        await b.close()


async def test_the_audit_chain_holds_under_concurrent_appends_and_a_restart(
        backend: Backend) -> None:
    await _fill(backend, 12)
    store = backend.open()
    try:
        result = await audit_log.check_chain(store)
        assert result.rows == 12 and result.broken_at is None
        head = await store.audit_head()
        assert head is not None and head[0] == 11
        assert not await store.audit_try_append(None, b"x", bytes(32))  # head moved: refused
        assert (await audit_log.check_chain(store)).rows == 12
    finally:
        await store.close()


async def test_a_tampered_row_is_found_at_its_index(backend: Backend) -> None:
    await _fill(backend, 5)
    forged = AuditEntry(seq=2, at_ms=1, actor="mod2", action="sanction", room="open/2026-06-10",
                        pseudonym="Someone-else", details={"kind": "mute", "minutes": 2})
    await backend.replace_entry(2, encode_entry(forged))
    store = backend.open()
    try:
        result = await audit_log.check_chain(store)
        assert result.broken_at == 2 and result.reason == "hash"
    finally:
        await store.close()


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
