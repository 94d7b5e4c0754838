"""One signed-in connection: the socket, the lock, ordered pushes and coming back after a drop.

``Session`` knows nothing about keys, rooms or chats. Its owner registers a handler per push
event (``on``), and gives ``open`` the set-up to run at connect and after every reconnect
(sign in, publish keys, fetch the inbox, rejoin rooms) and what to do when pushes overflowed.
A peer client and, later, a staff client are both built on it.

Ordering: Engine.IO runs each incoming frame in its own task, so the transport hands pushes
over synchronously; they go on a bounded queue and one task handles them one at a time, under
``lock``. Everything that touches the key state or must happen in order with it (send, join,
leave) takes the same lock, and a group send first ``drain``s what is already queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from client.clock import Rng, system_rng
from client.errors import DISCONNECTED, ClientError, TransportError
from client.transport import DISCONNECTED_EVENT, RECONNECTED, Transport
from e2ee.errors import E2EEError

log = logging.getLogger("client.session")

MAX_PENDING_PUSHES = 10_000
"""Server pushes waiting for the handler task; beyond it ``on_overflow`` runs once drained."""
READY_TIMEOUT_S = 20.0
"""How long a send, join or open waits for a dropped connection to be re-established."""
MAX_SETUP_RETRY_EXPONENT = 5
"""A failed set-up on a live socket is retried after 2, 4, ... 2**5 s."""

PushHandler = Callable[[Any], Awaitable[None]]
SetUp = Callable[[bool], Awaitable[None]]
"""``set_up(again)``: run with the lock held at connect (``again=False``) and after a reconnect."""


class Link(Protocol):
    """What the chat layers need of a session (``Session``; tests may pass a fake)."""

    lock: asyncio.Lock

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Emit ``event`` and return the server's answer."""
        ...

    async def await_ready(self) -> None:
        """Wait (bounded) until signed in."""
        ...

    async def drain(self) -> None:
        """Handle the pushes already queued (lock held)."""
        ...


class Session:
    """A Socket.IO connection with one lock, ordered pushes and automatic re-establishment."""

    def __init__(self, url: str, *, rng: Rng = system_rng,
                 headers: Mapping[str, str] | None = None) -> None:
        self.lock = asyncio.Lock()
        self._transport = Transport(url, self._on_push, rng=rng, headers=headers)
        self._handlers: dict[str, PushHandler] = {}
        self._pushes: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(MAX_PENDING_PUSHES)
        self._overflowed = False
        self._push_ready = asyncio.Event()
        # Clear from the moment the socket drops until the session is re-established.
        self._ready = asyncio.Event()
        self._ready.set()
        self._retries = 0  # failed set-ups in a row on a live socket (backoff exponent)
        self._set_up: SetUp | None = None
        self._on_overflow: Callable[[], Awaitable[None]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return f"Session(connected={self.connected}, ready={self.ready})"

    @property
    def connected(self) -> bool:
        """Whether the socket is up right now."""
        return self._transport.connected

    @property
    def ready(self) -> bool:
        """Whether the session is signed in (false from a drop until set-up ran again)."""
        return self._ready.is_set()

    def on(self, event: str, handler: PushHandler) -> None:
        """Handle the server push ``event`` with ``handler(data)`` (one handler per event)."""
        self._handlers[event] = handler

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Emit ``event`` and return the server's answer (``ClientError`` on refusal)."""
        return await self._transport.request(event, payload)

    async def open(
        self, set_up: SetUp, *, on_overflow: Callable[[], Awaitable[None]], name: str = ""
    ) -> None:
        """Connect, run ``set_up(False)`` under the lock, then start handling pushes."""
        self._set_up, self._on_overflow = set_up, on_overflow
        await self._transport.connect()
        try:
            async with self.lock:
                await set_up(False)
            self._ready.set()
        except BaseException:
            await self._transport.close()
            raise
        self._worker = asyncio.create_task(self._run(), name=f"iltapiiri-session-{name}")

    async def await_ready(self) -> None:
        """Wait (bounded) for a dropped connection to come back before a request the user
        asked for, so a send during a short outage is delayed rather than lost."""
        if self._ready.is_set():
            return
        try:
            await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT_S)
        except TimeoutError:
            raise TransportError(DISCONNECTED, "not connected to the server") from None

    async def close(self, final: Callable[[], None] | None = None) -> None:
        """Stop the handler task, run ``final()`` under the lock (e.g. a last save), disconnect."""
        if self._worker is not None:
            # The flag ends the loop even if a handler swallowed the cancellation (Python 3.11's
            # asyncio.wait_for can): close() then hung on a worker waiting for the next push.
            self._stopping = True
            self._worker.cancel()
            self._push_ready.set()
            # asyncio.wait, not `await worker`: the worker's CancelledError stays its own, and
            # a cancel of close()'s caller still reaches the caller.
            await asyncio.wait({self._worker})
        if final is not None:
            async with self.lock:
                final()
        await self._transport.close()

    async def drop(self) -> None:
        """Cut the socket as a network fault would; it reconnects by itself."""
        await self._transport.drop()

    # -- pushes --------------------------------------------------------------------------------

    def _on_push(self, name: str, data: Any) -> None:
        """Called by the transport synchronously, in arrival order."""
        try:
            self._pushes.put_nowait((name, data))
        except asyncio.QueueFull:
            # Direct envelopes stay in the inbox until acked; the owner refetches once drained.
            self._overflowed = True
        if name == DISCONNECTED_EVENT:
            self._ready.clear()  # at once, not when the handler gets to it
        self._push_ready.set()

    async def _run(self) -> None:
        while not self._stopping:
            await self._push_ready.wait()
            if self._stopping:
                return
            async with self.lock:
                await self.drain()

    async def drain(self) -> None:
        """Handle every queued push in arrival order (call with the lock held).

        Pushes leave the queue only here, under the lock, so order holds even when a group
        send drains first: a member who joined a moment ago then gets my sender key before the
        message they should be able to read.
        """
        while not self._pushes.empty():
            name, data = self._pushes.get_nowait()
            try:
                await self._dispatch(name, data)
            except asyncio.CancelledError:
                raise
            except (ClientError, E2EEError) as err:
                log.info("push %s dropped: %s", name, err.code)
            except Exception as err:
                # Never log the exception text: it could quote a payload.
                log.warning("push %s failed: %s", name, type(err).__name__)
        # No await between the empty check and this: a push cannot slip in unseen.
        self._push_ready.clear()
        if self._overflowed and self._on_overflow is not None:
            self._overflowed = False
            try:
                await self._on_overflow()
            except (ClientError, E2EEError) as err:
                log.info("refetch after overflow failed: %s", err.code)

    async def _dispatch(self, name: str, data: Any) -> None:
        if name == RECONNECTED:
            await self._reestablish()
        elif name == DISCONNECTED_EVENT:
            log.info("connection lost; reconnecting")
        else:
            handler = self._handlers.get(name)
            if handler is not None:
                await handler(data)

    async def _reestablish(self) -> None:
        if self._set_up is None:
            return
        try:
            await self._set_up(True)
        except ClientError:
            if self._transport.connected:
                # The socket is fine but the set-up failed (e.g. a timeout): try again later,
                # or no further reconnect would ever authenticate this session.
                self._retries = min(self._retries + 1, MAX_SETUP_RETRY_EXPONENT)
                asyncio.get_running_loop().call_later(
                    2.0**self._retries, self._on_push, RECONNECTED, None
                )
            raise
        self._retries = 0
        self._ready.set()
