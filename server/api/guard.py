"""python-socketio with a guard in front of its dispatch (pinned: python-socketio 5.18.x).

python-socketio hands a client-sent event named `connect` or `disconnect` to the handlers the
server registered under those names, so a frame `42["connect",{}]` could run the server's own
set-up again (threat-model finding 1). `GuardedServer` overrides four internal hooks:

    _handle_eio_connect     a new transport: `Guard.admit` may refuse it (401) before anything
    _handle_connect         a Socket.IO `40`: one session per transport; a second one closes it;
                            after it, the transport's environ is emptied (read once, kept by
                            Engine.IO for the life of the websocket)
    _handle_event           only events in `Guard.events` reach a handler; anything else
                            (reserved, unknown, not a string, a rejected payload) is answered
                            by `Guard.refuse` without running one
    _handle_eio_disconnect  the transport is gone: `Guard.closed`

    _handle_eio_message     a packet Socket.IO cannot decode closes the transport (no
                            error-level log line, no traceback)

Below Socket.IO, `FrameCheckedWebSocket` ends a websocket whose frame is not an Engine.IO
packet (empty, NUL, bad base64): Engine.IO would raise outside its own error handling, aiohttp
would log the peer's address, and the session would linger until its ping timeout.

`BoundedPacket` decodes every incoming packet with bounded JSON: an integer of more than
`MAX_JSON_INT_DIGITS` digits, nesting deeper than `MAX_JSON_DEPTH`, NaN/Infinity or text that
is not JSON at all turns the packet into the
event `REJECTED_EVENT`, which the guard answers with `bad_request` (no error-level log line).

tests/server/test_sio_guard.py pins the behaviour; a python-socketio upgrade that renames these
hooks fails there, not in production.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final, Protocol

import socketio
from engineio.async_drivers import aiohttp as eio_aiohttp
from socketio import packet as sio_packet

MAX_JSON_DEPTH: Final = 16
MAX_JSON_INT_DIGITS: Final = 20
REJECTED_EVENT: Final = "\x00rejected"


class PayloadRejected(ValueError):
    """An incoming JSON payload is outside the bounds (never carries the payload)."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise PayloadRejected("integer too large")
    return int(text)


def _depth_ok(value: object) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def bounded_loads(text: str | bytes) -> Any:
    """`json.loads` that refuses huge integers, deep nesting, NaN/Infinity and non-JSON."""
    def no_constant(name: str) -> object:
        raise PayloadRejected("non-finite number")

    try:
        value = json.loads(text, parse_int=_bounded_int, parse_constant=no_constant)
    except RecursionError as exc:
        raise PayloadRejected("nesting too deep") from exc
    except json.JSONDecodeError as exc:  # its message quotes the document: not kept
        raise PayloadRejected("not JSON") from exc.__cause__
    if not _depth_ok(value):
        raise PayloadRejected("nesting too deep")
    return value


class _BoundedJson:
    """The `json` module shape python-socketio's packet class expects."""

    loads = staticmethod(bounded_loads)
    dumps = staticmethod(json.dumps)


class BoundedPacket(sio_packet.Packet):  # type: ignore[misc]
    """A Socket.IO packet whose JSON payload is decoded with bounds."""

    json = _BoundedJson

    def decode(self, encoded_packet: str) -> int:
        """See socketio.packet.Packet; an out-of-bounds payload becomes REJECTED_EVENT."""
        try:
            return int(super().decode(encoded_packet))
        except PayloadRejected:
            self.data = [REJECTED_EVENT]
            return 0


_EIO_TYPES: Final = frozenset("0123456")


def is_engineio_frame(data: str | bytes) -> bool:
    """True if a websocket frame can be an Engine.IO packet (binary frames are messages)."""
    if isinstance(data, bytes):
        return True
    if not data:
        return False
    if data[0] == "b":
        try:
            base64.b64decode(data[1:], validate=True)
        except (binascii.Error, ValueError):
            return False
        return True
    return data[0] in _EIO_TYPES


