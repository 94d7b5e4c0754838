"""Where a connection comes from, as an opaque tag, and the per-source sign-in rate.

The tag is an HMAC of the peer address under a key drawn once per process, so two connections
from one address share a tag while the address itself is never kept, logged or stored (a tag
means nothing in another process or after a restart). Behind a trusted reverse proxy the last
X-Forwarded-For entry (the one the proxy wrote) is the address; a trusted proxy that forwards
no address (the shipped nginx, which keeps addresses out of the service and limits connections
per address itself with `limit_req`) gives the empty tag, which the sign-in rate lets through.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict

from server.domain.ratelimit import TokenBucket

MAX_TRACKED_SOURCES = 100_000  # the oldest buckets are dropped beyond this (bounded memory)


def peer_address(remote: str, forwarded_for: str, trusted_proxies: frozenset[str]) -> str:
    """The client's address (never logged by callers): `remote` is the transport's peer address,
    `forwarded_for` the X-Forwarded-For header as received. Only a trusted proxy's header is
    believed (its last entry: the address the proxy itself saw); "" for a trusted proxy that
    names no client (the proxy limits sources itself). Anyone else is their own address, whatever
    they send: a header from a direct client is forged at will."""
    if remote in trusted_proxies:
        return forwarded_for.rsplit(",", 1)[-1].strip()
    return remote


class SourceTagger:
    """Address -> tag (16 hex digits) under a per-process key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "SourceTagger(<redacted>)"

    def tag(self, address: str) -> str:
        """The opaque tag of an address ("" stays "": no source known)."""
        if not address:
            return ""
        return hmac.new(self._key, address.encode("utf-8", "surrogatepass"),
                        hashlib.sha256).hexdigest()[:16]


class SourceRate:
    """One token bucket per source tag (sign-in attempts), bounded in number."""

    def __init__(self, per_minute: float, burst: float) -> None:
        self._rate = per_minute / 60.0
        self._burst = burst
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __repr__(self) -> str:
        return f"SourceRate(sources={len(self._buckets)})"

    def take(self, tag: str, now: float) -> bool:
        """Spend one sign-in attempt of `tag` at `now` (monotonic seconds); the empty tag (a
        trusted proxy that limits sources itself) always passes."""
        if not tag:
            return True
        bucket = self._buckets.get(tag)
        if bucket is None:
            bucket = self._buckets[tag] = TokenBucket(self._rate, self._burst)
            if len(self._buckets) > MAX_TRACKED_SOURCES:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(tag)
        return bucket.take(now)
