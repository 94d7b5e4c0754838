"""Both backends for every storage contract test: the embedded store and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from server.domain.records import Member, Prekey, QueuedEnvelope
from server.domain.roles import Role
from server.storage.embedded import open_embedded
from server.storage.redis import open_redis
from server.storage.stores import Stores

KEY_A = b"A" * 32
KEY_B = b"B" * 32
KEY_C = b"C" * 32
KEY_S = b"S" * 32  # a sender
KEY_T = b"T" * 32  # another sender


def member(key: bytes, name: str = "Anna", role: Role = Role.PEER) -> Member:
    """A member record for `key`."""
    return Member(pseudonym=name, identity_key=key, role=role)


def envelope(n: int, sender: bytes = KEY_S) -> QueuedEnvelope:
    """Envelope number `n` (its id is `n` in 32 hex digits)."""
    return QueuedEnvelope(id=f"{n:032x}", ts=n, sender="Lähettäjä", sender_key=sender,
                          kind="direct", header=b"h", body=bytes([n % 256]) * 3)


def ids(envelopes: list[QueuedEnvelope]) -> list[int]:
    """The numbers of these envelopes, in order."""
    return [int(e.id, 16) for e in envelopes]


def prekey(n: int) -> Prekey:
    """One-time prekey number `n`."""
    return Prekey(id=n, key=bytes([n]) * 32)


@pytest.fixture(params=["embedded", "redis"])
def open_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Stores]:
    """Opens the backend on the same place each time (a restart opens it again)."""
    if request.param == "embedded":
        return lambda: open_embedded(tmp_path / "data")
    url = request.getfixturevalue("redis_url")
    return lambda: open_redis(url)


@pytest.fixture
async def stores(open_stores: Callable[[], Stores]) -> AsyncIterator[Stores]:
    s = open_stores()
    yield s
    await s.close()
