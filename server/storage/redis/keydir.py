"""KeyDirectory on Redis.

    bundle:<key>    string   bundle JSON (server/domain/records.py)
    otpk:<key>      list     one-time prekey JSON, oldest first
"""

from __future__ import annotations

from server.domain.records import Bundle, Prekey
from server.storage.redis.connection import PREFIX, Connection, b64key


class RedisKeyDirectory:
    """Bundles and prekeys as the JSON of their typed records."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r

    def __repr__(self) -> str:
        return "RedisKeyDirectory()"

    async def put_bundle(self, identity_key: bytes, bundle: Bundle) -> None:
        """See KeyDirectory."""
        await self._r.set(f"{PREFIX}bundle:{b64key(identity_key)}", bundle.to_json())

    async def get_bundle(self, identity_key: bytes) -> Bundle | None:
        """See KeyDirectory."""
        value = await self._r.get(f"{PREFIX}bundle:{b64key(identity_key)}")
        return None if value is None else Bundle.from_json(str(value))

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys: list[Prekey],
                                   max_stored: int) -> int:
        """See KeyDirectory."""
        key = f"{PREFIX}otpk:{b64key(identity_key)}"
        pipe = self._r.pipeline(transaction=True)
        if prekeys:
            pipe.rpush(key, *[p.to_json() for p in prekeys])
        pipe.ltrim(key, -max_stored, -1)
        pipe.llen(key)
        return int((await pipe.execute())[-1])

    async def pop_one_time_prekey(self, identity_key: bytes) -> Prekey | None:
        """See KeyDirectory."""
        value = await self._r.lpop(f"{PREFIX}otpk:{b64key(identity_key)}")
        return None if value is None else Prekey.from_json(str(value))

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """See KeyDirectory."""
        return int(await self._r.llen(f"{PREFIX}otpk:{b64key(identity_key)}"))

    async def erase(self, identity_key: bytes) -> None:
        """See KeyDirectory."""
        key = b64key(identity_key)
        await self._r.delete(f"{PREFIX}bundle:{key}", f"{PREFIX}otpk:{key}")
