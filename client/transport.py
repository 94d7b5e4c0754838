"""The socket layer: one python-socketio ``AsyncClient`` over the websocket transport.

This module knows Socket.IO and nothing about encryption or rooms. It offers
``request(event, payload)`` (emit with an ack, check ``ok``, raise ``ClientError``) and hands
every server push, in arrival order, to one synchronous callback. Ordering matters: Engine.IO
runs each incoming frame in its own task, so the callback must not await; the owner puts the
push on a queue and one consumer handles pushes one after another.

Reconnection is this module's own loop (exponential backoff with jitter, bounded delay), after
any drop including a clean server shutdown; after a reconnect the callback receives the
synthetic event ``RECONNECTED`` so the owner can authenticate again, rejoin rooms and fetch the
inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import socketio

from client.clock import Rng, system_rng, unit_interval
from client.errors import (
    BAD_REPLY,
    DISCONNECTED,
    RATE_LIMITED,
    TIMEOUT,
    ClientError,
    TransportError,
)
from client.moderation import MOD_PUSHES

log = logging.getLogger(__name__)

# Server→client pushes from docs/protocol.md; anything else is ignored.
PUSH_EVENTS = (
    "room.envelope",
    "room.membership",
    "group.opened",
    "group.closing",
    "group.closed",
    "room.resync",  # issue 14: pushes of a room were lost (client/groups.py)
    "inbox.resync",  # issue 14: pushes to me may have been lost: read the inbox (client/peer.py)
    "direct.envelope",
    "keys.low",
    *MOD_PUSHES,  # issue 10 (client/moderation.py)
    # escalation (client/cases.py, client/staff_cases.py)
    "case.update",
    "case.counsellor",
    "case.closed",
    "case.invite",
    "case.handoff",
    "case.offer",
    "case.alert",
    "case.taken",
    "case.transfer_offer",
    "case.transferred",
    "case.ended",
    "case.queue",
    "cases.resync",  # issue 14: case pushes to the duty pool may have been lost (staff_cases.py)
)
RECONNECTED = "__reconnected__"
DISCONNECTED_EVENT = "__disconnected__"

REQUEST_TIMEOUT_S = 15.0
RATE_LIMIT_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0)
"""Waits before retrying a request the server refused with ``rate_limited``; a refused call
changed nothing, so repeating it is safe. Sharing a sender key with a full room (30 members)
needs more 1:1 sends and key fetches than the per-connection burst allows."""
RECONNECT_DELAY_S = 0.5
RECONNECT_DELAY_MAX_S = 10.0
SOCKETIO_PATH = "socket.io"

PushCallback = Callable[[str, Any], None]
Request = Callable[[str, "dict[str, Any] | None"], Awaitable[dict[str, Any]]]
"""``request(event, payload)``: what the layers above need of a connection (tests pass fakes)."""


class Transport:
    """A Socket.IO connection with typed request errors and ordered pushes."""

    def __init__(
        self,
        url: str,
        on_push: PushCallback,
        *,
        request_timeout: float = REQUEST_TIMEOUT_S,
        reconnect_delay: float = RECONNECT_DELAY_S,
        reconnect_delay_max: float = RECONNECT_DELAY_MAX_S,
        rng: Rng = system_rng,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._url = url
        # Sent on the websocket upgrade (a staff session's Cookie); never logged or in repr.
        self._headers = dict(headers or {})
        self._on_push = on_push
        self._request_timeout = request_timeout
        self._connected_once = False
        self._closing = False
        self._pending: set[asyncio.Future[Any]] = set()
        self._reconnect_delay = reconnect_delay
        self._reconnect_delay_max = reconnect_delay_max
        self._rng = rng
        self._reconnect_task: asyncio.Task[None] | None = None
        # Our own reconnect loop, not socketio's: socketio does not reconnect after a clean
        # server-side disconnect (a restart or deploy), and a peer must come back after those too.
        self._sio = socketio.AsyncClient(reconnection=False, logger=False, engineio_logger=False)
        self._sio.on("connect", self._handle_connect)
        self._sio.on("disconnect", self._handle_disconnect)
        for name in PUSH_EVENTS:
            self._sio.on(name, self._make_handler(name))

    def __repr__(self) -> str:
        return f"Transport(connected={self.connected})"

    @property
    def connected(self) -> bool:
        """Whether the socket is up right now."""
        return bool(self._sio.connected)

    def _make_handler(self, name: str) -> Callable[[Any], None]:
        def handler(data: Any = None) -> None:
            self._on_push(name, data)

        return handler

    def _handle_connect(self) -> None:
        if self._connected_once:
            self._on_push(RECONNECTED, None)
        self._connected_once = True

    def _handle_disconnect(self, reason: Any = None) -> None:
        for answer in list(self._pending):
            if not answer.done():
                answer.set_exception(TransportError(DISCONNECTED, "connection lost"))
        if not self._closing:
            self._on_push(DISCONNECTED_EVENT, None)
            if self._reconnect_task is None or self._reconnect_task.done():
                self._reconnect_task = asyncio.get_running_loop().create_task(
                    self._reconnect_loop(), name="iltapiiri-reconnect"
                )

    async def _reconnect_loop(self) -> None:
        """Connect again with exponential backoff (jittered, capped) until it works or we close."""
        delay = self._reconnect_delay
        while not self._closing:
            # Jitter spreads a crowd of clients out after a server restart (not security).
            await asyncio.sleep(delay * (0.5 + unit_interval(self._rng)))
            if self._closing or self._sio.connected:
                return
            try:
                await self._open()
                return  # the connect handler reports RECONNECTED
            except (socketio.exceptions.ConnectionError, ValueError):
                # ValueError: the old Engine.IO session is still being torn down.
                delay = min(delay * 2, self._reconnect_delay_max)

    async def connect(self) -> None:
        """Open the websocket; raise ``TransportError`` if the server cannot be reached."""
        try:
            await self._open()
        except socketio.exceptions.ConnectionError as exc:
            # The exception text can carry the address; keep only the class name.
            raise TransportError(DISCONNECTED, f"cannot connect ({type(exc).__name__})") from None

    async def _open(self) -> None:
        try:
            await self._sio.connect(
                self._url,
                transports=["websocket"],
                socketio_path=SOCKETIO_PATH,
                headers=self._headers,
                wait_timeout=int(self._request_timeout),
            )
        except BaseException:
            # Engine.IO keeps the aiohttp session of a failed attempt open; close it so a client
            # that cannot reach the server leaks nothing (the next attempt makes a new one).
            http = getattr(self._sio.eio, "http", None)
            if http is not None and not http.closed:
                await http.close()
            raise

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Emit ``event`` with an ack; return the ack without ``ok`` or raise ``ClientError``.

        A ``rate_limited`` answer is retried after ``RATE_LIMIT_RETRY_DELAYS_S``.
        """
        for delay in (*RATE_LIMIT_RETRY_DELAYS_S, None):
            try:
                return await self._request_once(event, payload)
            except ClientError as err:
                if err.code != RATE_LIMITED or delay is None:
                    raise
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _request_once(self, event: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()

        def on_ack(*args: Any) -> None:
            if not answer.done():
                answer.set_result(args[0] if args else None)

        # Own futures rather than ``AsyncClient.call``: socketio forgets pending acks when the
        # socket drops without waking the caller, which would stall it for the whole timeout.
        self._pending.add(answer)
        try:
            try:
                await self._sio.emit(
                    event, payload if payload is not None else {}, callback=on_ack
                )
            except socketio.exceptions.BadNamespaceError:
                raise TransportError(DISCONNECTED, f"{event}: not connected") from None
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns the answer when
                # it arrives at the moment the caller is cancelled, swallowing the cancellation.
                async with asyncio.timeout(self._request_timeout):
                    reply = await answer
            except TimeoutError:
                raise TransportError(TIMEOUT, f"{event}: no answer") from None
        finally:
            self._pending.discard(answer)
        if not isinstance(reply, dict):
            raise ClientError(BAD_REPLY, f"{event}: reply is not an object")
        if reply.get("ok") is not True:
            code = reply.get("error")
            message = reply.get("message")
            raise ClientError(
                code if isinstance(code, str) and code else BAD_REPLY,
                message if isinstance(message, str) else "",
            )
        return {k: v for k, v in reply.items() if k != "ok"}

    async def drop(self) -> None:
        """Cut the websocket as a network fault would, so automatic reconnection starts.

        For tests and for a client that notices a stale link; ``close`` is the normal exit.
        """
        eio = self._sio.eio
        if eio.ws is not None:
            await eio.ws.close()

    async def close(self) -> None:
        """Disconnect for good (no reconnection)."""
        self._closing = True
        if self._reconnect_task is not None:
            self._reconnect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect_task
        await self._sio.disconnect()
        await self._sio.shutdown()
