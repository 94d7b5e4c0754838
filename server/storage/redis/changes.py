"""Change notices on Redis pub/sub (server/storage/changes.py): one channel, `ilp:changes`,
messages `<origin process id> <key>`. A dedicated channel rather than Socket.IO's: the
notices are the stores' business, not a push to any client, and python-socketio's channel
format is its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Final

from server.storage.changes import OnChange
from server.storage.redis.connection import PREFIX, Connection

CHANNEL: Final = PREFIX + "changes"
LISTEN_BACKOFF_SECONDS: Final = (0.1, 2.0)
"""First and longest wait before the subscriber subscribes again after losing Redis."""

_log = logging.getLogger("iltapiiri.changes")


class RedisChanges:
    """Publishes and listens on `CHANNEL` with the stores' text client."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __repr__(self) -> str:
        return "RedisChanges()"

    async def publish(self, origin: str, key: str) -> None:
        """PUBLISH `<origin> <key>`."""
        await self._conn.r.publish(CHANNEL, f"{origin} {key}")

    async def listen(self, origin: str, on_change: OnChange) -> None:
        """Subscribe, tell `on_change(None)` (anything may have been missed), then relay every
        other process's notice; on a lost connection wait (bounded, jittered) and start over."""
        first, longest = LISTEN_BACKOFF_SECONDS
        wait = first
        while True:
            pubsub = self._conn.r.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                on_change(None)
                wait = first
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    sender, _, key = str(message["data"]).partition(" ")
                    if sender != origin and key:
                        on_change(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: subscribe again (the text may name the host)
                _log.warning("changes.reconnect", extra={"fields": {"code": type(exc).__name__}})
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            on_change(None)  # notices published while unsubscribed are lost
            await asyncio.sleep(wait * (0.5 + random.random()))
            wait = min(wait * 2, longest)
