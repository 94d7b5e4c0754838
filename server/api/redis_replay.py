"""The replay window of the Redis fan-out (used by `server.api.redis_manager`).

Every room emit is published by `PUBLISH_SCRIPT`, one Lua script and so one atomic step in
Redis: the room's next transport number (INCR), the packet appended to the room's capped Stream
with that number as its id, both keys' expiry refreshed, and the PUBLISH of `<n> <packet>`. The
numbers are therefore in the order Redis published the packets, with no gaps. A group
envelope goes through `SEQUENCED_SCRIPT`, which also gives it its `seq` (the room store's
counter, bound to its writer) in the same step, so `seq` is in publish order too. What a subscriber
missed is read back with `read_missed`. The packets are Socket.IO emits of server pushes: group
envelopes (ciphertext and the server's stamp) and membership changes, as they cross the
pub/sub channel anyway; nothing else is stored. They go when the room's night ends (its Stream
and counter) and when a member erases themselves (the Streams of every room they could be in):
`RetryingRedisManager.forget_replay`, queued behind the packets published before it, so none of
them recreates a Stream afterwards (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import bisect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.ids import CASE_ROOMS, user_room
from server.wire.case_pushes import CasesResync
from server.wire.pushes import InboxResync, RoomResync

ENABLED = os.environ.get("ILTAPIIRI_FANOUT_REPLAY", "1") != "0"
"""On by default; `ILTAPIIRI_FANOUT_REPLAY=0` turns it off (a dropped subscription then loses
what was published until it is back, and nobody is told)."""

USER_ROOM_PREFIX = user_room("")  # every connection of one identity key is in its user room
STREAM_SEP = "#x#"  # <channel>#x#<namespace>#<room>: the room's replay Stream
COUNTER_SEP = "#n#"  # ... and its transport sequence counter


def _window(text: str | None) -> int:
    """`ILTAPIIRI_FANOUT_REPLAY_WINDOW`: 1..100000 packets (default 1000); anything else stops
    the start-up with this error rather than running with a window nobody asked for."""
    if text is None or text == "":
        return 1000
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ValueError("ILTAPIIRI_FANOUT_REPLAY_WINDOW must be a whole number 1..100000")
    return int(text)


REPLAY_WINDOW = _window(os.environ.get("ILTAPIIRI_FANOUT_REPLAY_WINDOW"))
"""Packets kept per room in its Stream (approximately: `MAXLEN ~`, trimmed in whole nodes of
Redis's `stream-node-max-entries`, 100 by default)."""

REPLAY_TTL_SECONDS = 3600
"""A room's Stream and counter expire this long after its last packet."""

_NUMBER = """
local n = redis.call('INCR', KEYS[2])
if n == 1 then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if last[1] then
    n = tonumber(string.match(last[1][1], '^(%d+)')) + 1
    redis.call('SET', KEYS[2], n)
  end
end
"""
_SEND = """
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], n .. '-1', 'p', packet)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[1], n .. ' ' .. packet)
"""

# KEYS: the room's Stream, its transport counter. ARGV: channel, packet, window, TTL.
PUBLISH_SCRIPT = _NUMBER + "local packet = ARGV[2]\n" + _SEND + "return n\n"

# KEYS: as PUBLISH_SCRIPT, then the room's envelope counter and its writer hash (the room
# store's keys, `RedisRooms.seq_keys`). ARGV: channel, packet head, window, TTL, packet tail,
# the store's TTL, the writer. The envelope's number goes between head and tail, so the number,
# its writer and the publish are one atomic step: numbers follow publish order.
SEQUENCED_SCRIPT = _NUMBER + """
local seq = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[6])
redis.call('HSET', KEYS[4], seq, ARGV[7])
redis.call('EXPIRE', KEYS[4], ARGV[6])
local packet = ARGV[2] .. seq .. ARGV[5]
""" + _SEND + "return seq\n"


@dataclass(frozen=True)
class Sequenced:
    """A publish-queue entry whose packet takes the room's next envelope number
    (`SEQUENCED_SCRIPT`): the packet's text before and after the number, the writer the number
    is bound to, the store's two keys, and the future that gets the number."""

    head: str
    tail: str
    writer: str
    keys: tuple[str, str]
    ttl: int
    number: asyncio.Future[int]

    def __repr__(self) -> str:
        return "Sequenced()"  # the packet names its writer


def echo_head(json: Any, host_id: str) -> str:
    """How a numbered envelope's packet starts (`split_packet`): not with `host_id` (which its
    publisher would skip as its own), so the publisher delivers it too, from the channel in the
    room's order; naming the publisher for its `echoed` count."""
    text: str = json.dumps({"echo": host_id, "host_id": None})
    return text[:-1]


def split_packet(json: Any, head: str, message: dict[str, Any], data: dict[str, Any],
                 field: str) -> tuple[str, str]:
    """The manager-level message of an emit of `data`, as JSON text in two parts, `data`'s
    `field` (the number) left out between them: `head` (an unclosed object's start), then the
    other `message` fields, then `data`. Built from whole `json.dumps` pieces, so any number
    written between them gives one valid packet."""
    rest = {k: v for k, v in data.items() if k != field}
    start = f'{head}, {json.dumps(message)[1:-1]}, "data": [{{{json.dumps(field)}: '
    tail = json.dumps(rest)[1:]
    return start, (", " + tail if rest else tail) + "]}"


def replayed(channel: str) -> bool:
    """Only a group room's channel (`<group>/<date>`) is numbered and kept: a user's room and a
    sid carry 1:1 traffic, whose envelopes wait in the inbox until acknowledged anyway."""
    if not ENABLED:
        return False
    _, sep, tail = channel.partition("#r#")
    return bool(sep) and "/" in tail.split("#", 1)[-1] and ":" not in tail


def user_channel(channel: str) -> bool:
    """A user's room channel: 1:1 pushes to a person (`direct.envelope`, `direct.typing`, case
    pushes) are not numbered. When it is subscribed again after a drop, its local connections
    are told `inbox.resync` (`inbox_resync_message`): the envelopes missed meanwhile wait in the
    inbox, and the client reads it. Independent of ENABLED (no key is kept for it)."""
    _, sep, tail = channel.partition("#r#")
    return bool(sep) and tail.split("#", 1)[-1].startswith(USER_ROOM_PREFIX)


def case_channel(channel: str) -> bool:
    """A staff room's channel (`cases:duty`, `cases:supervisors`): queue changes, claims and
    re-alerts are not numbered either. Subscribed again after a drop, its local connections
    are told `cases.resync` (`cases_resync_message`) and read the queue again (`case.list`):
    the cases are stored, so the store is their replay window. Independent of ENABLED."""
    _, sep, tail = channel.partition("#r#")
    return bool(sep) and tail.split("#", 1)[-1] in CASE_ROOMS


async def read_missed(client: Any, stream: str, counter: str, start: int,
                      own: Sequence[int] = ()) -> tuple[bool, int, list[tuple[int, bytes]]]:
    """(lost, the room's counter, [(number, packet)] after `start` still in the Stream); lost
    is True when some number after `start` is no longer there (trimmed beyond the window, or
    the keys expired), unless the reader published it itself (`own`: its numbers, ascending;
    its local members had those packets already)."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.get(counter)
        pipe.xrange(stream, f"({start}-1", "+", count=REPLAY_WINDOW)
        top_text, entries = await pipe.execute()
    top = int(top_text or 0)
    numbered = [(int(entry_id.split(b"-")[0]), fields[b"p"]) for entry_id, fields in entries]
    if top_text is None and start > 0 and not numbered:
        return True, top, numbered  # expired or deleted: nothing says what was there
    end = numbered[0][0] - 1 if numbered else top  # the gap: start+1 .. end
    mine = bisect.bisect_right(own, end) - bisect.bisect_right(own, start)  # unique numbers
    return end > start + mine, top, numbered


FORGET = ""
"""The channel of a publish-queue entry that deletes replay keys (its payload: keys, a future)."""


def queue_batch(pipe: Any, batch: list[tuple[str, Any]], shas: tuple[str, str],
                stream_keys: Any) -> tuple[int, list[str | Sequenced | None]]:
    """Add one tick's publishes (and deletions, in their place) to `pipe`: how many publishes,
    and per command what its result is: the transport number of a room channel's packet (the
    channel), an envelope's number (its `Sequenced` entry), or nothing (None). `shas`: the
    loaded PUBLISH_SCRIPT and SEQUENCED_SCRIPT."""
    published = 0
    numbered: list[str | Sequenced | None] = []
    for channel, payload in batch:
        if channel == FORGET:  # forget_replay: after every packet queued before it
            if payload[0]:
                pipe.delete(*payload[0])
                numbered.append(None)
            continue
        published += 1
        if isinstance(payload, Sequenced):  # an envelope: numbered in the script
            pipe.evalsha(shas[1], 4, *stream_keys(channel), *payload.keys, channel,
                         payload.head, REPLAY_WINDOW, REPLAY_TTL_SECONDS, payload.tail,
                         payload.ttl, payload.writer)
            numbered.append(payload)
        elif not replayed(channel):  # shared, a user's or a sid's
            pipe.publish(channel, payload)
            numbered.append(None)
        else:  # a room emit: numbered, kept in the room's Stream
            pipe.evalsha(shas[0], 2, *stream_keys(channel), channel, payload, REPLAY_WINDOW,
                         REPLAY_TTL_SECONDS)
            numbered.append(channel)
    return published, numbered


def hand_out(numbered: list[str | Sequenced | None], results: list[Any]) -> None:
    """Give each published envelope its number (the sender's ack waits for it)."""
    for entry, number in zip(numbered, results, strict=False):
        if isinstance(entry, Sequenced) and not entry.number.done():
            entry.number.set_result(int(number))


class PublishFailed(Exception):
    """An envelope's publish was given up (both attempts failed; if Redis ran it and only the
    reply was lost, it went out anyway): the sender is answered `internal`."""


def resolve(batch: list[tuple[str, Any]]) -> None:
    """Wake whoever waits on a batch that was sent (or given up): its deletions' callers, and
    the senders of envelopes that got no number (`PublishFailed`)."""
    for channel, payload in batch:
        if channel == FORGET and not payload[1].done():
            payload[1].set_result(None)
        elif isinstance(payload, Sequenced) and not payload.number.done():
            payload.number.set_exception(PublishFailed())


def resync_message(namespace: str, room: str) -> dict[str, Any]:
    """The manager-level message that pushes `room.resync` to the room's local members."""
    return {"method": "emit", "event": RoomResync.EVENT, "data": [RoomResync(room=room).to_wire()],
            "namespace": namespace, "room": room, "skip_sid": None, "callback": None,
            "binary": False, "host_id": "replay"}


def inbox_resync_message(namespace: str, room: str) -> dict[str, Any]:
    """The manager-level message that pushes `inbox.resync` to a user room's local connections."""
    return {"method": "emit", "event": InboxResync.EVENT, "data": [InboxResync().to_wire()],
            "namespace": namespace, "room": room, "skip_sid": None, "callback": None,
            "binary": False, "host_id": "replay"}


def cases_resync_message(namespace: str, room: str) -> dict[str, Any]:
    """The manager-level message that pushes `cases.resync` to a staff room's local connections."""
    return {"method": "emit", "event": CasesResync.EVENT, "data": [CasesResync().to_wire()],
            "namespace": namespace, "room": room, "skip_sid": None, "callback": None,
            "binary": False, "host_id": "replay"}
