"""RoomStore on Redis.

    room:<room>:members      hash     key -> member JSON        (expires with the room)
    room:<room>:sids         hash     connection id -> key      (expires with the room)
    room:<room>:owners       hash     connection id -> owning server process
    room:<room>:epoch|seq    counter  INCR          (deleted when the night ends, else expires)
    room:<room>:senders      hash     seq -> writer's pseudonym, set with the INCR of `seq`
                                      (here, or in the fan-out's publish script: `seq_keys`)
                                      (deleted when the night ends, else expires; erasure
                                      removes the erased writer's fields)
    owner:<owner>            set      "room\\nsid" held by that server process
    owners                   hash     server process -> last heartbeat (Unix seconds)
"""

from __future__ import annotations

import base64

from server.domain.records import Member
from server.storage.redis.connection import PREFIX, Connection

ROOM_TTL_SECONDS = 3 * 24 * 3600


def _room(room: str, part: str) -> str:
    return f"{PREFIX}room:{room}:{part}"


def seq_keys(room: str) -> tuple[str, str]:
    """The room's envelope counter and its writer hash. The Redis fan-out numbers group
    envelopes in the script that publishes them (server.api.redis_manager `emit_numbered`,
    given these keys by server.app), with `_NEXT_SEQ`'s steps: the number and its writer
    stored together, so `sender_of` reads them back the same way."""
    return _room(room, "seq"), _room(room, "senders")


# KEYS: seq counter, senders hash. ARGV: ttl, sender. The send's one round trip, as the INCR
# and EXPIRE pipeline was; the number and its writer are stored together.
_NEXT_SEQ = """
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], n, ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return n
"""


class RedisRooms:
    """Membership shared by every process; changes are made under the room lock."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r
        self._next_seq = self._r.register_script(_NEXT_SEQ)

    def __repr__(self) -> str:
        return "RedisRooms()"

    async def members(self, room: str) -> list[Member]:
        """See RoomStore."""
        return [Member.from_json(v) for v in (await self._r.hvals(_room(room, "members")))]

    async def sids(self, room: str) -> dict[str, bytes]:
        """See RoomStore."""
        raw = await self._r.hgetall(_room(room, "sids"))
        return {sid: base64.b64decode(key) for sid, key in raw.items()}

    async def has_sid(self, room: str, sid: str) -> bool:
        """See RoomStore."""
        return bool(await self._r.hexists(_room(room, "sids"), sid))

    async def add(self, room: str, sid: str, member: Member, owner: str) -> None:
        """See RoomStore."""
        key = member.key_b64
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(_room(room, "sids"), sid, key)
        pipe.hset(_room(room, "members"), key, member.to_json())
        pipe.hset(_room(room, "owners"), sid, owner)
        pipe.sadd(f"{PREFIX}owner:{owner}", f"{room}\n{sid}")
        for part in ("sids", "members", "owners"):
            pipe.expire(_room(room, part), ROOM_TTL_SECONDS)
        await pipe.execute()

    async def _disown(self, room: str, sids: list[str]) -> None:
        if not sids:
            return
        owners = await self._r.hmget(_room(room, "owners"), sids)
        pipe = self._r.pipeline(transaction=True)
        for sid, owner in zip(sids, owners, strict=True):
            if owner is not None:
                pipe.srem(f"{PREFIX}owner:{owner}", f"{room}\n{sid}")
        pipe.hdel(_room(room, "owners"), *sids)
        await pipe.execute()

    async def remove_sid(self, room: str, sid: str) -> Member | None:
        """See RoomStore."""
        sids_key = _room(room, "sids")
        await self._disown(room, [sid])
        key = await self._r.hget(sids_key, sid)
        if key is None:
            return None
        await self._r.hdel(sids_key, sid)
        if key in await self._r.hvals(sids_key):
            return None
        pipe = self._r.pipeline(transaction=True)
        pipe.hget(_room(room, "members"), key)
        pipe.hdel(_room(room, "members"), key)
        member, _ = await pipe.execute()
        return None if member is None else Member.from_json(member)

    async def clear(self, room: str) -> list[Member]:
        """See RoomStore."""
        await self._disown(room, list(await self._r.hkeys(_room(room, "owners"))))
        pipe = self._r.pipeline(transaction=True)
        pipe.hvals(_room(room, "members"))
        pipe.delete(_room(room, "members"), _room(room, "sids"))
        members, _ = await pipe.execute()
        return [Member.from_json(m) for m in members]

    async def _incr(self, room: str, part: str) -> int:
        pipe = self._r.pipeline(transaction=True)
        pipe.incr(_room(room, part))
        pipe.expire(_room(room, part), ROOM_TTL_SECONDS)
        return int((await pipe.execute())[0])

    async def next_epoch(self, room: str) -> int:
        """See RoomStore."""
        return await self._incr(room, "epoch")

    async def epoch(self, room: str) -> int:
        """See RoomStore."""
        return int(await self._r.get(_room(room, "epoch")) or 0)

    async def next_seq(self, room: str, sender: str | None = None) -> int:
        """See RoomStore."""
        if sender is None:
            return await self._incr(room, "seq")
        return int(await self._next_seq(keys=list(seq_keys(room)),
                                        args=[ROOM_TTL_SECONDS, sender]))

    async def sender_of(self, room: str, seq: int) -> str | None:
        """See RoomStore."""
        found = await self._r.hget(_room(room, "senders"), str(seq))
        return None if found is None else str(found)

    async def erase_sender(self, rooms: list[str], pseudonym: str) -> int:
        """See RoomStore. Reads each room's senders whole: erasure is rare, sends are not."""
        removed = 0
        for room in rooms:
            key = _room(room, "senders")
            mine = [seq for seq, who in (await self._r.hgetall(key)).items() if who == pseudonym]
            if mine:
                removed += int(await self._r.hdel(key, *mine))
        return removed

    async def forget(self, room: str) -> None:
        """See RoomStore."""
        # The fan-out's replay window of the room is the fan-out's to delete, in its publish
        # order (Emitter.forget_replay).
        await self._r.delete(_room(room, "epoch"), _room(room, "seq"), _room(room, "senders"))

    async def heartbeat(self, owner: str, now: float) -> None:
        """See RoomStore."""
        await self._r.hset(f"{PREFIX}owners", owner, repr(now))

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """See RoomStore."""
        beats = await self._r.hgetall(f"{PREFIX}owners")
        return sorted(o for o, beat in beats.items() if now - float(beat) > max_age)

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """See RoomStore."""
        entries = await self._r.smembers(f"{PREFIX}owner:{owner}")
        return sorted(tuple(e.split("\n", 1)) for e in entries)

    async def forget_owner(self, owner: str) -> None:
        """See RoomStore."""
        pipe = self._r.pipeline(transaction=True)
        pipe.hdel(f"{PREFIX}owners", owner)
        pipe.delete(f"{PREFIX}owner:{owner}")
        await pipe.execute()


