"""AlertStore on Redis (keys: server/storage/redis/moderation_keys.py)."""

from __future__ import annotations

from typing import Any

from moderation.alerts import Alert
from server.storage.alerts import from_text, is_active, record_text
from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import NIGHT_TTL_SECONDS, PREFIX


class RedisAlerts:
    """A string per alert; the active ones in a set and a per-room message index."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r

    def __repr__(self) -> str:
        return "RedisAlerts()"

    async def for_message(self, room: str, message_id: str) -> Alert | None:
        """See AlertStore."""
        alert_id = await self._r.hget(f"{PREFIX}alertmsg:{room}", message_id)
        return None if alert_id is None else await self.get(alert_id)

    async def get(self, alert_id: str) -> Alert | None:
        """See AlertStore."""
        value = await self._r.get(f"{PREFIX}alert:{alert_id}")
        return None if value is None else from_text(value)

    async def put(self, alert: Alert) -> None:
        """See AlertStore."""
        room = alert.room
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}alert:{alert.id}", record_text(alert), ex=NIGHT_TTL_SECONDS)
            if is_active(alert):
                pipe.sadd(f"{PREFIX}alerts", alert.id)
                pipe.hset(f"{PREFIX}alertmsg:{room}", alert.message_id, alert.id)
                pipe.expire(f"{PREFIX}alertmsg:{room}", NIGHT_TTL_SECONDS)
            else:
                pipe.srem(f"{PREFIX}alerts", alert.id)
                pipe.hdel(f"{PREFIX}alertmsg:{room}", alert.message_id)
            await pipe.execute()

    async def erase(self, pseudonym: str) -> int:
        """See AlertStore (a scan over the alerts: erasure is rare)."""
        r, n = self._r, 0
        async for key in r.scan_iter(match=f"{PREFIX}alert:*", count=500):
            value = await r.get(key)
            if value is None:
                continue
            alert = from_text(value)
            if alert.pseudonym != pseudonym:
                continue
            async with r.pipeline(transaction=True) as pipe:
                pipe.srem(f"{PREFIX}alerts", alert.id)
                pipe.hdel(f"{PREFIX}alertmsg:{alert.room}", alert.message_id)
                pipe.delete(key)
                await pipe.execute()
            n += 1
        return n

    async def active(self) -> list[Alert]:
        """See AlertStore (an id whose record expired is dropped from the set)."""
        out = []
        for alert_id in sorted(await self._r.smembers(f"{PREFIX}alerts")):
            alert = await self.get(alert_id)
            if alert is None:
                await self._r.srem(f"{PREFIX}alerts", alert_id)
            else:
                out.append(alert)
        return out
