"""Socket.IO's fan-out across processes on Redis: python-socketio's manager with the stores'
connection options (server/redis_options.py) and a bounded listen backoff, so the
subscriber comes back within seconds after a Redis restart instead of python-socketio's doubling
wait of up to a minute."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import socketio

from server.redis_options import redis_options

LISTEN_BACKOFF_SECONDS = (0.1, 2.0)
"""First and longest wait before the fan-out subscriber reconnects (python-socketio: 1 s, up
to 60 s, during which this process misses every other process's emits)."""


class RetryingRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """python-socketio's Redis manager with `redis_options()` and a bounded listen backoff."""

    def __init__(self, url: str) -> None:
        super().__init__(url, redis_options=redis_options())

    def __repr__(self) -> str:
        return "RetryingRedisManager()"

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        # Same loop as python-socketio 5.x's, with LISTEN_BACKOFF_SECONDS instead of 1..60 s;
        # the exception text is not logged (it can name the Redis host).
        first, longest = LISTEN_BACKOFF_SECONDS
        wait = first
        while True:
            try:
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                wait = first
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any failure: reconnect, as python-socketio does
                self._get_logger().error("fanout.reconnect",
                                         extra={"fields": {"code": type(exc).__name__}})
                with contextlib.suppress(Exception):  # the dead subscriber's connection
                    await self.pubsub.aclose()
                await asyncio.sleep(wait * (0.5 + random.random()))
                wait = min(wait * 2, longest)
