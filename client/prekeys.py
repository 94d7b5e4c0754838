"""Keeping my prekeys on the server: one-time prekeys topped up, the signed prekey rotated.

A session start (X3DH) by someone else uses one of my one-time prekeys; the server's count is
checked at every sign-in, after every ``OTK_CHECK_EVERY`` incoming session starts and when the
server pushes ``keys.low``, and topped up to ``OTK_TARGET`` when it falls below ``OTK_LOW_WATERMARK``. The signed prekey is
rotated when older than ``client.engine.SIGNED_PREKEY_MAX_AGE_S`` by the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable

from client.clock import Clock
from client.engine import Engine
from client.errors import NO_KEYS, ClientError
from client.transport import Request

OTK_LOW_WATERMARK = 10
"""Top up one-time prekeys on the server when it holds fewer than this."""
OTK_TARGET = 50
"""How many one-time prekeys the server should hold after a top-up."""
OTK_CHECK_EVERY = 5
"""Ask ``keys.count`` after this many incoming session starts (each used one prekey)."""


class Prekeys:
    """Publishes my key bundle and keeps the server's stock of one-time prekeys up."""

    def __init__(
        self, engine: Engine, request: Request, save: Callable[[], None], clock: Clock
    ) -> None:
        self._engine = engine
        self._request = request
        self._save = save
        self._clock = clock
        self.session_starts = 0
        """Incoming session starts since the last ``keys.count``."""

    def __repr__(self) -> str:
        return f"Prekeys(session_starts={self.session_starts})"

    async def publish(self, *, always: bool) -> None:
        """Top up / rotate if needed; with ``always`` publish the bundle even if nothing moved."""
        try:
            held = (await self._request("keys.count", None)).get("one_time_prekeys")
            count = held if isinstance(held, int) else 0
        except ClientError as err:
            if err.code != NO_KEYS:
                raise
            count = 0
        top_up = OTK_TARGET - count if count < OTK_LOW_WATERMARK else 0
        rotated = self._engine.rotate_signed_prekey_if_due(self._clock())
        if not always and top_up == 0 and not rotated:
            return
        request = self._engine.publish_request(top_up)
        self._save()  # the new private prekeys must exist on disk before the server hands them out
        await self._request("keys.publish", request)

    async def on_low(self, _data: object) -> None:
        """The server's ``keys.low`` push: my one-time prekeys run short, top up now."""
        await self.publish(always=False)

    async def session_started(self) -> None:
        """Someone started a session with me (used a one-time prekey): check the stock now and
        then."""
        self.session_starts += 1
        if self.session_starts >= OTK_CHECK_EVERY:
            self.session_starts = 0
            await self.publish(always=False)
