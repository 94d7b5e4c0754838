"""Staff port on Redis: durable shared accounts for several server processes.

Key layout (prefix `ilp:staff:`); durable only with the append-only file on (deploy/redis.conf):

    acct:<folded>        hash     username, role, password_hash, totp_sealed (b64),
                                  totp_confirmed, totp_last_step, disabled, created_at,
                                  failures, last_failure_at, lead (absent: not a lead)
    accounts             set      every folded username
    sess:<token hash>    hash     folded, role, created_at, last_seen, expires_at
    sessby:<folded>      set      token hashes of the account's sessions
    sessexp              zset     token hash scored by expires_at (for `sweep`)
    inv:<code hash>      string   JSON {role, created_at, expires_at}   (taken with GETDEL)
    invexp               zset     code hash scored by expires_at (for `sweep`)
    keys                 hash     folded -> bound identity key (b64), set with HSET's old value

Session and invitation keys also carry a Redis TTL of their lifetime plus a margin, so nothing
outlives its use even if no sweep runs; the handler's clock decides expiry. Every step that
races is one Lua script.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from server.storage.redis.connection import client
from server.storage.staff import StaffAccount, StaffInvite, StaffSession

PREFIX = "ilp:staff:"
TTL_MARGIN_SECONDS = 3600

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
"""
_HSET_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""
_USE_STEP = """
local last = tonumber(redis.call('HGET', KEYS[1], 'totp_last_step'))
if last == nil or tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'totp_last_step', ARGV[1], 'totp_confirmed', '1')
return 1
"""
_CLAIM = """
local failures = redis.call('HGET', KEYS[1], 'failures')
if failures == false or failures ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'failures', tostring(tonumber(failures) + 1),
           'last_failure_at', ARGV[2])
return 1
"""
_RESET = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'failures', '0') end
return 0
"""
_SESSION_PUT = """
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
"""
_SESSION_TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_seen', ARGV[1]) end
return 0
"""
_SESSION_DELETE = """
local folded = redis.call('HGET', KEYS[1], 'folded')
if folded == false then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[2] .. 'sessby:' .. folded, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""
_REVOKE = """
local hashes = redis.call('SMEMBERS', KEYS[1])
local gone = 0
for _, h in ipairs(hashes) do
  gone = gone + redis.call('DEL', ARGV[1] .. 'sess:' .. h)
  redis.call('ZREM', KEYS[2], h)
end
redis.call('DEL', KEYS[1])
return gone
"""
_SWEEP = """
local gone = 0
local hashes = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, h in ipairs(hashes) do
  local key = ARGV[2] .. 'sess:' .. h
  local folded = redis.call('HGET', key, 'folded')
  if folded then redis.call('SREM', ARGV[2] .. 'sessby:' .. folded, h) end
  gone = gone + redis.call('DEL', key)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local codes = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, c in ipairs(codes) do gone = gone + redis.call('DEL', ARGV[2] .. 'inv:' .. c) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return gone
"""

_BIND = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return old
"""


def _account(folded: str, d: dict[str, str]) -> StaffAccount:
    return StaffAccount(folded=folded, username=d["username"], role=d["role"],
                        password_hash=d["password_hash"],
                        totp_sealed=base64.b64decode(d["totp_sealed"]),
                        totp_confirmed=d["totp_confirmed"] == "1",
                        totp_last_step=int(d["totp_last_step"]), disabled=d["disabled"] == "1",
                        created_at=float(d["created_at"]), failures=int(d["failures"]),
                        last_failure_at=float(d["last_failure_at"]), lead=d.get("lead") == "1")


def _ttl(created_at: float, expires_at: float) -> int:
    return max(1, int(expires_at - created_at)) + TTL_MARGIN_SECONDS


