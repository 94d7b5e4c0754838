"""Token buckets, one per connection and budget (sends, key fetches, everything else).

Buckets live with the connection in its process: a connection is served by exactly one process,
so a per-connection rate needs no shared store.
"""

from __future__ import annotations


class TokenBucket:
    """`rate` tokens per second up to `burst`; `take(now)` spends one if there is one."""

    __slots__ = ("_at", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._at: float | None = None

    def take(self, now: float) -> bool:
        """Spend a token at time `now` (monotonic seconds); False if the bucket is empty."""
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False
