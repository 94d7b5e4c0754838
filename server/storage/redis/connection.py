"""The connection the Redis store modules share: text and bytes clients made with
`server.redis_options` (bounded, jittered reconnect backoff)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as aioredis

from server.redis_options import redis_options

PREFIX: Final = "ilp:"


def client(url: str, *, decode: bool = True) -> Any:
    """A redis-py client with `redis_options()` (typed Any: redis-py's stubs cannot express
    decode_responses=True, str rather than bytes)."""
    return aioredis.Redis.from_url(url, decode_responses=decode, **redis_options())


@dataclass(frozen=True)
class Connection:
    """Text (`r`) and bytes (`raw`) clients on one Redis."""

    r: Any
    raw: Any

    def __repr__(self) -> str:
        return "Connection()"  # the URL may carry a password

    @classmethod
    def open(cls, url: str) -> Connection:
        """Both clients on `url` (connections are made on first use)."""
        return cls(client(url), client(url, decode=False))

    async def close(self) -> None:
        """Close both clients."""
        await self.r.aclose()
        await self.raw.aclose()


def b64key(key: bytes) -> str:
    """An identity key as it appears in Redis key names (standard base64)."""
    return base64.b64encode(key).decode("ascii")
