"""Liveness without a timer per connection: one timer pings every Engine.IO socket of a server
(instead of a sleeping task per socket), one sweep ends the silent websockets (instead of a
receive timeout per socket). Both were most of an idle connection's asyncio memory (issue 14).

Engine.IO (4.15) pings each socket from a task of its own: `AsyncSocket.schedule_ping` starts
`AsyncSocket._send_ping` through `server.start_background_task`; it sleeps `ping_interval`,
then, unless the socket is closing or closed, stamps `last_ping = time.time()` and sends a
PING. The client's PONG schedules the next one. So every idle connection holds a Task, its
coroutine, a sleep future and a timer handle all the time (about 1 KB; issue 14).

`PingTimer` does the same with one loop timer per server: `schedule(socket)` appends
(due, socket) to a FIFO (one interval for every socket, so the due times come in order) and
the timer, set for the head, sends every PING that is due. Sending is `_send_ping`'s body:
skip a closing or closed socket, stamp `last_ping` (wall time, as Engine.IO compares it), queue
the PING (the frame is built once for an `Outbox`; `put_nowait` on Engine.IO's own queue). How
a dead client is found is unchanged: Engine.IO's service task and `send` check `last_ping`
against `ping_timeout`, and the websocket reader ends after `ping_interval + ping_timeout` of
silence.

`Silence` is the reader side: a websocket that sent nothing for `ping_interval + ping_timeout`
is ended, as Engine.IO's own reader loop does with its receive timeout (see the class).

`install` routes only `AsyncSocket._send_ping` (bound, no arguments) to the timer; every other
background task starts as before. That is Engine.IO internals, so it is installed with the rest
of the fast path, on the tested versions only (server.api.fanout.TESTED);
tests/server/test_pings.py pins the behaviour.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket

from server.api.outbox import Outbox, packet_frame

PING_FRAME = packet_frame(eio_packet.Packet(eio_packet.PING))
_EARLY = 0.005  # a loop timer may fire this much before its time (clock resolution)


def send_ping(socket: Any) -> None:
    """`AsyncSocket._send_ping` after its sleep, without a task."""
    if socket.closing or socket.closed:
        return
    socket.last_ping = time.time()
    queue = socket.queue
    if type(queue) is Outbox:
        queue.push(PING_FRAME)
    else:
        queue.put_nowait(eio_packet.Packet(eio_packet.PING))


class PingTimer:
    """The pings of one Engine.IO server, due in order, on one loop timer."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._due: deque[tuple[float, Any]] = deque()
        self._handle: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"PingTimer(waiting={len(self._due)})"

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, socket: Any) -> None:
        """Ping `socket` one interval from now."""
        loop = asyncio.get_running_loop()
        self._due.append((loop.time() + self._interval, socket))
        if self._handle is None:
            self._handle = loop.call_at(self._due[0][0], self._fire)

    def _fire(self) -> None:
        loop = asyncio.get_running_loop()
        self._handle = None
        now = loop.time() + _EARLY
        due = self._due
        while due and due[0][0] <= now:
            _, socket = due.popleft()
            try:
                send_ping(socket)
            except Exception as exc:  # one socket's failure must not stop the others' pings
                socket.server.logger.info("ping error: %s", type(exc).__name__)
        if due:
            self._handle = loop.call_at(due[0][0], self._fire)


class Silence:
    """Ends the websockets that sent nothing for `limit` seconds, from one periodic timer.

    It stands in for a receive timeout per connection (an asyncio `Timeout` and a loop timer
    handle each, about 0.8 KB, re-made for every message): `run_socket` stamps
    `Outbox.seen_at` when a message arrives, and every `period` seconds the sweep finishes the
    outboxes silent for longer than `limit` (close frame, transport closed, aborted after
    `grace` if the peer does not read), which ends their reader loop as the timeout did. A
    silent connection is found `limit` to `limit + period` seconds after its last message.
    """

    def __init__(self, limit: float, period: float, grace: float) -> None:
        self._limit, self._period, self._grace = limit, period, grace
        self._watched: set[Outbox] = set()
        self._handle: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"Silence(watched={len(self._watched)})"

    def __len__(self) -> int:
        return len(self._watched)

    def watch(self, outbox: Outbox) -> None:
        """Watch `outbox` from now on (its connection has just said something)."""
        loop = asyncio.get_running_loop()
        outbox.seen_at = loop.time()
        self._watched.add(outbox)
        if self._handle is None:
            self._handle = loop.call_later(self._period, self._sweep)

    def forget(self, outbox: Outbox) -> None:
        """The connection has ended."""
        self._watched.discard(outbox)

    def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        self._handle = None
        oldest = loop.time() - self._limit
        silent = [box for box in self._watched if box.seen_at < oldest]
        for box in silent:
            self._watched.discard(box)
            box.finish()
            loop.call_later(self._grace, box.abort)
        if self._watched:
            self._handle = loop.call_later(self._period, self._sweep)


def install(eio: Any) -> PingTimer:
    """Ping the sockets of Engine.IO server `eio` from one `PingTimer`."""
    timer = PingTimer(eio.ping_interval)
    stock: Callable[..., Any] = eio.start_background_task

    def start_background_task(target: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and \
                getattr(target, "__func__", None) is AsyncSocket._send_ping:
            timer.schedule(target.__self__)
            return None  # schedule_ping keeps no handle
        return stock(target, *args, **kwargs)

    eio.start_background_task = start_background_task
    return timer
