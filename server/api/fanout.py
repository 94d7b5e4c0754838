"""python-socketio client managers with a fast fan-out, and the switch that installs them.

Stock `AsyncManager.emit` creates one task per recipient, each of which queues the packet for
that socket's Engine.IO writer task, then waits on all of them. `fast_emit` encodes the
Socket.IO packet once, builds the websocket frame once and pushes the same bytes synchronously
into each recipient's `server.api.outbox.Outbox`; the outboxes are written once per event-loop tick.
Anything the fast path does not cover goes the stock way, unchanged: emits with an ack callback,
binary attachments, and sockets not served by `server.api.outbox` (long-polling, upgrades).

`FanoutRedisManager` does the same for the local delivery of Redis-backed emits (its own and
other processes'); publishing is python-socketio's (redis-py uses hiredis when installed).

The fast path depends on Engine.IO internals, so `install` turns it on only for the versions in
`TESTED` (tests/server/test_fanout.py guards the behaviour); elsewhere the service runs on the
stock managers and says so in its start-up log.
"""

from __future__ import annotations

import asyncio
import base64
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
    packet_class: Any = manager.server.packet_class
    # Our own encoding stands in for Packet.encode only where that is python-socketio's
    # (server.sio_guard's BoundedPacket changes decoding alone).
    if getattr(packet_class, "encode", None) is not sio_packet.Packet.encode:
        return None
    try:
        body: str = packet_class.json.dumps([event, *args], separators=(",", ":"))
    except TypeError:
        return None
    prefix = "2" if namespace == "/" else f"2{namespace},"
    return prefix + body


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
    """The Redis manager with `fast_emit` for local delivery."""

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


def make_manager(redis_url: str | None, *, fast: bool) -> socketio.AsyncManager | None:
    """The client manager for `socketio.AsyncServer` (None: python-socketio's default)."""
    if fast:
        return FanoutRedisManager(redis_url) if redis_url else FanoutManager()
    return RetryingRedisManager(redis_url) if redis_url else None


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
