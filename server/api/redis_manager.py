"""Socket.IO's fan-out across processes on Redis, one channel per room.

python-socketio's `AsyncRedisManager` publishes everything on one channel, so every process
decodes every other process's every packet. Here an emit to a room goes on that room's own
channel (`socketio#r#<namespace>#<room>`), and a process is subscribed to exactly the rooms it
has local participants in: SUBSCRIBE when the first local member enters, UNSUBSCRIBE when the
last one leaves (every sid is a room of its own in python-socketio, so a sid-addressed emit
reaches only the process that holds that sid). Broadcasts (no room, or several rooms), remote
room changes, disconnects and ack callbacks stay on the shared channel, which every process
keeps, so anything python-socketio's stock managers publish still arrives.

- `enter_room` returns only after Redis confirmed the subscription (bounded wait), so an emit
  published after a join's ack cannot miss the new member's process.
- Subscription changes and publishes are batched per event-loop tick (one SUBSCRIBE/UNSUBSCRIBE
  and one pipelined write per tick, in emit order; one publisher connection keeps that order).
- A room-channel message starts with its publisher's host id, so a process skips its own
  packets (it delivered them locally already) without decoding them.
- The listener reconnects with a bounded backoff (python-socketio: doubling up to 60 s) and
  subscribes to the shared channel and every current room channel again. redis-py parses with
  hiredis where it is installed (a dependency in pyproject.toml).
- Replay window (`server.api.redis_replay`, on unless ILTAPIIRI_FANOUT_REPLAY=0): room emits
  are numbered per room in publish order and kept in a capped Stream; a subscriber drops what it
  has seen and reads a gap (or what was published while it subscribed again) from the Stream
  before the next live packet; beyond the window the room's local members get `room.resync`.
  A user's room is not numbered: subscribed again, its local connections get `inbox.resync`
  (their 1:1 envelopes wait in the inbox). `forget_replay` deletes Streams in publish order.

`stats` counts, per process: `room_decoded`, `shared_decoded`, `own_skipped` (own room packets
not decoded), `published`, `subscribes`, `replayed` (read back from a Stream), `duplicates`,
`resyncs` (rooms told `room.resync`), `inbox_resyncs` (user rooms told `inbox.resync`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, deque
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis import asyncio as aioredis

from server.api import redis_replay as replay
from server.api.redis_catchup import CatchUp
from server.redis_options import redis_options

LISTEN_BACKOFF_SECONDS = (0.1, 2.0)
"""First and longest wait before the fan-out subscriber reconnects (python-socketio: 1 s, up
to 60 s, during which this process misses every other process's emits)."""

SUBSCRIBE_WAIT_SECONDS = 2.0
"""Longest wait in `enter_room` for Redis to confirm a new room channel's subscription."""

ROOM_CHANNEL_SEP = "#r#"


class RetryingRedisManager(CatchUp, socketio.AsyncRedisManager):  # type: ignore[misc]
    """python-socketio's Redis manager with per-room channels, batched publishes and a bounded
    listen backoff (see the module docstring)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, redis_options=redis_options())
        self.stats: Counter[str] = Counter()
        self._wanted: set[str] = set()  # room channels with local participants
        self._confirmed: set[str] = set()  # ... that Redis confirmed on the current connection
        self._pending_subs: Counter[str] = Counter()  # SUBSCRIBEs sent, not yet confirmed
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._touched: set[tuple[str, Any]] = set()
        self._sync_scheduled = False
        self._listening = False
        self._outq: list[tuple[str, Any]] = []  # (channel, packet) or replay.FORGET
        self._pub_task: asyncio.Task[None] | None = None
        self._pub_redis: Any = None
        self._own_prefix = b""
        self._tasks: set[asyncio.Task[None]] = set()
        self._rooms_of: dict[str, tuple[str, str]] = {}  # room channel -> (namespace, room)
        self._last: dict[str, int] = {}  # room channel -> last transport number seen
        self._floor: dict[str, int] = {}  # ... the room's counter when it was subscribed
        self._own: dict[str, deque[int]] = {}  # ... numbers of own packets not yet seen back
        self._sha: str | None = None

    def __repr__(self) -> str:
        return f"RetryingRedisManager(rooms={len(self._wanted)})"

    def initialize(self) -> None:
        """See `socketio.AsyncPubSubManager` (the server's JSON module is known from here)."""
        self._own_prefix = self._message_prefix(self.host_id)
        super().initialize()

    # Channels -------------------------------------------------------------------------------
    def room_channel(self, namespace: str, room: str) -> str:
        """The channel carrying emits to `room` in `namespace`."""
        return f"{self.channel}{ROOM_CHANNEL_SEP}{namespace}#{room}"

    def _stream_keys(self, channel: str) -> tuple[str, str]:
        """The replay Stream and the sequence counter of a room channel."""
        tail = channel[len(self.channel) + len(ROOM_CHANNEL_SEP):]
        return (f"{self.channel}{replay.STREAM_SEP}{tail}", f"{self.channel}{replay.COUNTER_SEP}{tail}")

    def subscribed_rooms(self) -> set[str]:
        """Room channels this process is subscribed to (confirmed by Redis)."""
        return set(self._confirmed)

    def _message_prefix(self, host_id: str) -> bytes:
        text: str = self.json.dumps({"host_id": host_id})
        return text[:-1].encode()

    def _channel_for(self, message: dict[str, Any]) -> str:
        room = message.get("room")
        if message.get("method") == "emit" and isinstance(room, str):
            return self.room_channel(message.get("namespace") or "/", room)
        return str(self.channel)

    # Local membership -> subscriptions ------------------------------------------------------
    def basic_enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: str | None = None) -> None:
        """See `socketio.base_manager.BaseManager`; also keeps the room channel subscribed."""
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        if room is not None:
            self._touch(namespace, room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        """See `basic_enter_room` (close_room and disconnect come through here too)."""
        super().basic_leave_room(sid, namespace, room)
        if room is not None:
            self._touch(namespace, room)

    async def enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: str | None = None) -> None:
        """Enter, then wait (bounded) until this process receives the room's channel."""
        await super().enter_room(sid, namespace, room, eio_sid=eio_sid)
        if room is None or not isinstance(room, str):
            return
        channel = self.room_channel(namespace or "/", room)
        self._sync_subscriptions()
        if channel not in self._wanted:
            return  # not a local member after all (a remote sid: published instead)
        if channel in self._confirmed and not self._pending_subs[channel]:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, []).append(future)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(future, SUBSCRIBE_WAIT_SECONDS)

    def _touch(self, namespace: str, room: Any) -> None:
        self._touched.add((namespace, room))
        if not self._sync_scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop yet: the listener subscribes to all on connect
                return
            self._sync_scheduled = True
            loop.call_soon(self._sync_subscriptions)

    def _sync_subscriptions(self) -> None:
        """Turn this tick's room changes into one SUBSCRIBE and one UNSUBSCRIBE."""
        self._sync_scheduled = False
        touched, self._touched = self._touched, set()
        subscribe: list[str] = []
        unsubscribe: list[str] = []
        for namespace, room in touched:
            channel = self.room_channel(namespace, room)
            present = room in self.rooms.get(namespace, {})
            if present and channel not in self._wanted:
                self._wanted.add(channel)
                self._rooms_of[channel] = (namespace, room)
                subscribe.append(channel)
            elif not present and channel in self._wanted:
                self._wanted.discard(channel)
                self._rooms_of.pop(channel, None)
                self._last.pop(channel, None)
                self._floor.pop(channel, None)
                self._own.pop(channel, None)
                unsubscribe.append(channel)
        if self._listening and (subscribe or unsubscribe):
            self._spawn(self._send_subscriptions(subscribe, unsubscribe))

    async def _send_subscriptions(self, subscribe: list[str], unsubscribe: list[str]) -> None:
        pubsub = self.pubsub
        try:
            if subscribe:
                self._pending_subs.update(subscribe)
                self.stats["subscribes"] += len(subscribe)
                await pubsub.subscribe(*subscribe)
            if unsubscribe:
                await pubsub.unsubscribe(*unsubscribe)
        except Exception as exc:  # the listener reconnects and subscribes to all that is wanted
            self._get_logger().error("fanout.subscribe_failed",
                                     extra={"fields": {"code": type(exc).__name__}})

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_subscribed(self, channel: str) -> None:
        if self._pending_subs[channel] > 0:
            self._pending_subs[channel] -= 1
        if self._pending_subs[channel] == 0:
            del self._pending_subs[channel]
            self._confirmed.add(channel)
            if channel not in self._last and channel not in self._floor:
                if replay.replayed(channel):
                    self._spawn(self._take_floor(channel))
                elif channel in self._wanted:  # not numbered: "subscribed once" is enough
                    self._floor[channel] = 0
            for future in self._waiters.pop(channel, []):
                if not future.done():
                    future.set_result(None)

    async def _take_floor(self, channel: str) -> None:
        """Remember the room's counter once subscribed: a reconnect before any packet arrived
        replays from there (a packet above it was published after the subscription)."""
        try:
            value = await self._publisher().get(self._stream_keys(channel)[1])
        except Exception as exc:
            self._get_logger().error("fanout.floor_failed",
                                     extra={"fields": {"code": type(exc).__name__}})
            return
        if channel in self._wanted:
            self._floor.setdefault(channel, int(value or 0))

    def _publisher(self) -> Any:
        if self._pub_redis is None:
            self._pub_redis = aioredis.Redis.from_url(self.redis_url, **self.redis_options)
            self._sha = None
        return self._pub_redis

    async def _script_sha(self, redis: Any) -> str:
        """The publish script loaded on this publisher's server (again after an error)."""
        if self._sha is None:
            self._sha = str(await redis.script_load(replay.PUBLISH_SCRIPT))
        return self._sha

    # Publishing -----------------------------------------------------------------------------
    async def _publish(self, data: dict[str, Any]) -> None:
        """Queue for this tick's pipelined publish (room emits on their room's channel)."""
        channel = self._channel_for(data)
        if channel != self.channel:
            data = {"host_id": data.get("host_id"), **data}  # host id first: see _listen
        self._queue(channel, self.json.dumps(data))

    def _queue(self, channel: str, payload: Any) -> None:
        self._outq.append((channel, payload))
        if self._pub_task is None:
            self._pub_task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._outq:
                batch, self._outq = self._outq, []
                await self._publish_batch(batch)
                replay.resolve(batch)  # its deletions are done (or were given up)
        finally:
            self._pub_task = None

    async def _publish_batch(self, batch: list[tuple[str, Any]]) -> None:
        for attempt in (1, 2):  # as python-socketio: two attempts, then give up with a log
            try:
                redis = self._publisher()
                sha = await self._script_sha(redis)
                async with redis.pipeline(transaction=False) as pipe:
                    published, numbered = replay.queue_batch(pipe, batch, sha,
                                                             self._stream_keys)
                    self.stats["published"] += published
                    results = await pipe.execute()
            except Exception as exc:
                self._get_logger().error("fanout.publish_failed", extra={"fields": {
                    "code": type(exc).__name__, "attempt": attempt, "packets": len(batch)}})
                old, self._pub_redis = self._pub_redis, None
                if old is not None:
                    with contextlib.suppress(Exception):
                        await old.aclose()
                continue
            self._own_numbers(numbered, results)  # outside the try: never a second publish
            return

    async def forget_replay(self, rooms: list[str], *, counters: bool) -> None:
        """Delete the replay Streams of `rooms` (with `counters`, their numbering too), after
        every packet this process queued before: they go out first, on the same connection, so
        none of them recreates a Stream afterwards. Waits (bounded) until Redis did it."""
        keys = [key for room in rooms for key in
                self._stream_keys(self.room_channel("/", room))[:2 if counters else 1]]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outq.append((replay.FORGET, (keys, done)))
        if self._pub_task is None:
            self._pub_task = asyncio.get_running_loop().create_task(self._drain())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(done), SUBSCRIBE_WAIT_SECONDS)

    # Listening ------------------------------------------------------------------------------
    def _redis_connect(self) -> None:
        super()._redis_connect()
        # Subscription confirmations are wanted: `enter_room` waits for them.
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=False)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        # python-socketio 5.x's loop with LISTEN_BACKOFF_SECONDS instead of 1..60 s, and every
        # wanted room channel subscribed again; the exception text is not logged (it can name
        # the Redis host).
        first, longest = LISTEN_BACKOFF_SECONDS
        wait = first
        while True:
            try:
                self._redis_connect()
                self._confirmed.clear()
                self._pending_subs.clear()
                self._sync_subscriptions()
                rooms = sorted(self._wanted)
                self._pending_subs.update(rooms)
                # Only one task may open the pubsub connection: changes made while this
                # SUBSCRIBE is on its way are sent after it, on the same connection.
                await self.pubsub.subscribe(self.channel, *rooms)
                self._listening = True
                self._sync_subscriptions()
                sent = set(rooms)
                late = sorted(self._wanted - sent), sorted(sent - self._wanted)
                if late[0] or late[1]:
                    self._spawn(self._send_subscriptions(*late))
                wait = first
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any failure: reconnect, as python-socketio does
                self._listening = False
                for name in self._wanted - self._confirmed:  # a first SUBSCRIBE lost with it:
                    if not replay.replayed(name):  # its user room is told `inbox.resync` too
                        self._floor.setdefault(name, 0)
                self._get_logger().error("fanout.reconnect",
                                         extra={"fields": {"code": type(exc).__name__}})
                with contextlib.suppress(Exception):  # the dead subscriber's connection
                    await self.pubsub.aclose()
                await asyncio.sleep(wait * (0.5 + random.random()))
                wait = min(wait * 2, longest)

    async def _listen(self) -> AsyncIterator[Any]:
        shared = self.channel.encode()
        async for message in self._redis_listen_with_retries():
            kind = message.get("type")
            channel = message.get("channel")
            name = channel.decode() if isinstance(channel, bytes) else channel
            if kind == "message":
                data = message.get("data")
                if channel == shared:
                    self.stats["shared_decoded"] += 1
                    yield data
                    continue
                if data[:1] == b"{":  # not numbered (see replay.replayed)
                    for out in self._accept(name, (None, data)):
                        yield out
                    continue
                number_text, _, packet = data.partition(b" ")
                number = int(number_text)
                last = self._last.get(name)
                if last is not None and number > last + 1:  # a gap: what it missed first
                    for missed in await self._replay(name, last):
                        for out in self._accept(name, missed):
                            yield out
                for out in self._accept(name, (number, packet)):
                    yield out
            elif kind == "subscribe" and channel != shared:
                for out in await self._subscribed(name):
                    yield out
            elif kind == "unsubscribe" and channel != shared and not self._pending_subs[name]:
                self._confirmed.discard(name)
