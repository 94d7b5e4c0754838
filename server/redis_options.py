"""How every Redis client of the server is made: the stores' (server/storage/redis/) and
Socket.IO's fan-out manager (server/api/redis_manager.py).

A Redis restart (a deploy, a crash, a failover) closes every pooled connection. redis-py's
`Redis.from_url` builds its pool without a retry policy, so each dead connection was handed out
once more and its request answered `internal` (tests/reliability/test_redis_restart.py). Here
every command retries a lost connection up to `RETRIES` times with a bounded, jittered backoff
(50 ms doubling, at most `BACKOFF_CAP_SECONDS`), and a connection that sat idle is pinged before
reuse; after the last retry the error reaches the handler, which answers `internal`, and the
next request tries again. No retry loop is unbounded.
"""

from __future__ import annotations

from typing import Any, Final

from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRIES: Final = 6
"""Retries of one command on a lost connection (backoffs sum to about 4 s, so a command waits
out a short restart instead of failing)."""
BACKOFF_BASE_SECONDS: Final = 0.05
BACKOFF_CAP_SECONDS: Final = 1.0
HEALTH_CHECK_SECONDS: Final = 10
"""A pooled connection idle this long is PINGed before use (a dead one is replaced)."""
CONNECT_TIMEOUT_SECONDS: Final = 2.0


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
