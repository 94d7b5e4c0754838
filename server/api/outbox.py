"""The fast websocket path: one ordered, bounded, per-tick coalesced writer per connection.

Stock Engine.IO gives every websocket a writer task that wakes once per packet, encodes it and
makes one `send()` per packet. Here every packet for a connection (room pushes, acks, pings,
Engine.IO's own OPEN/CLOSE) goes into that connection's `Outbox` as finished websocket frame
bytes; one `Flusher` per server writes each dirty outbox with one `transport.write` at the end
of the event-loop tick. So a room push is encoded once and framed once (the same `bytes` object
sits in every recipient's outbox), nothing wakes per packet, and per-connection order is the
order of `push` calls, whoever pushed.

    frame = 0x80|opcode, length (7 bits | 126 + u16 | 127 + u64), payload   (server frames are
    never masked, RFC 6455 5.1; no RSV bits: compression is off for ciphertext)

Slow consumers: a connection whose bytes not yet taken by the kernel (asyncio's write buffer
plus this tick's pending frames) would pass `limit` is dropped. It gets, after what is already
buffered, a `connection.dropped` event with reason `slow_consumer` and a websocket close frame
(code 4008, same reason), then its transport is closed, and aborted after `grace` seconds if it
still does not read. Its memory never grows past `limit` plus those two small frames.

This module uses Engine.IO's socket internals (`queue`, `_websocket_handler`) and, to let an
upgraded connection's HTTP parser go, aiohttp's `RequestHandler._parser`; `server.api.fanout`
installs it only on the versions the behaviour tests ran against.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet

from server.api.guard import is_engineio_frame

if TYPE_CHECKING:
    from server.api.pings import Silence

TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
SLOW_CONSUMER_CLOSE_CODE = 4008  # private-use range (RFC 6455 7.4.2)
SLOW_CONSUMER_REASON = "slow_consumer"
GOING_AWAY = 1001


def ws_frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """One final, unmasked websocket frame carrying `payload`."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


def close_frame(code: int, reason: str) -> bytes:
    """A websocket close frame."""
    return ws_frame(struct.pack("!H", code) + reason.encode(), CLOSE)


def packet_frame(pkt: eio_packet.Packet) -> bytes:
    """The websocket frame of one Engine.IO packet (text, or binary for bytes payloads)."""
    encoded = pkt.encode()
    if isinstance(encoded, bytes):
        return ws_frame(encoded, BINARY)
    return ws_frame(encoded.encode(), TEXT)


def event_frame(encoded_socketio_packet: str) -> bytes:
    """The websocket frame of an Engine.IO MESSAGE carrying an encoded Socket.IO packet."""
    return ws_frame(("4" + encoded_socketio_packet).encode(), TEXT)


DROPPED_FRAME = event_frame(
    "2" + json.dumps(["connection.dropped", {"reason": SLOW_CONSUMER_REASON}],
                     separators=(",", ":")))


class Flusher:
    """Writes every outbox that got frames this tick, once, at the start of the next tick."""

    def __init__(self) -> None:
        self._dirty: list[Outbox] = []
        self._scheduled = False
        self.tasks: set[asyncio.Task[None]] = set()  # close-after-drop tasks, kept referenced

    def __repr__(self) -> str:
        return f"Flusher(dirty={len(self._dirty)})"

    def mark(self, outbox: Outbox) -> None:
        """Flush `outbox` soon."""
        self._dirty.append(outbox)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush_all)

    def flush_all(self) -> None:
        """Write everything pending."""
        self._scheduled = False
        dirty, self._dirty = self._dirty, []
        for outbox in dirty:
            outbox.flush()


