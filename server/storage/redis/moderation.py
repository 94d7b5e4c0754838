"""Moderation port on Redis: shared by every server process, durable with the append-only file.

Key layout (prefix `ilp:mod:`):

    flags:<room>             hash    message id -> merged-flags record (JSON)
    risk:<night>:<pseudonym> set     "<room>\\n<message id>" of the person's flagged messages
    alert:<id>               string  alert record (JSON)
    alertmsg:<room>          hash    message id -> id of the active alert about it
    alerts                   set     ids of active (open or acknowledged) alerts
    duty                     set     staff ids on duty
    sanc:<id>                string  sanction record (JSON)
    sancroom:<room>          set     ids of the room's sanctions
    sancban:<pseudonym>      set     ids of the pseudonym's bans
    sent:<room>:<pseudonym>  string  last send time (slow mode), with a TTL
    audit                    list    "<b64 entry> <hex hash>", oldest first
    audithead                string  "<seq> <hex hash>" of the last row

Flags, risk sets and room sanction sets carry a TTL of a few days (a night is over by then);
bans and the audit log do not expire. The audit append is one Lua script: it appends only if
the head is still the one the caller chained from, so the list and its head move together.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from server.storage.redis.connection import Connection

PREFIX = "ilp:mod:"
NIGHT_TTL_SECONDS = 3 * 24 * 3600

_APPEND = """
local head = redis.call('GET', KEYS[2])
if head == false then head = '' end
if head ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 1
"""
_DROP_ROOM = """
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local rec = cjson.decode(all[i + 1])
  redis.call('SREM', ARGV[1] .. rec['night'] .. ':' .. rec['pseudonym'], ARGV[2] .. '\\n' .. all[i])
end
redis.call('DEL', KEYS[1])
return #all / 2
"""


def _glob(text: str) -> str:
    """`text` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "\\*?[]" else c for c in text)


def _head(value: str | None) -> tuple[int, bytes] | None:
    if not value:
        return None
    seq, digest = value.split(" ")
    return int(seq), bytes.fromhex(digest)


def _head_text(head: tuple[int, bytes] | None) -> str:
    return "" if head is None else f"{head[0]} {head[1].hex()}"


