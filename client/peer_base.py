"""Shared state of a ``PeerClient`` and the helpers every layer of it uses.

``PeerClient`` is built in layers, each a module under ~400 lines, each using only the ones
below it: ``PeerBase`` (state, saving, listeners) → ``DirectFlow`` (1:1 sessions and the inbox)
→ ``GroupFlow`` (rooms and sender keys) → ``PeerClient`` (the public API, session set-up and the
push loop).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from client.chats import DirectChat, Group
from client.engine import Engine
from client.errors import DISCONNECTED, TransportError
from client.keystore import Keystore
from client.messages import Message
from client.moderation import ModerationFeed
from client.rooms import RoomState
from client.transport import Transport
from e2ee.content import SenderKeyDistribution

log = logging.getLogger("client.peer")

MAX_PENDING_PUSHES = 10_000
"""Server pushes waiting for the handler task; beyond it the inbox is re-fetched instead."""
MAX_SEEN_DIRECT_IDS = 4096
"""Recently handled inbox ids, so an envelope both pushed and fetched is handled once."""

READY_TIMEOUT_S = 20.0
"""How long a send, join or open waits for a dropped connection to be re-established."""

Listener = Callable[[Message, "Group | DirectChat"], None]


class PeerBase:
    """State shared by the layers of ``PeerClient``."""

    def __init__(self, url: str, engine: Engine, keystore: Keystore, pseudonym: str | None) -> None:
        self._url = url
        self._engine = engine
        self._keystore = keystore
        self._wanted_pseudonym = pseudonym
        self.pseudonym: str = pseudonym or ""
        self.role: str = "peer"
        self._server_key: bytes | None = None
        self._lock = asyncio.Lock()
        self._pushes: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(MAX_PENDING_PUSHES)
        self._overflowed = False
        self._push_ready = asyncio.Event()
        # Clear from the moment the socket drops until the session is re-established; set at
        # first (``connect`` authenticates before it hands the client out).
        self._ready = asyncio.Event()
        self._ready.set()
        self._retries = 0  # failed re-authentications in a row (backoff exponent)
        self._transport = Transport(url, self._on_push)
        self._worker: asyncio.Task[None] | None = None
        self._rooms: dict[str, RoomState] = {}
        self._groups: dict[str, Group] = {}
        self._joining: set[str] = set()
        self._directs: dict[str, DirectChat] = {}
        self._seen_ids: OrderedDict[str, None] = OrderedDict()
        self._listeners: list[Listener] = []
        self._closed = False
        self._session_starts = 0
        self.moderation = ModerationFeed()
        """Moderation pushes (alerts, sanction notices, room notices, tombstones)."""
        self.undecryptable = 0
        """Messages dropped because they failed to decrypt or verify (for diagnostics)."""


    def _on_push(self, name: str, data: Any) -> None:
        """Called by the transport synchronously, in arrival order (see ``PeerClient``)."""
        raise NotImplementedError

    async def _await_ready(self) -> None:
        """Wait (bounded) for a dropped connection to come back before a request that the user
        asked for, so a send during a short outage is delayed rather than lost."""
        if self._ready.is_set():
            return
        try:
            await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT_S)
        except TimeoutError:
            raise TransportError(DISCONNECTED, "not connected to the server") from None

    async def _drain_pushes(self) -> None:
        """Handle every queued push in order, lock held (``PeerClient``)."""
        raise NotImplementedError

    def _on_distribution(self, skd: SenderKeyDistribution, from_key: bytes) -> None:
        """A sender key arrived over 1:1 (handled by ``GroupFlow``)."""
        raise NotImplementedError

    async def _ack(self, ids: list[str]) -> None:
        await self._transport.request("inbox.ack", {"ids": ids})

    def _remember(self, envelope_id: str) -> None:
        self._seen_ids[envelope_id] = None
        while len(self._seen_ids) > MAX_SEEN_DIRECT_IDS:
            self._seen_ids.popitem(last=False)


    def _notify(self, message: Message, chat: Group | DirectChat) -> None:
        for listener in self._listeners:
            try:
                listener(message, chat)
            except Exception as err:
                log.warning("listener failed: %s", type(err).__name__)

    def _save(self) -> None:
        self._keystore.save({"pseudonym": self.pseudonym, "engine": self._engine.export_state()})

