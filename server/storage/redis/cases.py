"""CaseStore on Redis: atomic Lua scripts over sorted sets (why not Streams: docs/decisions.md).

    case:<id>          hash     v (version), json (record), p (its pseudonym, for the index)
    casenotes:<id>     list     encrypted notes (base64)
    cases:open         hash     pseudonym -> id of their open case
    cases:person:<p>   set      ids of every case naming pseudonym p (erasure finds them;
                                 anonymised cases are in none)
    cases:queue        zset     waiting case ids by queue score (level, then queued_at; ties by id)
    cases:due          zset     case ids by their earliest stored deadline
    cases:closed       zset     finished case ids by closed_at (retention)
    cases:claimed      zset     case ids by claimed_at (estimate, health)
    counsellors        hash     counsellor id -> availability JSON
    cases:duty         zset     finished duty intervals (JSON) by their end
    teamkeys           hash     epoch -> the counsellor team public key (base64)
    teamwraps:<hex>    hash     epoch -> a wrap of that epoch sealed to identity key <hex> (JSON)

`CASE_WRITE` checks the version and writes the case and every index in one script, so a case and
its indexes never disagree and of many concurrent claims of one version exactly one lands. Data
that must survive a restart needs the append-only file on (deploy/redis.conf, decisions.md).
"""

from __future__ import annotations

import base64

from escalation.case import ERASED_PSEUDONYM, TERMINAL, Case, anonymised
from escalation.health import DutyInterval
from server.storage.cases import (
    MAX_NOTES_PER_CASE,
    CounsellorRecord,
    case_from_json,
    case_json,
    duty_from_json,
    duty_json,
    indexes,
)
from server.storage.redis.connection import PREFIX, Connection

# KEYS: case, open, queue, due, closed, claimed, person (the new pseudonym's set)
# ARGV: id, expected version (0: create), new version, json, pseudonym, open (1/0),
#       queue score, due at, closed at, claimed at ('' = not in that index),
#       key prefix, index the person (1/0)
CASE_WRITE = """
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[2] == '0' then
  if cur then return 0 end
  if redis.call('HEXISTS', KEYS[2], ARGV[5]) == 1 then return 0 end
else
  if cur ~= ARGV[2] then return 0 end
  if ARGV[6] == '1' then
    local holder = redis.call('HGET', KEYS[2], ARGV[5])
    if holder and holder ~= ARGV[1] then return 0 end
  end
end
local before = redis.call('HGET', KEYS[1], 'p')
if before and before ~= ARGV[5] then
  redis.call('SREM', ARGV[11] .. 'cases:person:' .. before, ARGV[1])
end
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'json', ARGV[4], 'p', ARGV[5])
if ARGV[12] == '1' then redis.call('SADD', KEYS[7], ARGV[1]) end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[1])
elseif redis.call('HGET', KEYS[2], ARGV[5]) == ARGV[1] then
  redis.call('HDEL', KEYS[2], ARGV[5])
end
for i, key in ipairs({KEYS[3], KEYS[4], KEYS[5], KEYS[6]}) do
  local score = ARGV[6 + i]
  if score == '' then redis.call('ZREM', key, ARGV[1])
  else redis.call('ZADD', key, score, ARGV[1]) end
end
return 1
"""

# KEYS: case, notes; ARGV: note (base64), cap
NOTE_ADD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
"""

# KEYS: teamkeys, then one teamwraps hash per wrap; ARGV: epoch, team key (base64),
#       new epoch (1/0), then the wraps' JSON in the order of their keys
TEAM_WRAPS_ADD = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == '1' then
  if current then return 0 end
  local last = 0
  for _, e in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(e) > last then last = tonumber(e) end
  end
  if tonumber(ARGV[1]) ~= last + 1 then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
elseif current ~= ARGV[2] then
  return 0
end
for i = 2, #KEYS do redis.call('HSETNX', KEYS[i], ARGV[1], ARGV[i + 2]) end
return 1
"""

