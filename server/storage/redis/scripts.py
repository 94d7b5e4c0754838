"""The Lua scripts of the Redis store: each step that must be atomic across server processes.

Every script touches only the keys it is given plus, where noted, keys built from the `ilp:`
prefix inside it: one Redis (or Sentinel), not Cluster, where those keys could live on
different shards. Layout of the keys: see `server.storage.redis_store`.
"""

from __future__ import annotations

# The inbox scripts share one prologue. KEYS: inbox, inboxexp, inboxsrc, inboxby (of one
# recipient), inboxdue, inboxcount; the recipient is ARGV[1]. `drop` removes envelopes and keeps
# the per-sender counts, the global count and the recipient's next-expiry entry in step, so
# nothing needs a scan. Envelopes stored before the sender record existed are not counted.
INBOX_PROLOGUE = """
local function drop(ids)
  local counted = 0
  local removed = 0
  for _, id in ipairs(ids) do
    if redis.call('HDEL', KEYS[1], id) == 1 then
      removed = removed + 1
      redis.call('ZREM', KEYS[2], id)
      local sender = redis.call('HGET', KEYS[3], id)
      if sender then
        counted = counted + 1
        redis.call('HDEL', KEYS[3], id)
        if redis.call('HINCRBY', KEYS[4], sender, -1) <= 0 then
          redis.call('HDEL', KEYS[4], sender)
        end
      end
    end
  end
  if counted > 0 then redis.call('DECRBY', KEYS[6], counted) end
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if first[2] then redis.call('ZADD', KEYS[5], first[2], ARGV[1])
  else redis.call('ZREM', KEYS[5], ARGV[1]) end
  return removed
end
local function expire(now)
  return drop(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now))
end
"""

# Append one envelope unless the recipient is full or this sender already has its share there;
# scores (expiry) strictly rise so that the zset order is the arrival order.
# ARGV: recipient, now, id, json, expires_at, sender, cap, per_sender_cap.
INBOX_PUT = INBOX_PROLOGUE + """
expire(ARGV[2])
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[7]) then return 0 end
if tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or '0') >= tonumber(ARGV[8]) then return 0 end
local score = tonumber(ARGV[5])
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if top[2] and score <= tonumber(top[2]) then score = tonumber(top[2]) + 0.001 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[2], score, ARGV[3])
-- An inbox from before the sweep may carry a key TTL, which would drop counted envelopes.
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[6])
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
redis.call('INCR', KEYS[6])
if not redis.call('ZSCORE', KEYS[5], ARGV[1]) then redis.call('ZADD', KEYS[5], score, ARGV[1]) end
return 1
"""

# Drop the recipient's expired envelopes. ARGV: recipient, now.
INBOX_EXPIRE = INBOX_PROLOGUE + """
return expire(ARGV[2])
"""

# Remove acknowledged envelopes. ARGV: recipient, id...
INBOX_ACK = INBOX_PROLOGUE + """
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
return drop(ids)
"""

# Record an authenticated connection unless the key holds `cap` already.
# KEYS: sessions:<key>, ownersessions:<owner>; ARGV: sid, owner, cap, "key\nsid".
SESSION_ADD = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""

# Bind a name to a key unless another key holds it and was seen since ARGV[5]; release the
# key's previous name. One script, so a name never has two keys nor a key two names, whatever
# runs at the same time on other processes. A name whose holder's record names something else
# (left behind by an older, non-atomic version) counts as free.
# KEYS: name:<folded>, id:<key>; ARGV: key, pseudonym, folded, last_seen, taken_since, prefix.
# Builds two more keys from the prefix: the previous holder's id:<holder> and the key's old
# name:<old> (not known before the script reads them).
BIND_IF_FREE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  local record = ARGV[6] .. 'id:' .. holder
  if redis.call('HGET', record, 'folded') == ARGV[3] then
    local seen = redis.call('HGET', record, 'last_seen')
    if seen and tonumber(seen) >= tonumber(ARGV[5]) then return 0 end
    redis.call('DEL', record)
  end
end
local old = redis.call('HGET', KEYS[2], 'folded')
if old and old ~= ARGV[3] then
  local old_name = ARGV[6] .. 'name:' .. old
  if redis.call('GET', old_name) == ARGV[1] then redis.call('DEL', old_name) end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'pseudonym', ARGV[2], 'folded', ARGV[3], 'last_seen', ARGV[4])
return 1
"""

# Refresh last_seen only if the key still has a binding (a takeover may have just removed it).
TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'last_seen', ARGV[1]) end
return 0
"""

# Forget a key's binding and release its name if the name still points at the key.
# KEYS: id:<key>; ARGV: key, prefix. Builds name:<folded> from the prefix.
ERASE_BINDING = """
local folded = redis.call('HGET', KEYS[1], 'folded')
if folded then
  local name = ARGV[2] .. 'name:' .. folded
  if redis.call('GET', name) == ARGV[1] then redis.call('DEL', name) end
end
return redis.call('DEL', KEYS[1])
"""
