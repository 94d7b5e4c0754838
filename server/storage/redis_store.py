"""The Redis store: shared state for several server processes on one Redis.

Key layout (prefix `ilp:`; identity keys in standard base64):

    secret:<name>            string   server secrets of older versions (moved to the key file)
    server_public_key        string   the room key's public half (every process must agree)
    hit:<key>:<window>       string   fixed-window counters (prekey fetches), expire after 2 windows
    id:<key>                 hash     pseudonym, folded, last_seen
    name:<folded>            string   -> key   (both written only by the bind script)
    bundle:<key>             string   bundle JSON
    otpk:<key>               list     one-time prekey JSON, oldest first
    room:<room>:members      hash     key -> member JSON        (expires with the room)
    room:<room>:sids         hash     connection id -> key      (expires with the room)
    room:<room>:owners       hash     connection id -> owning server process
    owner:<owner>            set      "room\nsid" held by that server process
    owners                   hash     server process -> last heartbeat (Unix seconds)
    sessions:<key>           hash     connection id -> owning server process (auth'd connections)
    ownersessions:<owner>    set      "key\nsid" held by that server process
    room:<room>:epoch|seq    counter  INCR          (deleted when the night ends, else expires)
    inbox:<key>              hash     id -> envelope JSON
    inboxexp:<key>           zset     id scored by expiry (Unix seconds), order = arrival
    inboxsrc:<key>           hash     id -> sender key
    inboxby:<key>            hash     sender key -> envelopes pending (per-sender cap)
    inboxdue                 zset     recipient scored by its next expiry (for the sweep)
    inboxcount               counter  envelopes pending, all recipients (for /metrics)
    claim:<key>              string   SET NX EX (one scheduler transition per cluster)
    lock:<name>              redis-py Lock

Inbox keys carry no Redis TTL: the scheduler's sweep (`inbox_sweep`, every tick) removes expired
envelopes, so the counts stay true; a key-level TTL would drop envelopes behind their back.
The atomic steps are Lua scripts (`server.storage.redis_scripts`): one Redis (or Sentinel), not
Cluster.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis

from server.storage import redis_scripts as lua
from server.storage.ports import Binding
from server.storage.redis_connect import redis_options

PREFIX = "ilp:"
ROOM_TTL_SECONDS = 3 * 24 * 3600
LOCK_TIMEOUT_SECONDS = 10

def _k(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


class RedisStore:
    """Store port on Redis."""

    def __init__(self, url: str) -> None:
        # Typed as Any: redis-py's stubs cannot express decode_responses=True (str, not bytes).
        self._r: Any = aioredis.Redis.from_url(url, decode_responses=True, **redis_options())
        self._raw = aioredis.Redis.from_url(url, decode_responses=False, **redis_options())
        self._inbox_put = self._r.register_script(lua.INBOX_PUT)
        self._inbox_expire = self._r.register_script(lua.INBOX_EXPIRE)
        self._inbox_ack = self._r.register_script(lua.INBOX_ACK)
        self._session_add = self._r.register_script(lua.SESSION_ADD)
        self._bind_if_free = self._r.register_script(lua.BIND_IF_FREE)
        self._touch = self._r.register_script(lua.TOUCH)

    def __repr__(self) -> str:
        return "RedisStore()"

    async def legacy_secret(self, name: str) -> bytes | None:
        """See Store."""
        value = await self._raw.get(f"{PREFIX}secret:{name}")
        return value if isinstance(value, bytes) else None

    async def agree_public_key(self, public_key: bytes) -> bytes:
        """See Store."""
        key = f"{PREFIX}server_public_key"
        await self._raw.set(key, public_key, nx=True)
        value = await self._raw.get(key)
        assert isinstance(value, bytes)
        return value

    async def drop_legacy_secret(self, name: str) -> None:
        """See Store. Also asks Redis to rewrite its append-only file, which still holds the
        old SET (best effort: a rewrite may already be running, or AOF be off)."""
        if await self._raw.delete(f"{PREFIX}secret:{name}"):
            with contextlib.suppress(aioredis.ResponseError):
                await self._raw.bgrewriteaof()

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """See Store."""
        # Poll every 10 ms (redis-py's default is 100 ms): at a group's start many joins
        # queue on one room lock.
        async with self._r.lock(f"{PREFIX}lock:{name}", timeout=LOCK_TIMEOUT_SECONDS,
                                blocking_timeout=LOCK_TIMEOUT_SECONDS, sleep=0.01):
            yield

    async def hit(self, key: str, window_seconds: int, now: float) -> int:
        """See Store."""
        name = f"{PREFIX}hit:{key}:{int(now // window_seconds)}"
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, 2 * window_seconds)
            count, _ = await pipe.execute()
        return int(count)

    async def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """See Store."""
        return bool(await self._r.set(f"{PREFIX}claim:{key}", "1", nx=True, ex=ttl_seconds))

    async def _binding(self, key_b64: str) -> Binding | None:
        data = await self._r.hgetall(f"{PREFIX}id:{key_b64}")
        if not data:
            return None
        return Binding(identity_key=base64.b64decode(key_b64), pseudonym=data["pseudonym"],
                       folded=data["folded"], last_seen=float(data["last_seen"]))

    async def binding_of_key(self, identity_key: bytes) -> Binding | None:
        """See Store."""
        return await self._binding(_k(identity_key))

    async def binding_of_name(self, folded: str) -> Binding | None:
        """See Store."""
        holder = await self._r.get(f"{PREFIX}name:{folded}")
        binding = None if holder is None else await self._binding(holder)
        return binding if binding is not None and binding.folded == folded else None

    async def bind_if_free(self, binding: Binding, taken_since: float) -> bool:
        """See Store."""
        key = _k(binding.identity_key)
        bound = await self._bind_if_free(
            keys=[f"{PREFIX}name:{binding.folded}", f"{PREFIX}id:{key}"],
            args=[key, binding.pseudonym, binding.folded, repr(binding.last_seen),
                  repr(taken_since), PREFIX])
        return bool(int(bound))

    async def touch(self, identity_key: bytes, now: float) -> None:
        """See Store."""
        await self._touch(keys=[f"{PREFIX}id:{_k(identity_key)}"], args=[repr(now)])

    async def put_bundle(self, identity_key: bytes, bundle_json: str) -> None:
        """See Store."""
        await self._r.set(f"{PREFIX}bundle:{_k(identity_key)}", bundle_json)

    async def get_bundle(self, identity_key: bytes) -> str | None:
        """See Store."""
        value = await self._r.get(f"{PREFIX}bundle:{_k(identity_key)}")
        return None if value is None else str(value)

    async def add_one_time_prekeys(self, identity_key: bytes, prekeys_json: list[str],
                                   max_stored: int) -> int:
        """See Store."""
        key = f"{PREFIX}otpk:{_k(identity_key)}"
        pipe = self._r.pipeline(transaction=True)
        if prekeys_json:
            pipe.rpush(key, *prekeys_json)
        pipe.ltrim(key, -max_stored, -1)
        pipe.llen(key)
        return int((await pipe.execute())[-1])

    async def pop_one_time_prekey(self, identity_key: bytes) -> str | None:
        """See Store."""
        value = await self._r.lpop(f"{PREFIX}otpk:{_k(identity_key)}")
        return None if value is None else str(value)

    async def count_one_time_prekeys(self, identity_key: bytes) -> int:
        """See Store."""
        return int(await self._r.llen(f"{PREFIX}otpk:{_k(identity_key)}"))

    def _room(self, room: str, part: str) -> str:
        return f"{PREFIX}room:{room}:{part}"

    async def room_members(self, room: str) -> dict[str, str]:
        """See Store."""
        return dict(await self._r.hgetall(self._room(room, "members")))

    async def room_sids(self, room: str) -> dict[str, str]:
        """See Store."""
        return dict(await self._r.hgetall(self._room(room, "sids")))

    async def room_has_sid(self, room: str, sid: str) -> bool:
        """See Store."""
        return bool(await self._r.hexists(self._room(room, "sids"), sid))

    async def room_add(self, room: str, sid: str, key_b64: str, member_json: str,
                       owner: str) -> None:
        """See Store."""
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(self._room(room, "sids"), sid, key_b64)
        pipe.hset(self._room(room, "members"), key_b64, member_json)
        pipe.hset(self._room(room, "owners"), sid, owner)
        pipe.sadd(f"{PREFIX}owner:{owner}", f"{room}\n{sid}")
        for part in ("sids", "members", "owners"):
            pipe.expire(self._room(room, part), ROOM_TTL_SECONDS)
        await pipe.execute()

    async def _disown(self, room: str, sids: list[str]) -> None:
        if not sids:
            return
        owners = await self._r.hmget(self._room(room, "owners"), sids)
        pipe = self._r.pipeline(transaction=True)
        for sid, owner in zip(sids, owners, strict=True):
            if owner is not None:
                pipe.srem(f"{PREFIX}owner:{owner}", f"{room}\n{sid}")
        pipe.hdel(self._room(room, "owners"), *sids)
        await pipe.execute()

    async def room_remove_sid(self, room: str, sid: str) -> str | None:
        """See Store."""
        sids_key = self._room(room, "sids")
        await self._disown(room, [sid])
        key = await self._r.hget(sids_key, sid)
        if key is None:
            return None
        await self._r.hdel(sids_key, sid)
        remaining = await self._r.hvals(sids_key)
        if key in remaining:
            return None
        await self._r.hdel(self._room(room, "members"), key)
        return str(key)

    async def room_clear(self, room: str) -> dict[str, str]:
        """See Store."""
        await self._disown(room, list(await self._r.hkeys(self._room(room, "owners"))))
        pipe = self._r.pipeline(transaction=True)
        pipe.hgetall(self._room(room, "members"))
        pipe.delete(self._room(room, "members"), self._room(room, "sids"))
        members, _ = await pipe.execute()
        return dict(members)

    async def heartbeat(self, owner: str, now: float) -> None:
        """See Store."""
        await self._r.hset(f"{PREFIX}owners", owner, repr(now))

    async def dead_owners(self, now: float, max_age: float) -> list[str]:
        """See Store."""
        beats = await self._r.hgetall(f"{PREFIX}owners")
        return sorted(o for o, beat in beats.items() if now - float(beat) > max_age)

    async def owner_connections(self, owner: str) -> list[tuple[str, str]]:
        """See Store."""
        entries = await self._r.smembers(f"{PREFIX}owner:{owner}")
        return sorted(tuple(e.split("\n", 1)) for e in entries)

    async def forget_owner(self, owner: str) -> None:
        """See Store."""
        sessions = await self._r.smembers(f"{PREFIX}ownersessions:{owner}")
        pipe = self._r.pipeline(transaction=True)
        pipe.hdel(f"{PREFIX}owners", owner)
        pipe.delete(f"{PREFIX}owner:{owner}", f"{PREFIX}ownersessions:{owner}")
        for entry in sessions:
            key, sid = entry.split("\n", 1)
            pipe.hdel(f"{PREFIX}sessions:{key}", sid)
        await pipe.execute()

    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """See Store."""
        key = _k(identity_key)
        added = await self._session_add(
            keys=[f"{PREFIX}sessions:{key}", f"{PREFIX}ownersessions:{owner}"],
            args=[sid, owner, cap, f"{key}\n{sid}"])
        return bool(int(added))

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """See Store."""
        key = _k(identity_key)
        owner = await self._r.hget(f"{PREFIX}sessions:{key}", sid)
        pipe = self._r.pipeline(transaction=True)
        pipe.hdel(f"{PREFIX}sessions:{key}", sid)
        if owner is not None:
            pipe.srem(f"{PREFIX}ownersessions:{owner}", f"{key}\n{sid}")
        await pipe.execute()

    async def _incr(self, room: str, part: str) -> int:
        pipe = self._r.pipeline(transaction=True)
        pipe.incr(self._room(room, part))
        pipe.expire(self._room(room, part), ROOM_TTL_SECONDS)
        return int((await pipe.execute())[0])

    async def next_epoch(self, room: str) -> int:
        """See Store."""
        return await self._incr(room, "epoch")

    async def epoch(self, room: str) -> int:
        """See Store."""
        return int(await self._r.get(self._room(room, "epoch")) or 0)

    async def next_seq(self, room: str) -> int:
        """See Store."""
        return await self._incr(room, "seq")

    async def room_forget(self, room: str) -> None:
        """See Store."""
        await self._r.delete(self._room(room, "epoch"), self._room(room, "seq"))

    @staticmethod
    def _inbox_keys(key: str) -> list[str]:
        return [f"{PREFIX}inbox:{key}", f"{PREFIX}inboxexp:{key}", f"{PREFIX}inboxsrc:{key}",
                f"{PREFIX}inboxby:{key}", f"{PREFIX}inboxdue", f"{PREFIX}inboxcount"]

    async def inbox_put(self, recipient: bytes, sender: bytes, envelope_id: str,
                        envelope_json: str, expires_at: float, now: float, cap: int,
                        per_sender_cap: int) -> bool:
        """See Store."""
        key = _k(recipient)
        result = await self._inbox_put(
            keys=self._inbox_keys(key),
            args=[key, repr(now), envelope_id, envelope_json, repr(expires_at), _k(sender), cap,
                  per_sender_cap])
        return bool(int(result))

    async def inbox_list(self, recipient: bytes, now: float, limit: int) -> list[str]:
        """See Store."""
        key = _k(recipient)
        await self._inbox_expire(keys=self._inbox_keys(key), args=[key, repr(now)])
        # Arrival order: the zset is scored by expiry, kept strictly rising by the put script
        # (a tie moves the newer envelope's expiry 1 ms later).
        ids = await self._r.zrange(f"{PREFIX}inboxexp:{key}", 0, limit - 1)
        if not ids:
            return []
        values = await self._r.hmget(f"{PREFIX}inbox:{key}", ids)
        return [str(v) for v in values if v is not None]

    async def inbox_ack(self, recipient: bytes, ids: list[str]) -> int:
        """See Store."""
        if not ids:
            return 0
        key = _k(recipient)
        return int(await self._inbox_ack(keys=self._inbox_keys(key), args=[key, *ids]))

    async def inbox_sweep(self, now: float, max_recipients: int) -> int:
        """See Store. `inboxdue` scores each recipient by its next expiry, so the inboxes with
        nothing expired are never read."""
        due = await self._r.zrangebyscore(f"{PREFIX}inboxdue", "-inf", repr(now),
                                          start=0, num=max_recipients)
        removed = 0
        for key in due:
            removed += int(await self._inbox_expire(keys=self._inbox_keys(key),
                                                    args=[key, repr(now)]))
        return removed

    async def inbox_total(self, now: float) -> int:
        """See Store. O(1): the running count kept by put/ack/expiry; an envelope past its
        expiry counts until a sweep or its recipient's next put/fetch removes it."""
        return max(0, int(await self._r.get(f"{PREFIX}inboxcount") or 0))

    async def close(self) -> None:
        """See Store."""
        await self._r.aclose()
        await self._raw.aclose()
