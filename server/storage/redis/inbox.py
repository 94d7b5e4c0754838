"""InboxStore on Redis.

    inbox:<key>      hash     id -> envelope JSON (server/domain/records.py)
    inboxexp:<key>   zset     id scored by expiry (Unix seconds), order = arrival
    inboxsrc:<key>   hash     id -> sender key
    inboxby:<key>    hash     sender key -> envelopes pending (per-sender cap)
    inboxdue         zset     recipient scored by its next expiry (for the sweep)
    inboxcount       counter  envelopes pending, all recipients (for /metrics)

Inbox keys carry no Redis TTL: the scheduler's sweep (`sweep`, every tick) removes expired
envelopes, so the counts stay true; a key-level TTL would drop envelopes behind their back.
"""

from __future__ import annotations

from server.domain.records import QueuedEnvelope
from server.storage.redis import scripts as lua
from server.storage.redis.connection import PREFIX, Connection, b64key


def _keys(key: str) -> list[str]:
    return [f"{PREFIX}inbox:{key}", f"{PREFIX}inboxexp:{key}", f"{PREFIX}inboxsrc:{key}",
            f"{PREFIX}inboxby:{key}", f"{PREFIX}inboxdue", f"{PREFIX}inboxcount"]


class RedisInbox:
    """The atomic steps (put with both caps, expiry, ack) are Lua scripts."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r
        self._put = self._r.register_script(lua.INBOX_PUT)
        self._expire = self._r.register_script(lua.INBOX_EXPIRE)
        self._ack = self._r.register_script(lua.INBOX_ACK)

    def __repr__(self) -> str:
        return "RedisInbox()"

    async def put(self, recipient: bytes, sender: bytes, envelope: QueuedEnvelope,
                  expires_at: float, now: float, cap: int, per_sender_cap: int) -> bool:
        """See InboxStore."""
        key = b64key(recipient)
        result = await self._put(
            keys=_keys(key),
            args=[key, repr(now), envelope.id, envelope.to_json(), repr(expires_at),
                  b64key(sender), cap, per_sender_cap])
        return bool(int(result))

    async def pending(self, recipient: bytes, now: float, limit: int) -> list[QueuedEnvelope]:
        """See InboxStore."""
        key = b64key(recipient)
        await self._expire(keys=_keys(key), args=[key, repr(now)])
        # Arrival order: the zset is scored by expiry, kept strictly rising by the put script
        # (a tie moves the newer envelope's expiry 1 ms later).
        ids = await self._r.zrange(f"{PREFIX}inboxexp:{key}", 0, limit - 1)
        if not ids:
            return []
        values = await self._r.hmget(f"{PREFIX}inbox:{key}", ids)
        return [QueuedEnvelope.from_json(v) for v in values if v is not None]

    async def ack(self, recipient: bytes, ids: list[str]) -> int:
        """See InboxStore."""
        if not ids:
            return 0
        key = b64key(recipient)
        return int(await self._ack(keys=_keys(key), args=[key, *ids]))

    async def erase(self, identity_key: bytes) -> int:
        """See InboxStore. Its own inbox through the ack script (counts stay true); what it
        sent is found by scanning every inbox's sender record (rare, so no reverse index)."""
        me = b64key(identity_key)
        removed = await self.ack(identity_key, list(
            await self._r.hkeys(f"{PREFIX}inbox:{me}")))
        src_prefix = f"{PREFIX}inboxsrc:"
        async for name in self._r.scan_iter(match=f"{src_prefix}*", count=500):
            mine = [i for i, s in (await self._r.hgetall(name)).items() if s == me]
            if mine:
                removed += int(await self._ack(keys=_keys(name[len(src_prefix):]),
                                               args=[name[len(src_prefix):], *mine]))
        await self._r.delete(f"{PREFIX}inbox:{me}", f"{PREFIX}inboxexp:{me}",
                             f"{PREFIX}inboxsrc:{me}", f"{PREFIX}inboxby:{me}")
        return removed

    async def sweep(self, now: float, max_recipients: int) -> int:
        """See InboxStore. `inboxdue` scores each recipient by its next expiry, so the inboxes
        with nothing expired are never read."""
        due = await self._r.zrangebyscore(f"{PREFIX}inboxdue", "-inf", repr(now),
                                          start=0, num=max_recipients)
        removed = 0
        for key in due:
            removed += int(await self._expire(keys=_keys(key), args=[key, repr(now)]))
        return removed

    async def total(self, now: float) -> int:
        """See InboxStore. O(1): the running count kept by put/ack/expiry; an envelope past its
        expiry counts until a sweep or its recipient's next put/fetch removes it."""
        return max(0, int(await self._r.get(f"{PREFIX}inboxcount") or 0))
