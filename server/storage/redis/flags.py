"""FlagStore on Redis (keys: server/storage/redis/moderation_keys.py). Dropping a room's flags
removes them from every risk set in one script."""

from __future__ import annotations

import json
from typing import Any

from moderation.flags import MessageFlags
from server.storage.flags import from_text, record_text
from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import NIGHT_TTL_SECONDS, PREFIX, glob_literal

_DROP_ROOM = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  redis.call('SREM', ARGV[1] .. rec['night'] .. ':' .. rec['pseudonym'], ARGV[2] .. '\\n' .. all[i])
end
redis.call('DEL', KEYS[1])
return #all / 2
"""


class RedisFlags:
    """A hash per room; the stored value wraps the record with its index fields."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r
        self._drop_room = self._r.register_script(_DROP_ROOM)

    def __repr__(self) -> str:
        return "RedisFlags()"

    async def get(self, room: str, message_id: str) -> MessageFlags | None:
        """See FlagStore."""
        value = await self._r.hget(f"{PREFIX}flags:{room}", message_id)
        return None if value is None else from_text(str(json.loads(value)["record"]))

    async def put(self, flags: MessageFlags, *, night: str) -> None:
        """See FlagStore."""
        room, pseudonym = flags.room, flags.pseudonym
        wrapped = json.dumps({"night": night, "pseudonym": pseudonym,
                              "record": record_text(flags)})
        risk = f"{PREFIX}risk:{night}:{pseudonym}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(f"{PREFIX}flags:{room}", flags.message_id, wrapped)
            pipe.expire(f"{PREFIX}flags:{room}", NIGHT_TTL_SECONDS)
            pipe.sadd(risk, f"{room}\n{flags.message_id}")
            pipe.expire(risk, NIGHT_TTL_SECONDS)
            await pipe.execute()

    async def of_night(self, night: str, pseudonym: str) -> list[MessageFlags]:
        """See FlagStore."""
        out = []
        for member in sorted(await self._r.smembers(f"{PREFIX}risk:{night}:{pseudonym}")):
            room, _, message_id = member.partition("\n")
            flags = await self.get(room, message_id)
            if flags is not None:
                out.append(flags)
        return out

    async def erase(self, pseudonym: str) -> int:
        """See FlagStore. Found through the person's risk sets of every night (a scan: erasure
        is rare, and an index of nights by pseudonym would be one more copy of the name)."""
        r, n = self._r, 0
        async for risk in r.scan_iter(match=f"{PREFIX}risk:*:{glob_literal(pseudonym)}",
                                      count=500):
            for member in await r.smembers(risk):
                room, _, message_id = member.partition("\n")
                n += int(await r.hdel(f"{PREFIX}flags:{room}", message_id))
            await r.delete(risk)
        return n

    async def drop_room(self, room: str) -> int:
        """See FlagStore."""
        return int(await self._drop_room(keys=[f"{PREFIX}flags:{room}"],
                                         args=[f"{PREFIX}risk:", room]))
