"""One timer for every Engine.IO ping of a server, instead of a sleeping task per socket.

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
