"""DutyStore on Redis: the set `ilp:mod:duty` and the hash `ilp:mod:duty:seen` (staff id ->
last tick a process held a connection of theirs; server/storage/redis/moderation_keys.py)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import PREFIX

_DUTY = f"{PREFIX}duty"
_SEEN = f"{PREFIX}duty:seen"

# KEYS: duty, seen. ARGV: staff id, before. Off duty only if still on and not seen since.
_DROP_ABSENT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
local seen = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if seen >= tonumber(ARGV[2]) then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


class RedisDuty:
    """Staff ids on duty, in one set; when each was last seen, in one hash."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r
        self._drop = self._r.register_script(_DROP_ABSENT)

    def __repr__(self) -> str:
        return "RedisDuty()"

    async def put(self, staff_id: str, on: bool) -> None:
        """See DutyStore."""
        if on:
            await self._r.sadd(_DUTY, staff_id)
        else:
            async with self._r.pipeline(transaction=True) as pipe:
                pipe.srem(_DUTY, staff_id)
                pipe.hdel(_SEEN, staff_id)
                await pipe.execute()

    async def on_duty(self) -> set[str]:
        """See DutyStore."""
        return set(await self._r.smembers(_DUTY))

    async def seen(self, staff_ids: Collection[str], now: float) -> None:
        """See DutyStore."""
        if staff_ids:
            await self._r.hset(_SEEN, mapping={s: repr(float(now)) for s in staff_ids})

    async def absent(self, before: float) -> set[str]:
        """See DutyStore."""
        ids = sorted(await self.on_duty())
        if not ids:
            return set()
        seen = await self._r.hmget(_SEEN, ids)
        return {i for i, s in zip(ids, seen, strict=True) if s is None or float(s) < before}

    async def drop_absent(self, staff_id: str, before: float) -> bool:
        """See DutyStore."""
        return bool(await self._drop(keys=[_DUTY, _SEEN], args=[staff_id, repr(float(before))]))
