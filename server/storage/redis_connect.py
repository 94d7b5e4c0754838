"""How every Redis client of the server is made: the store's and Socket.IO's fan-out manager.

A Redis restart (a deploy, a crash, a failover) closes every pooled connection. redis-py's
`Redis.from_url` builds its pool without a retry policy, so each dead connection was handed out
once more and its request answered `internal` (tests/reliability/test_redis_restart.py). Here
every connection retries a lost connection with a bounded, jittered backoff, pings a connection
that sat idle before reusing it, and Socket.IO's subscriber comes back within seconds instead of
python-socketio's doubling wait of up to a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRIES = 6
"""Retries of one command on a lost connection (backoffs sum to about 4 s, so a command waits
out a short restart instead of failing)."""
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0
HEALTH_CHECK_SECONDS = 10
"""A pooled connection idle this long is PINGed before use (a dead one is replaced)."""
CONNECT_TIMEOUT_SECONDS = 2.0
LISTEN_BACKOFF_SECONDS = (0.1, 2.0)
"""First and longest wait before the fan-out subscriber reconnects (python-socketio: 1 s, up
to 60 s, during which this process misses every other process's emits)."""


def redis_options() -> dict[str, Any]:
    """Keyword arguments for `redis.asyncio.Redis.from_url` (and python-socketio's manager)."""
    return {
        "retry": Retry(ExponentialWithJitterBackoff(cap=BACKOFF_CAP_SECONDS,
                                                    base=BACKOFF_BASE_SECONDS), RETRIES),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError, ConnectionResetError,
                           OSError],
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_keepalive": True,
    }


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