class RedisModerationStore:
    """ModerationStore on Redis."""

    def __init__(self, conn: Connection, *, owns_connection: bool = False) -> None:
        # The text client of the relay's connection (server/redis_options.py: the bounded
        # retry), closed by its owner: `Stores.close`, or this store when it opened it alone.
        self._conn = conn
        self._owns = owns_connection
        self._r: Any = conn.r
        self._append = self._r.register_script(_APPEND)
        self._drop_room = self._r.register_script(_DROP_ROOM)

    def __repr__(self) -> str:
        return "RedisModerationStore()"

    async def get_flags(self, room: str, message_id: str) -> str | None:
        """See ModerationStore."""
        value = await self._r.hget(f"{PREFIX}flags:{room}", message_id)
        return None if value is None else str(json.loads(value)["record"])

    async def put_flags(self, room: str, message_id: str, pseudonym: str, night: str,
                        record: str) -> None:
        """See ModerationStore. The stored value wraps the record with its index fields."""
        wrapped = json.dumps({"night": night, "pseudonym": pseudonym, "record": record})
        risk = f"{PREFIX}risk:{night}:{pseudonym}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(f"{PREFIX}flags:{room}", message_id, wrapped)
            pipe.expire(f"{PREFIX}flags:{room}", NIGHT_TTL_SECONDS)
            pipe.sadd(risk, f"{room}\n{message_id}")
            pipe.expire(risk, NIGHT_TTL_SECONDS)
            await pipe.execute()

    async def night_flags(self, night: str, pseudonym: str) -> list[str]:
        """See ModerationStore."""
        out = []
        for member in sorted(await self._r.smembers(f"{PREFIX}risk:{night}:{pseudonym}")):
            room, _, message_id = member.partition("\n")
            record = await self.get_flags(room, message_id)
            if record is not None:
                out.append(record)
        return out

    async def drop_room(self, room: str) -> int:
        """See ModerationStore."""
        return int(await self._drop_room(keys=[f"{PREFIX}flags:{room}"],
                                         args=[f"{PREFIX}risk:", room]))

    async def alert_for_message(self, room: str, message_id: str) -> str | None:
        """See ModerationStore."""
        alert_id = await self._r.hget(f"{PREFIX}alertmsg:{room}", message_id)
        return None if alert_id is None else await self.get_alert(alert_id)

    async def get_alert(self, alert_id: str) -> str | None:
        """See ModerationStore."""
        value: str | None = await self._r.get(f"{PREFIX}alert:{alert_id}")
        return value

    async def put_alert(self, alert_id: str, room: str, message_id: str, active: bool,
                        record: str) -> None:
        """See ModerationStore."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}alert:{alert_id}", record, ex=NIGHT_TTL_SECONDS)
            if active:
                pipe.sadd(f"{PREFIX}alerts", alert_id)
                pipe.hset(f"{PREFIX}alertmsg:{room}", message_id, alert_id)
                pipe.expire(f"{PREFIX}alertmsg:{room}", NIGHT_TTL_SECONDS)
            else:
                pipe.srem(f"{PREFIX}alerts", alert_id)
                pipe.hdel(f"{PREFIX}alertmsg:{room}", message_id)
            await pipe.execute()

    async def active_alerts(self) -> list[str]:
        """See ModerationStore (an id whose record expired is dropped from the set)."""
        out = []
        for alert_id in sorted(await self._r.smembers(f"{PREFIX}alerts")):
            record = await self.get_alert(alert_id)
            if record is None:
                await self._r.srem(f"{PREFIX}alerts", alert_id)
            else:
                out.append(record)
        return out

    async def set_duty(self, staff_id: str, on: bool) -> None:
        """See ModerationStore."""
        if on:
            await self._r.sadd(f"{PREFIX}duty", staff_id)
        else:
            await self._r.srem(f"{PREFIX}duty", staff_id)

    async def on_duty(self) -> set[str]:
        """See ModerationStore."""
        return set(await self._r.smembers(f"{PREFIX}duty"))

    async def put_sanction(self, sanction_id: str, room: str | None, pseudonym: str | None,
                           is_ban: bool, record: str) -> None:
        """See ModerationStore."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}sanc:{sanction_id}", record)
            if is_ban:
                pipe.sadd(f"{PREFIX}sancban:{pseudonym}", sanction_id)
            else:
                pipe.sadd(f"{PREFIX}sancroom:{room}", sanction_id)
                pipe.expire(f"{PREFIX}sancroom:{room}", NIGHT_TTL_SECONDS)
                pipe.expire(f"{PREFIX}sanc:{sanction_id}", NIGHT_TTL_SECONDS)
            await pipe.execute()

    async def get_sanction(self, sanction_id: str) -> str | None:
        """See ModerationStore."""
        value: str | None = await self._r.get(f"{PREFIX}sanc:{sanction_id}")
        return value

    async def sanctions_for(self, room: str, pseudonym: str | None) -> list[str]:
        """See ModerationStore."""
        ids = set(await self._r.smembers(f"{PREFIX}sancroom:{room}"))
        if pseudonym is not None:
            ids |= set(await self._r.smembers(f"{PREFIX}sancban:{pseudonym}"))
        if not ids:
            return []
        ordered = sorted(ids)
        values = await self._r.mget([f"{PREFIX}sanc:{i}" for i in ordered])
        return [v for v in values if v is not None]

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """See ModerationStore."""
        value = await self._r.get(f"{PREFIX}sent:{room}:{pseudonym}")
        return None if value is None else float(value)

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """See ModerationStore."""
        await self._r.set(f"{PREFIX}sent:{room}:{pseudonym}", repr(at), ex=max(1, ttl))

    async def erase_pseudonym(self, pseudonym: str, replacement: str, bans: list[str]) -> int:
        """See ModerationStore. Found by scanning (risk sets, room sanctions, alerts, slow-mode
        times): erasure is rare, and an index by pseudonym would be one more copy of it."""
        r, n = self._r, 0
        who = _glob(pseudonym)
        async for risk in r.scan_iter(match=f"{PREFIX}risk:*:{who}", count=500):
            for member in await r.smembers(risk):
                room, _, message_id = member.partition("\n")
                n += int(await r.hdel(f"{PREFIX}flags:{room}", message_id))
            await r.delete(risk)
        async for room_set in r.scan_iter(match=f"{PREFIX}sancroom:*", count=500):
            for sanction_id in await r.smembers(room_set):
                record = await r.get(f"{PREFIX}sanc:{sanction_id}")
                if record is not None and json.loads(record).get("pseudonym") == pseudonym:
                    await r.srem(room_set, sanction_id)
                    n += int(await r.delete(f"{PREFIX}sanc:{sanction_id}"))
        ids = await r.smembers(f"{PREFIX}sancban:{pseudonym}")
        async with r.pipeline(transaction=True) as pipe:
            for record in bans:
                sanction_id = str(json.loads(record)["id"])
                if sanction_id not in ids:
                    continue
                pipe.set(f"{PREFIX}sanc:{sanction_id}", record)
                pipe.sadd(f"{PREFIX}sancban:{replacement}", sanction_id)
            pipe.delete(f"{PREFIX}sancban:{pseudonym}")
            await pipe.execute()
        async for alert_key in r.scan_iter(match=f"{PREFIX}alert:*", count=500):
            record = await r.get(alert_key)
            alert = {} if record is None else json.loads(record)
            if alert.get("pseudonym") == pseudonym:
                alert_id = alert_key[len(f"{PREFIX}alert:"):]
                await r.srem(f"{PREFIX}alerts", alert_id)
                await r.hdel(f"{PREFIX}alertmsg:{alert.get('room')}", alert.get("message_id"))
                n += int(await r.delete(alert_key))
        async for sent in r.scan_iter(match=f"{PREFIX}sent:*:{who}", count=500):
            await r.delete(sent)
        return n

    async def ban_records(self, pseudonym: str) -> list[str]:
        """See ModerationStore."""
        ids = sorted(await self._r.smembers(f"{PREFIX}sancban:{pseudonym}"))
        if not ids:
            return []
        values = await self._r.mget([f"{PREFIX}sanc:{i}" for i in ids])
        return [v for v in values if v is not None]

    async def audit_head(self) -> tuple[int, bytes] | None:
        """See ModerationStore."""
        return _head(await self._r.get(f"{PREFIX}audithead"))

    async def audit_try_append(self, expected: tuple[int, bytes] | None, entry: bytes,
                               row_hash: bytes) -> bool:
        """See ModerationStore."""
        seq = 0 if expected is None else expected[0] + 1
        row = f"{base64.b64encode(entry).decode('ascii')} {row_hash.hex()}"
        done = await self._append(keys=[f"{PREFIX}audit", f"{PREFIX}audithead"],
                                  args=[_head_text(expected), row, _head_text((seq, row_hash))])
        return bool(done)

    async def audit_rows(self) -> list[tuple[bytes, bytes]]:
        """See ModerationStore."""
        out = []
        for row in await self._r.lrange(f"{PREFIX}audit", 0, -1):
            entry, _, digest = row.partition(" ")
            out.append((base64.b64decode(entry), bytes.fromhex(digest)))
        return out

    async def close(self) -> None:
        """See ModerationStore (a shared connection is closed by its owner)."""
        if self._owns:
            await self._conn.close()