class FrameCheckedWebSocket(eio_aiohttp.WebSocket):  # type: ignore[misc]
    """Engine.IO's aiohttp websocket, ending the connection on a frame it cannot decode."""

    async def wait(self) -> str | bytes:
        """See engineio; an OSError is how Engine.IO is told the websocket is over."""
        data: str | bytes = await super().wait()
        if not is_engineio_frame(data):
            raise OSError("malformed frame")
        return data


class Guard(Protocol):
    """What the server asks before it dispatches (implemented by the Socket.IO adapter)."""

    events: frozenset[str]

    def admit(self, eio_sid: str, environ: dict[str, Any]) -> bool: ...

    def closed(self, eio_sid: str) -> None: ...

    async def refuse(self, sid: str, event: object) -> dict[str, Any]: ...


class GuardedServer(socketio.AsyncServer):  # type: ignore[misc]
    """An AsyncServer that dispatches only the guard's events (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(serializer=BoundedPacket, **kwargs)
        self.guard: Guard | None = None
        self._sessions_opened: set[str] = set()
        if self.eio.async_mode == "aiohttp":
            self.eio._async = {**self.eio._async, "websocket": FrameCheckedWebSocket}

    async def _handle_eio_message(self, eio_sid: str, data: str | bytes) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError:  # not a Socket.IO packet: a protocol violation, not a server fault
            await self.close_transport(eio_sid)

    async def close_transport(self, eio_sid: str) -> None:
        """Close the websocket itself (Engine.IO's disconnect alone waits for the client to
        close it, and a hostile client never does)."""
        sock = self.eio.sockets.get(eio_sid)
        if sock is None:
            return
        await sock.close(wait=False)
        queue = getattr(sock, "queue", None)
        if queue is not None:
            await queue.put(None)  # wakes the writer: it sends the close packet, then closes
        self.eio.sockets.pop(eio_sid, None)

    async def _handle_eio_connect(self, eio_sid: str, environ: dict[str, Any]) -> bool | None:
        if self.guard is not None and not self.guard.admit(eio_sid, environ):
            return False  # Engine.IO answers 401 and keeps nothing
        await super()._handle_eio_connect(eio_sid, environ)
        return None

    async def _handle_connect(self, eio_sid: str, namespace: str | None, data: Any) -> None:
        if eio_sid in self._sessions_opened:
            # A second `40` on one transport would start a new session with a new auth window.
            await self.close_transport(eio_sid)
            return
        self._sessions_opened.add(eio_sid)
        await super()._handle_connect(eio_sid, namespace, data)
        # The connect handler has read from the environ what the session needs (the source
        # tag, the staff cookie), and nothing reads it again (a second `40` closes the
        # transport, above). Engine.IO's suspended request chain holds this same dict for the
        # life of the websocket: emptied, it no longer keeps a copy of every header (issue 14).
        environ = self.environ.get(eio_sid)
        if environ is not None:
            environ.clear()

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: int | None,
                            data: Any) -> None:
        event = data[0] if isinstance(data, list) and data else None
        if self.guard is not None and not (isinstance(event, str)
                                           and event in self.guard.events):
            sid = self.manager.sid_from_eio_sid(eio_sid, namespace or "/")
            if sid is None or not self.manager.is_connected(sid, namespace or "/"):
                return
            reply = await self.guard.refuse(sid, event)
            if id is not None:
                await self._send_packet(eio_sid, self.packet_class(
                    sio_packet.ACK, namespace=namespace or "/", id=id, data=[reply]))
            return
        await super()._handle_event(eio_sid, namespace, id, data)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        try:
            await super()._handle_eio_disconnect(eio_sid, reason)
        finally:
            self._sessions_opened.discard(eio_sid)
            if self.guard is not None:
                self.guard.closed(eio_sid)
