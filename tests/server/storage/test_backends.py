"""What only one backend has: the embedded file's permissions and migrations, Redis data of
older versions, and the Redis connection's bounded reconnect backoff."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from server import redis_options
from server.storage.embedded import open_embedded
from server.storage.embedded.db import DB_FILE
from server.storage.redis import connection, open_redis
from tests.fixtures.services import free_port
from tests.server.storage.conftest import KEY_A, KEY_S, envelope, ids, prekey


async def test_embedded_file_is_private(tmp_path: Path) -> None:
    stores = open_embedded(tmp_path / "fresh")
    await stores.keys.add_one_time_prekeys(KEY_A, [prekey(1)], 5)
    await stores.close()
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700
    for f in (tmp_path / "fresh").iterdir():
        assert f.stat().st_mode & 0o077 == 0, f


async def test_embedded_inbox_from_before_the_sender_column(tmp_path: Path) -> None:
    data = tmp_path / "old"
    data.mkdir()
    db = sqlite3.connect(data / DB_FILE)
    db.execute("CREATE TABLE inbox (id TEXT PRIMARY KEY, recipient BLOB NOT NULL, "
               "json TEXT NOT NULL, expires_at REAL NOT NULL, n INTEGER NOT NULL)")
    db.execute("INSERT INTO inbox VALUES (?, ?, ?, ?, ?)",
               (envelope(1).id, KEY_A, envelope(1).to_json(), 500, 1))
    db.commit()
    db.close()
    stores = open_embedded(data)
    try:
        assert await stores.inbox.put(KEY_A, KEY_S, envelope(2), 600, 0, 5, 1)
        assert ids(await stores.inbox.pending(KEY_A, 0, 5)) == [1, 2]
    finally:
        await stores.close()


async def test_redis_inbox_from_an_older_version(redis_url: str) -> None:
    """Envelopes stored before the counts existed (no sender record, a key TTL) are served,
    never counted, and the TTL no longer applies once new envelopes join them."""
    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    recipient = base64.b64encode(KEY_A).decode()
    await raw.hset(f"ilp:inbox:{recipient}", envelope(1).id, envelope(1).to_json())
    await raw.zadd(f"ilp:inboxexp:{recipient}", {envelope(1).id: 500})
    await raw.expire(f"ilp:inbox:{recipient}", 3600)
    await raw.expire(f"ilp:inboxexp:{recipient}", 3600)
    stores = open_redis(redis_url)
    try:
        assert await stores.inbox.put(KEY_A, KEY_S, envelope(2), 600, 0, 5, 5)
        assert await raw.ttl(f"ilp:inbox:{recipient}") == -1
        assert ids(await stores.inbox.pending(KEY_A, 0, 5)) == [1, 2]
        assert await stores.inbox.total(0) == 1
        assert await stores.inbox.ack(KEY_A, [envelope(1).id, envelope(2).id]) == 2
        assert await stores.inbox.total(0) == 0
    finally:
        await stores.close()
        await raw.aclose()


def test_the_redis_client_retries_with_bounded_backoff() -> None:
    client = connection.client("redis://127.0.0.1:1/0")
    retry = client.connection_pool.connection_kwargs["retry"]
    assert retry._retries == redis_options.RETRIES
    waits = [retry._backoff.compute(n) for n in range(1, 20)]
    assert max(waits) <= redis_options.BACKOFF_CAP_SECONDS
    assert sum(waits[: redis_options.RETRIES]) < 10  # a dead Redis answers in seconds


async def test_a_dead_redis_fails_in_bounded_time() -> None:
    """Nothing listens: every retry is spent, then the error reaches the caller."""
    stores = open_redis(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    try:
        with pytest.raises((RedisConnectionError, OSError)):
            await asyncio.wait_for(stores.rooms.epoch("r"), timeout=30)
    finally:
        await stores.close()
    assert time.monotonic() - started < 15


async def test_redis_reconnects_after_its_connections_are_killed(redis_url: str) -> None:
    stores = open_redis(redis_url)
    admin = aioredis.Redis.from_url(redis_url)
    try:
        assert await stores.rooms.next_seq("r") == 1
        await admin.client_kill_filter(_type="normal", skipme=True)
        assert await stores.rooms.next_seq("r") == 2  # retried on a new connection
    finally:
        await stores.close()
        await admin.aclose()


async def test_a_burst_beyond_the_pool_waits_for_a_connection(redis_url: str) -> None:
    """More commands at once than the pool has connections (a burst of sends each waiting on
    its store call): they queue for a connection instead of failing with redis-py's
    MaxConnectionsError (answered `internal`), and Redis sees at most the pool's connections."""
    client = connection.client(redis_url)
    try:
        await client.set("k", "v")
        burst = 3 * connection.POOL_SIZE
        results = await asyncio.gather(*(client.get("k") for _ in range(burst)),
                                       return_exceptions=True)
        assert results == ["v"] * burst
        pool = client.connection_pool
        assert len(pool._available_connections) + len(pool._in_use_connections) \
            <= connection.POOL_SIZE
    finally:
        await client.aclose()
