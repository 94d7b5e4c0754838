"""ServerKeyStore on Redis.

    secret:<name>        string   server secrets of older versions (moved to the key file)
    server_public_key    string   the room key's public half (every process must agree)
"""

from __future__ import annotations

import contextlib

import redis.asyncio as aioredis

from server.storage.redis.connection import PREFIX, Connection


class RedisServerKeys:
    """Agreement through SET NX."""

    def __init__(self, conn: Connection) -> None:
        self._raw = conn.raw

    def __repr__(self) -> str:
        return "RedisServerKeys()"

    async def legacy_secret(self, name: str) -> bytes | None:
        """See ServerKeyStore."""
        value = await self._raw.get(f"{PREFIX}secret:{name}")
        return value if isinstance(value, bytes) else None

    async def agree_public_key(self, public_key: bytes) -> bytes:
        """See ServerKeyStore."""
        key = f"{PREFIX}server_public_key"
        await self._raw.set(key, public_key, nx=True)
        value = await self._raw.get(key)
        assert isinstance(value, bytes)
        return value

    async def drop_legacy_secret(self, name: str) -> None:
        """See ServerKeyStore. Also asks Redis to rewrite its append-only file, which still
        holds the old SET (best effort: a rewrite may already be running, or AOF be off)."""
        if await self._raw.delete(f"{PREFIX}secret:{name}"):
            with contextlib.suppress(aioredis.ResponseError):
                await self._raw.bgrewriteaof()