class Outbox:
    """One connection's pending frames; stands in for Engine.IO's per-socket queue."""

    __slots__ = ("_closed_wait", "_flusher", "_limit", "_on_drop", "_pending", "_pending_bytes",
                 "_transport", "closed", "dirty", "dropped", "seen_at")

    def __init__(self, transport: asyncio.Transport, flusher: Flusher, limit: int,
                 on_drop: Callable[[], None]) -> None:
        self._transport = transport
        self._flusher = flusher
        self._limit = limit
        self._on_drop = on_drop
        self._pending: list[bytes] | None = None  # made per tick: an idle outbox holds no list
        self._pending_bytes = 0
        self._closed_wait: asyncio.Future[None] | None = None
        self.closed = False
        self.dirty = False
        self.dropped = False
        self.seen_at = 0.0  # loop time the peer last sent a message (server.api.pings.Silence)

    def __repr__(self) -> str:
        return f"Outbox(pending={self.qsize()}, closed={self.closed})"

    def push(self, frame: bytes) -> None:
        """Queue one finished frame (dropped silently once the outbox is closed)."""
        if self.closed:
            return
        buffered = self._transport.get_write_buffer_size() + self._pending_bytes + len(frame)
        if buffered > self._limit:
            self._drop()
            return
        if self._pending is None:
            self._pending = [frame]
        else:
            self._pending.append(frame)
        self._pending_bytes += len(frame)
        if not self.dirty:
            self.dirty = True
            self._flusher.mark(self)

    def flush(self) -> None:
        """Hand everything pending to the transport in one write."""
        self.dirty = False
        pending = self._pending
        if pending is None:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self._pending = None
        self._pending_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def finish(self, *, send_close: bool = True) -> None:
        """Write what is pending and (unless the websocket already sent one) a close frame,
        then close the transport gracefully."""
        if self.closed:
            return
        self.flush()
        self.closed = True
        if not self._transport.is_closing():
            if send_close:
                self._transport.write(close_frame(GOING_AWAY, ""))
            self._transport.close()
        self._release_waiters()

    def abort(self) -> None:
        """Abort the transport (a peer that did not read what `finish` wrote)."""
        self._transport.abort()

    def _drop(self) -> None:
        self.flush()
        self.closed = self.dropped = True
        if not self._transport.is_closing():
            self._transport.write(DROPPED_FRAME + close_frame(SLOW_CONSUMER_CLOSE_CODE,
                                                              SLOW_CONSUMER_REASON))
            self._transport.close()
        self._release_waiters()
        self._on_drop()

    def _release_waiters(self) -> None:
        if self._closed_wait is not None and not self._closed_wait.done():
            self._closed_wait.set_result(None)

    # The asyncio.Queue surface Engine.IO's socket uses -------------------------------------
    async def put(self, pkt: eio_packet.Packet | None) -> None:
        """Engine.IO `socket.send`; `None` (the writer's stop signal) closes the websocket."""
        self.put_nowait(pkt)

    def put_nowait(self, pkt: eio_packet.Packet | None) -> None:
        """See `put`."""
        if pkt is None:
            self.finish()
        else:
            self.push(packet_frame(pkt))

    async def join(self) -> None:
        """Engine.IO `socket.close(wait=True)`: everything queued is handed to the transport."""
        self.flush()

    async def get(self) -> None:
        """Only Engine.IO's own writer reads its queue, and it is not run on this path; a
        stray reader waits until the outbox closes and then gets the stop signal."""
        if not self.closed:
            if self._closed_wait is None:
                self._closed_wait = asyncio.get_running_loop().create_future()
            await self._closed_wait

    def get_nowait(self) -> None:
        """Nothing is ever readable."""
        raise asyncio.QueueEmpty

    def task_done(self) -> None:
        """Nothing to account for."""

    def empty(self) -> bool:
        """True once flushed."""
        return self._pending is None

    def qsize(self) -> int:
        """Frames not yet handed to the transport."""
        return 0 if self._pending is None else len(self._pending)