# KEYS: closed, queue, due, claimed, duty; ARGV: before, limit, prefix
DELETE_FINISHED = """
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local p = redis.call('HGET', ARGV[3] .. 'case:' .. id, 'p')
  if p then redis.call('SREM', ARGV[3] .. 'cases:person:' .. p, id) end
  redis.call('DEL', ARGV[3] .. 'case:' .. id, ARGV[3] .. 'casenotes:' .. id)
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[3], KEYS[4]}) do redis.call('ZREM', key, id) end
end
return ids
"""

_OPEN, _QUEUE, _DUE = f"{PREFIX}cases:open", f"{PREFIX}cases:queue", f"{PREFIX}cases:due"
_CLOSED, _CLAIMED = f"{PREFIX}cases:closed", f"{PREFIX}cases:claimed"
_COUNSELLORS, _DUTY = f"{PREFIX}counsellors", f"{PREFIX}cases:duty"
_TEAM_KEYS = f"{PREFIX}teamkeys"


def _wraps_of(to: bytes) -> str:
    return f"{PREFIX}teamwraps:{to.hex()}"


def _key(case_id: str) -> str:
    return f"{PREFIX}case:{case_id}"


def _person(pseudonym: str) -> str:
    return f"{PREFIX}cases:person:{pseudonym}"


FORGET_ATTEMPTS = 8
"""Re-reads of a case another process changed while erasure rewrote it."""


def _score(value: float | None) -> str:
    return "" if value is None else repr(value)