class RedisStaffStore:
    """StaffStore on Redis."""

    def __init__(self, url: str) -> None:
        # Typed as Any: redis-py's stubs cannot express decode_responses=True (str, not bytes).
        self._r: Any = client(url)
        self._create = self._r.register_script(_CREATE)
        self._hset_if_exists = self._r.register_script(_HSET_IF_EXISTS)
        self._use_step = self._r.register_script(_USE_STEP)
        self._claim = self._r.register_script(_CLAIM)
        self._reset = self._r.register_script(_RESET)
        self._session_put = self._r.register_script(_SESSION_PUT)
        self._session_touch = self._r.register_script(_SESSION_TOUCH)
        self._session_delete = self._r.register_script(_SESSION_DELETE)
        self._revoke = self._r.register_script(_REVOKE)
        self._sweep = self._r.register_script(_SWEEP)
        self._bind = self._r.register_script(_BIND)

    def __repr__(self) -> str:
        return "RedisStaffStore()"

    async def create_account(self, account: StaffAccount) -> bool:
        """See StaffStore."""
        a = account
        fields = {"username": a.username, "role": a.role, "password_hash": a.password_hash,
                  "totp_sealed": base64.b64encode(a.totp_sealed).decode("ascii"),
                  "totp_confirmed": "1" if a.totp_confirmed else "0",
                  "totp_last_step": str(a.totp_last_step), "disabled": "1" if a.disabled else "0",
                  "created_at": repr(a.created_at), "failures": str(a.failures),
                  "last_failure_at": repr(a.last_failure_at), "lead": "1" if a.lead else "0"}
        flat = [x for pair in fields.items() for x in pair]
        done = await self._create(keys=[f"{PREFIX}acct:{a.folded}", f"{PREFIX}accounts"],
                                  args=[a.folded, *flat])
        return bool(int(done))

    async def get_account(self, folded: str) -> StaffAccount | None:
        """See StaffStore."""
        data = await self._r.hgetall(f"{PREFIX}acct:{folded}")
        return _account(folded, data) if data else None

    async def list_accounts(self) -> list[StaffAccount]:
        """See StaffStore."""
        found = []
        for folded in sorted(await self._r.smembers(f"{PREFIX}accounts")):
            account = await self.get_account(folded)
            if account is not None:
                found.append(account)
        return found

    async def is_staff_name(self, folded: str) -> bool:
        """See StaffStore."""
        return bool(await self._r.exists(f"{PREFIX}acct:{folded}"))

    async def bind_key(self, folded: str, identity_key: bytes) -> bytes | None:
        """See StaffStore."""
        old = await self._bind(keys=[f"{PREFIX}keys"],
                               args=[folded, base64.b64encode(identity_key).decode()])
        return None if not old else base64.b64decode(old)

    async def bound_keys(self) -> dict[str, bytes]:
        """See StaffStore."""
        raw = await self._r.hgetall(f"{PREFIX}keys")
        return {f: base64.b64decode(k) for f, k in sorted(raw.items())}

    async def _update(self, folded: str, **fields: str) -> bool:
        flat = [x for pair in fields.items() for x in pair]
        return bool(int(await self._hset_if_exists(keys=[f"{PREFIX}acct:{folded}"], args=flat)))

    async def set_lead(self, folded: str, lead: bool) -> bool:
        """See StaffStore."""
        return await self._update(folded, lead="1" if lead else "0")

    async def set_disabled(self, folded: str, disabled: bool) -> bool:
        """See StaffStore."""
        return await self._update(folded, disabled="1" if disabled else "0")

    async def set_totp(self, folded: str, sealed: bytes) -> bool:
        """See StaffStore."""
        return await self._update(folded, totp_sealed=base64.b64encode(sealed).decode("ascii"),
                                  totp_confirmed="0", totp_last_step="0")

    async def use_totp_step(self, folded: str, step: int) -> bool:
        """See StaffStore."""
        return bool(int(await self._use_step(keys=[f"{PREFIX}acct:{folded}"], args=[step])))

    async def set_password_hash(self, folded: str, password_hash: str) -> bool:
        """See StaffStore."""
        return await self._update(folded, password_hash=password_hash)

    async def claim_attempt(self, folded: str, expected_failures: int, now: float) -> bool:
        """See StaffStore."""
        done = await self._claim(keys=[f"{PREFIX}acct:{folded}"],
                                 args=[str(expected_failures), repr(now)])
        return bool(int(done))

    async def reset_failures(self, folded: str) -> None:
        """See StaffStore."""
        await self._reset(keys=[f"{PREFIX}acct:{folded}"])

    async def session_put(self, session: StaffSession) -> None:
        """See StaffStore."""
        s = session
        fields = {"folded": s.folded, "role": s.role, "created_at": repr(s.created_at),
                  "last_seen": repr(s.last_seen), "expires_at": repr(s.expires_at)}
        flat = [x for pair in fields.items() for x in pair]
        await self._session_put(
            keys=[f"{PREFIX}sess:{s.token_hash}", f"{PREFIX}sessby:{s.folded}",
                  f"{PREFIX}sessexp"],
            args=[s.token_hash, repr(s.expires_at), _ttl(s.created_at, s.expires_at), *flat])

    async def session_get(self, token_hash: str) -> StaffSession | None:
        """See StaffStore."""
        d = await self._r.hgetall(f"{PREFIX}sess:{token_hash}")
        if not d:
            return None
        return StaffSession(token_hash=token_hash, folded=d["folded"], role=d["role"],
                            created_at=float(d["created_at"]), last_seen=float(d["last_seen"]),
                            expires_at=float(d["expires_at"]))

    async def session_touch(self, token_hash: str, now: float) -> None:
        """See StaffStore."""
        await self._session_touch(keys=[f"{PREFIX}sess:{token_hash}"], args=[repr(now)])

    async def session_delete(self, token_hash: str) -> bool:
        """See StaffStore."""
        done = await self._session_delete(
            keys=[f"{PREFIX}sess:{token_hash}", f"{PREFIX}sessexp"], args=[token_hash, PREFIX])
        return bool(int(done))

    async def revoke_sessions(self, folded: str) -> int:
        """See StaffStore."""
        gone = await self._revoke(keys=[f"{PREFIX}sessby:{folded}", f"{PREFIX}sessexp"],
                                  args=[PREFIX])
        return int(gone)

    async def invite_put(self, invite: StaffInvite) -> None:
        """See StaffStore."""
        i = invite
        value = json.dumps({"role": i.role, "created_at": i.created_at,
                            "expires_at": i.expires_at})
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}inv:{i.code_hash}", value, ex=_ttl(i.created_at, i.expires_at))
            pipe.zadd(f"{PREFIX}invexp", {i.code_hash: i.expires_at})
            await pipe.execute()

    async def invite_take(self, code_hash: str, now: float) -> StaffInvite | None:
        """See StaffStore."""
        raw = await self._r.getdel(f"{PREFIX}inv:{code_hash}")
        if raw is None:
            return None
        await self._r.zrem(f"{PREFIX}invexp", code_hash)
        d = json.loads(raw)
        if now >= float(d["expires_at"]):
            return None
        return StaffInvite(code_hash=code_hash, role=str(d["role"]),
                           created_at=float(d["created_at"]), expires_at=float(d["expires_at"]))

    async def sweep(self, now: float) -> int:
        """See StaffStore."""
        gone = await self._sweep(keys=[f"{PREFIX}sessexp", f"{PREFIX}invexp"],
                                 args=[repr(now), PREFIX])
        return int(gone)

    async def close(self) -> None:
        """See StaffStore."""
        await self._r.aclose()
