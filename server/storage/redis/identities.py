"""IdentityStore on Redis.

    id:<key>                 hash     pseudonym, folded, last_seen
    name:<folded>            string   -> key   (both written only by the bind script)
    sessions:<key>           hash     connection id -> owning server process (auth'd connections)
    ownersessions:<owner>    set      "key\\nsid" held by that server process
"""

from __future__ import annotations

import base64

from server.domain.records import Binding
from server.storage.redis import scripts as lua
from server.storage.redis.connection import PREFIX, Connection, b64key


class RedisIdentities:
    """Bindings and sessions; the atomic steps are Lua scripts."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r
        self._session_add = self._r.register_script(lua.SESSION_ADD)
        self._bind_if_free = self._r.register_script(lua.BIND_IF_FREE)
        self._touch = self._r.register_script(lua.TOUCH)
        self._erase = self._r.register_script(lua.ERASE_BINDING)

    def __repr__(self) -> str:
        return "RedisIdentities()"

    async def _binding(self, key_b64: str) -> Binding | None:
        data = await self._r.hgetall(f"{PREFIX}id:{key_b64}")
        if not data:
            return None
        return Binding(identity_key=base64.b64decode(key_b64), pseudonym=data["pseudonym"],
                       folded=data["folded"], last_seen=float(data["last_seen"]))

    async def binding_of_key(self, identity_key: bytes) -> Binding | None:
        """See IdentityStore."""
        return await self._binding(b64key(identity_key))

    async def binding_of_name(self, folded: str) -> Binding | None:
        """See IdentityStore."""
        holder = await self._r.get(f"{PREFIX}name:{folded}")
        binding = None if holder is None else await self._binding(holder)
        return binding if binding is not None and binding.folded == folded else None

    async def bind_if_free(self, binding: Binding, taken_since: float) -> bool:
        """See IdentityStore."""
        key = b64key(binding.identity_key)
        bound = await self._bind_if_free(
            keys=[f"{PREFIX}name:{binding.folded}", f"{PREFIX}id:{key}"],
            args=[key, binding.pseudonym, binding.folded, repr(binding.last_seen),
                  repr(taken_since), PREFIX])
        return bool(int(bound))

    async def touch(self, identity_key: bytes, now: float) -> None:
        """See IdentityStore."""
        await self._touch(keys=[f"{PREFIX}id:{b64key(identity_key)}"], args=[repr(now)])

    async def session_add(self, identity_key: bytes, sid: str, owner: str, cap: int) -> bool:
        """See IdentityStore."""
        key = b64key(identity_key)
        added = await self._session_add(
            keys=[f"{PREFIX}sessions:{key}", f"{PREFIX}ownersessions:{owner}"],
            args=[sid, owner, cap, f"{key}\n{sid}"])
        return bool(int(added))

    async def session_remove(self, identity_key: bytes, sid: str) -> None:
        """See IdentityStore."""
        key = b64key(identity_key)
        owner = await self._r.hget(f"{PREFIX}sessions:{key}", sid)
        pipe = self._r.pipeline(transaction=True)
        pipe.hdel(f"{PREFIX}sessions:{key}", sid)
        if owner is not None:
            pipe.srem(f"{PREFIX}ownersessions:{owner}", f"{key}\n{sid}")
        await pipe.execute()

    async def forget_owner(self, owner: str) -> None:
        """See IdentityStore."""
        sessions = await self._r.smembers(f"{PREFIX}ownersessions:{owner}")
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(f"{PREFIX}ownersessions:{owner}")
        for entry in sessions:
            key, sid = entry.split("\n", 1)
            pipe.hdel(f"{PREFIX}sessions:{key}", sid)
        await pipe.execute()

    async def erase(self, identity_key: bytes) -> None:
        """See IdentityStore."""
        await self._erase(keys=[f"{PREFIX}id:{b64key(identity_key)}"],
                          args=[b64key(identity_key), PREFIX])
