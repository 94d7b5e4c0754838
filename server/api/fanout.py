"""python-socketio client managers with a fast fan-out, and the switch that installs them.

Stock `AsyncManager.emit` creates one task per recipient, each of which queues the packet for
that socket's Engine.IO writer task, then waits on all of them. `fast_emit` encodes the
Socket.IO packet once, builds the websocket frame once and pushes the same bytes synchronously
into each recipient's `server.api.outbox.Outbox`; the outboxes are written once per event-loop tick.
Anything the fast path does not cover goes the stock way, unchanged: emits with an ack callback,
binary attachments, and sockets not served by `server.api.outbox` (long-polling, upgrades).

`FanoutRedisManager` does the same for the local delivery of Redis-backed emits (its own and
other processes'); an emit to one room is JSON-encoded once for both the local packet and the
published message (`FanoutRedisManager.emit`); publishing is `server.api.redis_manager`'s.

The fast path depends on Engine.IO internals, so `install` turns it on only for the versions in
`TESTED` (tests/server/test_fanout.py guards the behaviour); elsewhere the service runs on the
stock managers and says so in its start-up log.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from functools import partial
from importlib.metadata import version
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from server.api import pings
from server.api.outbox import FastWebSocket, Flusher, Outbox, event_frame
from server.api.redis_manager import RetryingRedisManager

# Distribution -> version prefixes the fast path was tested against (pinned in pyproject.toml).
TESTED: dict[str, tuple[str, ...]] = {
    "python-socketio": ("5.18.",),
    "python-engineio": ("4.15.",),
    "aiohttp": ("3.14.",),
}


def fast_path_supported() -> bool:
    """True if every library the fast path reaches into is a tested version."""
    try:
        return all(version(dist).startswith(prefixes)
                   for dist, prefixes in TESTED.items())
    except Exception:
        return False


async def fast_emit(manager: socketio.AsyncManager, event: str, data: Any, namespace: str,
                    room: Any, skip_sid: Any) -> None:
    """Deliver one event (no ack callback) to the local participants of `room`."""
    if namespace not in manager.rooms:
        return
    if isinstance(data, tuple):
        args = list(data)
    elif data is not None:
        args = [data]
    else:
        args = []
    encoded = _encode_event(manager, event, args, namespace)
    if encoded is None:  # binary attachments (several Engine.IO packets each), custom packets
        await socketio.AsyncManager.emit(manager, event, data, namespace, room=room,
                                         skip_sid=skip_sid)
        return
    await deliver(manager, encoded, namespace, room, skip_sid)


async def deliver(manager: socketio.AsyncManager, encoded: str, namespace: str, room: Any,
                  skip_sid: Any) -> None:
    """Push one encoded Socket.IO EVENT packet to the local participants of `room`."""
    if namespace not in manager.rooms:
        return
    frame = event_frame(encoded)
    skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
    sockets = manager.server.eio.sockets
    slow: list[str] = []
    for sid, eio_sid in manager.get_participants(namespace, room):
        if sid in skip:
            continue
        sock = sockets.get(eio_sid)
        if sock is None or sock.closed:
            continue
        outbox = sock.queue
        if type(outbox) is Outbox:
            outbox.push(frame)
        else:
            slow.append(eio_sid)
    if slow:
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        await asyncio.gather(*(manager.server._send_eio_packet(s, eio_pkt) for s in slow),
                             return_exceptions=True)


def _encode_event(manager: socketio.AsyncManager, event: str, args: list[Any],
                  namespace: str) -> str | None:
    """The Socket.IO EVENT packet as `socketio.packet.Packet.encode` writes it, or None where
    that would be a binary event. JSON meets the bytes itself (TypeError), instead of the
    recursive `data_is_binary` walk the stock path makes for every emit."""
    body = _encode_args(manager, [event, *args])
    return None if body is None else _event_prefix(namespace) + body


def _encode_args(manager: socketio.AsyncManager, items: list[Any]) -> str | None:
    """`items` as compact JSON, or None where Packet.encode would not write it so."""
    packet_class: Any = manager.server.packet_class
    # Our own encoding stands in for Packet.encode only where that is python-socketio's
    # (server.sio_guard's BoundedPacket changes decoding alone).
    if getattr(packet_class, "encode", None) is not sio_packet.Packet.encode:
        return None
    try:
        return str(packet_class.json.dumps(items, separators=(",", ":")))
    except TypeError:
        return None


def _event_prefix(namespace: str) -> str:
    return "2" if namespace == "/" else f"2{namespace},"


_EVENT_AT = ', "method": "emit", "event": '
_DATA_AT = ', "data": '
_TAIL_AT = ', "binary": false, "namespace": '
_TAIL_KEYS = ["namespace", "room", "skip_sid", "callback"]


def emit_parts(message: bytes) -> tuple[str, str, str, Any] | None:
    """(Socket.IO packet, namespace, room, skip_sid) of a published room emit without binary
    data or an ack, read from the message's text as `json.dumps` writes the manager's message
    (host id first, python-socketio's key order, default separators); None for anything else.
    The data's text is found between the event and the last `"binary": false` key: the values
    after it (namespace, room, skip_sid: strings) cannot hold that text unescaped."""
    try:
        text = message.decode()
        at = text.find(_EVENT_AT)
        data_at = text.find(_DATA_AT, at)
        tail_at = text.rfind(_TAIL_AT)
        if not text.startswith('{"host_id": ') or at < 0 or not at < data_at < tail_at:
            return None
        event_text = text[at + len(_EVENT_AT):data_at]
        body = text[data_at + len(_DATA_AT):tail_at]
        tail = json.loads('{"namespace": ' + text[tail_at + len(_TAIL_AT):])
        event = json.loads(event_text)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(tail, dict) or list(tail) != _TAIL_KEYS or tail["callback"] is not None \
            or not isinstance(event, str) or not isinstance(tail["room"], str) \
            or not isinstance(tail["namespace"], str) or body[:1] != "[" or body[-1:] != "]":
        return None
    args = body[1:-1].strip()
    packet = _event_prefix(tail["namespace"]) + "[" + event_text + ("," + args if args else "") + "]"
    return packet, tail["namespace"], tail["room"], tail["skip_sid"]


class FanoutManager(socketio.AsyncManager):  # type: ignore[misc]
    """The in-process manager with `fast_emit`."""

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        """See `socketio.AsyncManager.emit`."""
        if callback is not None:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                               callback=callback, to=to, **kwargs)
            return
        await fast_emit(self, event, data, namespace, to or room, skip_sid)


class FanoutRedisManager(RetryingRedisManager):
    """The Redis manager with `fast_emit` for local delivery, and room emits encoded once."""

    async def emit(self, event: str, data: Any, namespace: str | None = None, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None,
                   **kwargs: Any) -> None:
        """As `socketio.AsyncPubSubManager.emit`, for an emit to one room with no ack: the
        arguments are JSON-encoded once, for the local Socket.IO packet and the published
        message alike (the stock path walks them for binary data, encodes them for the packet,
        then encodes the whole message again). The message published is the stock one, host id
        first (`RetryingRedisManager._publish`), with the data written compactly."""
        room = to or room
        namespace = namespace or "/"
        if callback is None and not kwargs.get("ignore_queue") and data is not None \
                and isinstance(room, str) and self._own_prefix:  # (set by `initialize`)
            args = list(data) if isinstance(data, tuple) else [data]
            body = _encode_args(self, args)
            if body is not None:
                dumps = self.json.dumps
                head = _event_prefix(namespace) + "[" + dumps(event)
                await deliver(self, head + ("," + body[1:] if args else "]"), namespace, room,
                              skip_sid)
                self._queue(self.room_channel(namespace, room), "".join((
                    self._own_prefix.decode(), ', "method": "emit", "event": ', dumps(event),
                    ', "data": ', body, ', "binary": false, "namespace": ', dumps(namespace),
                    ', "room": ', dumps(room), ', "skip_sid": ', dumps(skip_sid),
                    ', "callback": null}')))
                return
        await super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                           callback=callback, **kwargs)

    async def _listen(self) -> AsyncIterator[Any]:
        # A room emit from another process is delivered here from its text: its arguments'
        # JSON becomes the local packet as it is, without the decode (python-socketio's
        # `_thread`) and the encode again (`fast_emit`). Anything else goes the stock way.
        async for message in super()._listen():
            if isinstance(message, bytes) and not message.startswith(self._own_prefix) \
                    and self.server.packet_class.encode is sio_packet.Packet.encode:
                parts = emit_parts(message)
                if parts is not None:
                    await deliver(self, *parts)
                    continue
            yield message

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        # As AsyncPubSubManager._handle_emit (python-socketio 5.18), with the local delivery
        # replaced; remote ack callbacks keep the stock path.
        remote_callback = message.get("callback")
        data = message["data"]
        if message.get("binary"):
            attachments = [base64.b64decode(a) for a in data[1:]]
            data = sio_packet.Packet.reconstruct_binary(data[0], attachments)
        if isinstance(data, list):
            data = data[0] if len(data) == 1 else tuple(data)
        if remote_callback is not None and len(remote_callback) == 3:
            callback = partial(self._return_callback, message.get("host_id"), *remote_callback)
            await socketio.AsyncManager.emit(
                self, message["event"], data, namespace=message.get("namespace"),
                room=message.get("room"), skip_sid=message.get("skip_sid"), callback=callback)
            return
        await fast_emit(self, message["event"], data, message.get("namespace") or "/",
                        message.get("room"), message.get("skip_sid"))


def make_manager(redis_url: str | None, *, fast: bool,
                 seq_keys: Callable[[str], tuple[str, str]] | None = None,
                 seq_ttl: int = 0) -> socketio.AsyncManager | None:
    """The client manager for `socketio.AsyncServer` (None: python-socketio's default).
    `seq_keys`, `seq_ttl`: the room store's envelope numbering, for `emit_numbered`."""
    if not redis_url:
        return FanoutManager() if fast else None
    manager = FanoutRedisManager if fast else RetryingRedisManager
    return manager(redis_url, seq_keys=seq_keys, seq_ttl=seq_ttl)


def install(sio: socketio.AsyncServer, *, send_buffer_limit: int, grace_seconds: float) -> None:
    """Serve this server's websockets through `server.api.outbox` (one Flusher per server),
    ping them from one `server.api.pings.PingTimer` instead of a task per socket, and end the
    silent ones from one `server.api.pings.Silence` instead of a receive timeout per socket."""
    eio = sio.eio
    silent_after = eio.ping_interval + eio.ping_timeout  # as Engine.IO's own reader loop
    silence = pings.Silence(silent_after, min(5.0, silent_after / 4), grace_seconds)
    wrapper = type("ServerFastWebSocket", (FastWebSocket,), {
        "flusher": Flusher(), "silence": silence, "limit": send_buffer_limit,
        "grace": grace_seconds})
    eio._async = {**eio._async, "websocket": wrapper}
    pings.install(eio)
