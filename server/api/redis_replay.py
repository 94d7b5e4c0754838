"""The replay window of the Redis fan-out (used by `server.api.redis_manager`).

Every room emit is published by `PUBLISH_SCRIPT`, one Lua script and so one atomic step in
Redis: the room's next transport number (INCR), the packet appended to the room's capped Stream
with that number as its id, both keys' expiry refreshed, and the PUBLISH of `<n> <packet>`. The
numbers are therefore in the order Redis published the packets, with no gaps. What a subscriber
missed is read back with `read_missed`. The packets are Socket.IO emits of server pushes: group
envelopes (ciphertext and the server's stamp) and membership changes, as they cross the
pub/sub channel anyway; nothing else is stored.
"""

from __future__ import annotations

import os
from typing import Any

ENABLED = os.environ.get("ILTAPIIRI_FANOUT_REPLAY") == "1"
"""Off by default: the Streams are not yet deleted when a night ends or a person is erased
(tests/reliability/test_privacy_scan.py and test_erasure.py find them), so the window is opt-in
until they are."""

STREAM_SEP = "#x#"  # <channel>#x#<namespace>#<room>: the room's replay Stream
COUNTER_SEP = "#n#"  # ... and its transport sequence counter

REPLAY_WINDOW = 1000
"""Packets kept per room in its Stream (approximately: `MAXLEN ~`, trimmed in whole nodes)."""

REPLAY_TTL_SECONDS = 3600
"""A room's Stream and counter expire this long after its last packet."""

PUBLISH_SCRIPT = """
local n = redis.call('INCR', KEYS[2])
if n == 1 then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if last[1] then
    n = tonumber(string.match(last[1][1], '^(%d+)')) + 1
    redis.call('SET', KEYS[2], n)
  end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], n .. '-1', 'p', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[1], n .. ' ' .. ARGV[2])
return n
"""


def replayed(channel: str) -> bool:
    """Only a group room's channel (`<group>/<date>`) is numbered and kept: a user's room and a
    sid carry 1:1 traffic, whose envelopes wait in the inbox until acknowledged anyway."""
    if not ENABLED:
        return False
    _, sep, tail = channel.partition("#r#")
    return bool(sep) and "/" in tail.split("#", 1)[-1] and ":" not in tail


async def read_missed(client: Any, stream: str, counter: str, start: int
                      ) -> tuple[bool, int, list[tuple[int, bytes]]]:
    """(lost, the room's counter, [(number, packet)] after `start` still in the Stream); lost
    is True when some number after `start` is no longer there (trimmed beyond the window, or
    the keys expired)."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.get(counter)
        pipe.xrange(stream, f"({start}-1", "+", count=REPLAY_WINDOW)
        top_text, entries = await pipe.execute()
    top = int(top_text or 0)
    numbered = [(int(entry_id.split(b"-")[0]), fields[b"p"]) for entry_id, fields in entries]
    lost = (top_text is None and start > 0 and not numbered) or (
        top > start and (not numbered or numbered[0][0] != start + 1))
    return lost, top, numbered