class RedisCases:
    """Shared by every process on one Redis."""

    def __init__(self, conn: Connection) -> None:
        self._r = conn.r
        self._write = self._r.register_script(CASE_WRITE)
        self._note = self._r.register_script(NOTE_ADD)
        self._delete = self._r.register_script(DELETE_FINISHED)
        self._team = self._r.register_script(TEAM_WRAPS_ADD)

    def __repr__(self) -> str:
        return "RedisCases()"

    async def _put(self, case: Case, expected: int) -> bool:
        ix = indexes(case)
        result = await self._write(
            keys=[_key(case.id), _OPEN, _QUEUE, _DUE, _CLOSED, _CLAIMED, _person(case.pseudonym)],
            args=[case.id, str(expected), str(case.version), case_json(case), case.pseudonym,
                  "1" if ix.open else "0", _score(ix.queue_score), _score(ix.due_at),
                  _score(ix.closed_at), _score(ix.claimed_at), PREFIX,
                  "0" if case.pseudonym == ERASED_PSEUDONYM else "1"])
        return bool(int(result))

    async def _many(self, ids: list[str]) -> list[Case]:
        if not ids:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for case_id in ids:
                pipe.hget(_key(case_id), "json")
            values = await pipe.execute()
        return [case_from_json(v) for v in values if v is not None]

    async def create(self, case: Case) -> bool:
        """See CaseStore."""
        return await self._put(case, 0)

    async def get(self, case_id: str) -> Case | None:
        """See CaseStore."""
        value = await self._r.hget(_key(case_id), "json")
        return None if value is None else case_from_json(value)

    async def open_of(self, pseudonym: str) -> Case | None:
        """See CaseStore."""
        case_id = await self._r.hget(_OPEN, pseudonym)
        return None if case_id is None else await self.get(case_id)

    async def replace(self, case: Case, *, expected_version: int) -> bool:
        """See CaseStore."""
        if expected_version < 1 or case.version <= expected_version:
            return False
        return await self._put(case, expected_version)

    async def waiting(self, limit: int) -> list[Case]:
        """See CaseStore."""
        return await self._many(await self._r.zrange(_QUEUE, 0, limit - 1))

    async def due(self, now: float, limit: int) -> list[Case]:
        """See CaseStore."""
        return await self._many(await self._r.zrangebyscore(_DUE, "-inf", repr(now),
                                                            start=0, num=limit))

    async def open_cases(self, limit: int) -> list[Case]:
        """See CaseStore."""
        ids = sorted(await self._r.hvals(_OPEN))[:limit]
        return await self._many(ids)

    async def claimed_since(self, since: float, limit: int) -> list[Case]:
        """See CaseStore."""
        return await self._many(await self._r.zrevrangebyscore(_CLAIMED, "+inf", repr(since),
                                                               start=0, num=limit))

    async def put_counsellor(self, record: CounsellorRecord) -> None:
        """See CaseStore."""
        await self._r.hset(_COUNSELLORS, record.id, record.to_json())

    async def counsellor(self, counsellor_id: str) -> CounsellorRecord | None:
        """See CaseStore."""
        value = await self._r.hget(_COUNSELLORS, counsellor_id)
        return None if value is None else CounsellorRecord.from_json(value)

    async def counsellors(self) -> list[CounsellorRecord]:
        """See CaseStore."""
        values = await self._r.hgetall(_COUNSELLORS)
        return [CounsellorRecord.from_json(values[k]) for k in sorted(values)]

    async def add_duty(self, interval: DutyInterval) -> None:
        """See CaseStore."""
        assert interval.end is not None
        await self._r.zadd(_DUTY, {duty_json(interval): interval.end})

    async def duty_since(self, since: float) -> list[DutyInterval]:
        """See CaseStore."""
        return [duty_from_json(v) for v in await self._r.zrangebyscore(_DUTY, repr(since), "+inf")]

    async def add_note(self, case_id: str, ciphertext: bytes) -> bool:
        """See CaseStore."""
        result = await self._note(keys=[_key(case_id), f"{PREFIX}casenotes:{case_id}"],
                                  args=[base64.b64encode(ciphertext).decode("ascii"),
                                        MAX_NOTES_PER_CASE])
        return bool(int(result))

    async def notes(self, case_id: str) -> list[bytes]:
        """See CaseStore."""
        return [base64.b64decode(v)
                for v in await self._r.lrange(f"{PREFIX}casenotes:{case_id}", 0, -1)]

    async def add_team_wraps(self, epoch: int, team_key: bytes, wraps: dict[bytes, str],
                             *, new_epoch: bool) -> bool:
        """See CaseStore (one script: the epoch check and every wrap, or nothing)."""
        tos = sorted(wraps)
        result = await self._team(
            keys=[_TEAM_KEYS, *(_wraps_of(to) for to in tos)],
            args=[str(epoch), base64.b64encode(team_key).decode("ascii"),
                  "1" if new_epoch else "0", *(wraps[to] for to in tos)])
        return bool(int(result))

    async def team_keys(self) -> dict[int, bytes]:
        """See CaseStore."""
        values = await self._r.hgetall(_TEAM_KEYS)
        return {int(k): base64.b64decode(v) for k, v in sorted(values.items(),
                                                              key=lambda kv: int(kv[0]))}

    async def team_wraps(self, to: bytes) -> list[str]:
        """See CaseStore."""
        values = await self._r.hgetall(_wraps_of(to))
        return [str(values[k]) for k in sorted(values, key=int)]

    async def forget_person(self, pseudonym: str) -> list[str]:
        """See CaseStore. Each rewrite is `CASE_WRITE` with compare-and-set on the version,
        which also moves the case out of the pseudonym's set (emptied, the set is gone)."""
        done: list[str] = []
        for case_id in sorted(await self._r.smembers(_person(pseudonym))):
            for _ in range(FORGET_ATTEMPTS):
                case = await self.get(case_id)
                if case is None:  # deleted by a store that kept no index: a stale member
                    await self._r.srem(_person(pseudonym), case_id)
                    break
                if case.pseudonym != pseudonym or case.state not in TERMINAL:
                    break
                if await self._put(anonymised(case), case.version):
                    done.append(case_id)
                    break
        return done

    async def delete_finished(self, before: float, limit: int) -> list[str]:
        """See CaseStore."""
        ids = await self._delete(keys=[_CLOSED, _QUEUE, _DUE, _CLAIMED, _DUTY],
                                 args=[repr(before), limit, PREFIX])
        return [str(i) for i in ids]
