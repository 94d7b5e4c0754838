"""AuditStore on Redis: the list `ilp:mod:audit` and its head `ilp:mod:audithead`
(server/storage/redis/moderation_keys.py). The append is one Lua script: it appends only if the
head is still the one the caller chained from, so the list and its head move together."""

from __future__ import annotations

import base64
from typing import Any

from moderation.audit import AuditRow, encode_entry
from server.storage.audit import Head, Undecodable, decode_rows
from server.storage.redis.connection import Connection
from server.storage.redis.moderation_keys import PREFIX

_APPEND = """
local head = redis.call('GET', KEYS[2])
if head == false then head = '' end
if head ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return 1
"""


def _head(value: str | None) -> Head | None:
    if not value:
        return None
    seq, digest = value.split(" ")
    return int(seq), bytes.fromhex(digest)


def _head_text(head: Head | None) -> str:
    return "" if head is None else f"{head[0]} {head[1].hex()}"


class RedisAudit:
    """Rows as "<b64 entry> <hex hash>" in one list."""

    def __init__(self, conn: Connection) -> None:
        self._r: Any = conn.r  # the relay's connection, closed by its owner (`Stores.close`)
        self._append = self._r.register_script(_APPEND)

    def __repr__(self) -> str:
        return "RedisAudit()"

    async def head(self) -> Head | None:
        """See AuditStore."""
        return _head(await self._r.get(f"{PREFIX}audithead"))

    async def try_append(self, expected: Head | None, row: AuditRow) -> bool:
        """See AuditStore."""
        seq = 0 if expected is None else expected[0] + 1
        text = f"{base64.b64encode(encode_entry(row.entry)).decode('ascii')} {row.hash.hex()}"
        done = await self._append(keys=[f"{PREFIX}audit", f"{PREFIX}audithead"],
                                  args=[_head_text(expected), text, _head_text((seq, row.hash))])
        return bool(done)

    async def rows(self) -> list[AuditRow | Undecodable]:
        """See AuditStore."""
        raw = []
        for text in await self._r.lrange(f"{PREFIX}audit", 0, -1):
            entry, _, digest = text.partition(" ")
            raw.append((base64.b64decode(entry), bytes.fromhex(digest)))
        return decode_rows(raw)
