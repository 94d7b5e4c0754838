"""Injected time and randomness, so schedules, TTLs and ids are testable without sleeping."""

from __future__ import annotations

import secrets
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in Unix seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Current Unix time in seconds."""
        return time.time()


class FakeClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: float) -> None:
        self._now = start

    def now(self) -> float:
        """The current fake time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += seconds

    def set(self, when: float) -> None:
        """Jump to an absolute time."""
        self._now = when


class Random(Protocol):
    """Source of random bytes."""

    def bytes(self, n: int) -> bytes: ...


class SystemRandom:
    """Cryptographically secure randomness."""

    def bytes(self, n: int) -> bytes:
        """`n` random bytes from the OS."""
        return secrets.token_bytes(n)


def now_ms(clock: Clock) -> int:
    """The clock's time in Unix milliseconds."""
    return int(clock.now() * 1000)
