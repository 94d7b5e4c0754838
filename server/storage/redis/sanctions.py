"""SanctionStore on Redis (keys: server/storage/redis/moderation_keys.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from moderation.sanctions import Sanction
from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import NIGHT_TTL_SECONDS, PREFIX, glob_literal
from server.storage.sanctions import from_text, is_ban, record_text


class RedisSanctions:
    """A string per sanction, indexed by room (with a TTL) or, for bans, by pseudonym."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r

    def __repr__(self) -> str:
        return "RedisSanctions()"

    async def put(self, sanction: Sanction) -> None:
        """See SanctionStore."""
        sid = sanction.id
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}sanc:{sid}", record_text(sanction))
            if is_ban(sanction):
                pipe.sadd(f"{PREFIX}sancban:{sanction.pseudonym}", sid)
            else:
                pipe.sadd(f"{PREFIX}sancroom:{sanction.room}", sid)
                pipe.expire(f"{PREFIX}sancroom:{sanction.room}", NIGHT_TTL_SECONDS)
                pipe.expire(f"{PREFIX}sanc:{sid}", NIGHT_TTL_SECONDS)
            await pipe.execute()

    async def get(self, sanction_id: str) -> Sanction | None:
        """See SanctionStore."""
        value = await self._r.get(f"{PREFIX}sanc:{sanction_id}")
        return None if value is None else from_text(value)

    async def for_room(self, room: str, pseudonym: str | None) -> list[Sanction]:
        """See SanctionStore."""
        ids = set(await self._r.smembers(f"{PREFIX}sancroom:{room}"))
        if pseudonym is not None:
            ids |= set(await self._r.smembers(f"{PREFIX}sancban:{pseudonym}"))
        if not ids:
            return []
        values = await self._r.mget([f"{PREFIX}sanc:{i}" for i in sorted(ids)])
        return [from_text(v) for v in values if v is not None]

    async def bans(self, pseudonym: str) -> list[Sanction]:
        """See SanctionStore."""
        ids = sorted(await self._r.smembers(f"{PREFIX}sancban:{pseudonym}"))
        if not ids:
            return []
        values = await self._r.mget([f"{PREFIX}sanc:{i}" for i in ids])
        return [from_text(v) for v in values if v is not None]

    async def erase(self, pseudonym: str, replacement: str) -> int:
        """See SanctionStore. Room sanctions are found by scanning the rooms' sets (erasure is
        rare); the bans move in one transaction."""
        r, n = self._r, 0
        async for room_set in r.scan_iter(match=f"{PREFIX}sancroom:*", count=500):
            for sanction_id in await r.smembers(room_set):
                value = await r.get(f"{PREFIX}sanc:{sanction_id}")
                if value is not None and from_text(value).pseudonym == pseudonym:
                    await r.srem(room_set, sanction_id)
                    n += int(await r.delete(f"{PREFIX}sanc:{sanction_id}"))
        bans = await self.bans(pseudonym)
        async with r.pipeline(transaction=True) as pipe:
            for ban in bans:
                pipe.set(f"{PREFIX}sanc:{ban.id}", record_text(replace(ban, pseudonym=replacement)))
                pipe.sadd(f"{PREFIX}sancban:{replacement}", ban.id)
            pipe.delete(f"{PREFIX}sancban:{pseudonym}")
            await pipe.execute()
        async for sent in r.scan_iter(match=f"{PREFIX}sent:*:{glob_literal(pseudonym)}",
                                      count=500):
            await r.delete(sent)
        return n

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """See SanctionStore."""
        value = await self._r.get(f"{PREFIX}sent:{room}:{pseudonym}")
        return None if value is None else float(value)

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """See SanctionStore."""
        await self._r.set(f"{PREFIX}sent:{room}:{pseudonym}", repr(at), ex=max(1, ttl))