class FastWebSocket:
    """Engine.IO's aiohttp websocket wrapper (`server._async['websocket']`), replaced: a plain
    websocket-transport connection runs `run_socket` (reader loop + `Outbox`); anything else
    (an upgrade from polling) runs Engine.IO's own handler. Compression is off either way."""

    flusher: Flusher
    silence: Silence
    limit: int
    grace: float

    def __init__(self, handler: Callable[[Any], Any], server: Any) -> None:
        self.handler = handler
        self.server = server
        self._sock: web.WebSocketResponse | None = None

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size,
                                           compress=False)
        await self._sock.prepare(request)
        socket = getattr(self.handler, "__self__", None)
        transport = request.transport
        if socket is None or socket.connected or transport is None:
            await self.handler(self)
        else:
            drop_http_parser(request.protocol)
            await run_socket(socket, self._sock, transport, self.flusher, self.silence,
                             self.limit, self.grace)
        return self._sock

    # Engine.IO's websocket wrapper interface, for the stock handler.
    async def close(self) -> None:
        """Close the websocket."""
        assert self._sock is not None
        await self._sock.close()

    async def send(self, message: str | bytes) -> None:
        """Send one message."""
        assert self._sock is not None
        if isinstance(message, bytes):
            await self._sock.send_bytes(message)
        else:
            await self._sock.send_str(message)

    async def wait(self) -> str | bytes:
        """Receive one message."""
        assert self._sock is not None
        msg = await self._sock.receive()
        if not isinstance(msg.data, bytes | str):
            raise OSError
        return msg.data


def drop_http_parser(protocol: Any) -> None:
    """Let go of the connection's HTTP/1.1 parser once the websocket upgrade is accepted
    (about 1 KB an idle connection would keep). aiohttp 3.14's `RequestHandler` never uses it
    again: `data_received` feeds the websocket parser once `_upgraded` is set,
    `pause_reading`/`resume_reading` skip it when upgraded, and `finish_response` reads it only
    for a declined upgrade (no websocket parser), checking for None; connection_lost sets it to
    None itself. tests/server/test_connection_state.py checks it is gone and a burst is still read."""
    if getattr(protocol, "_upgraded", False) and \
            getattr(protocol, "_payload_parser", None) is not None:
        protocol._parser = None


async def run_socket(socket: Any, ws: web.WebSocketResponse, transport: asyncio.Transport,
                     flusher: Flusher, silence: Silence, limit: int, grace: float) -> None:
    """Serve one Engine.IO websocket connection: packets in through Engine.IO's `receive`,
    everything out through an `Outbox` that replaces the socket's queue. A connection silent
    for `ping_interval + ping_timeout` is ended by `silence` (no timer of its own)."""
    server = socket.server
    loop = asyncio.get_running_loop()

    def dropped() -> None:
        loop.call_later(grace, transport.abort)
        task = loop.create_task(socket.close(wait=False, abort=True,
                                             reason=server.reason.TRANSPORT_ERROR))
        flusher.tasks.add(task)
        task.add_done_callback(flusher.tasks.discard)

    outbox = Outbox(transport, flusher, limit, dropped)
    old, socket.queue = socket.queue, outbox
    while not old.empty():  # the OPEN packet Engine.IO queued before the upgrade
        item = old.get_nowait()
        if item is not None:
            outbox.put_nowait(item)
    del old  # this coroutine lives as long as the connection: keep no reference to the queue
    socket.connected = socket.upgraded = True
    silence.watch(outbox)
    try:
        while True:
            try:
                msg = await ws.receive()
            except asyncio.CancelledError:
                break
            outbox.seen_at = loop.time()
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            if not is_engineio_frame(msg.data):  # as server.sio_guard.FrameCheckedWebSocket
                break
            try:
                await socket.receive(eio_packet.Packet(encoded_packet=msg.data))
            except eio_exceptions.UnknownPacketError:
                pass
            except eio_exceptions.SocketIsClosedError:
                break
            except Exception as exc:  # a bad packet ends nothing but itself (as in Engine.IO)
                server.logger.info("receive error: %s", type(exc).__name__)
    finally:
        silence.forget(outbox)
        outbox.finish(send_close=not ws.closed)
        await socket.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)
