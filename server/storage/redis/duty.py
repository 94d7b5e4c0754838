"""DutyStore on Redis: the set `ilp:mod:duty` (server/storage/redis/moderation_keys.py)."""

from __future__ import annotations

from typing import Any

from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import PREFIX


class RedisDuty:
    """Staff ids on duty, in one set."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r

    def __repr__(self) -> str:
        return "RedisDuty()"

    async def put(self, staff_id: str, on: bool) -> None:
        """See DutyStore."""
        if on:
            await self._r.sadd(f"{PREFIX}duty", staff_id)
        else:
            await self._r.srem(f"{PREFIX}duty", staff_id)

    async def on_duty(self) -> set[str]:
        """See DutyStore."""
        return set(await self._r.smembers(f"{PREFIX}duty"))
