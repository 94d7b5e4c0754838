"""Admission of transports that have not signed in: at most `max_total` at once, and at most
`max_per_source` from one source (threat-model finding 3).

A source is the peer's address (or the one a trusted proxy names). It is held only as a keyed
hash under a per-process random key, in memory, and dropped when the transport signs in or
closes: no address is kept, logged or stored. A transport with no known source (`None`: a
trusted proxy that names no client, as the shipped nginx, which limits new sockets per address
itself) counts only against the total: otherwise every person behind the proxy would share one
source's cap. Pure logic: the caller passes the key and the source text.
"""

from __future__ import annotations

import hashlib
import hmac


class Admission:
    """Counts unauthenticated transports, in total and per source tag."""

    def __init__(self, *, max_total: int, max_per_source: int, key: bytes) -> None:
        self.max_total = max_total
        self.max_per_source = max_per_source
        self._key = key
        self._source_of: dict[str, bytes | None] = {}  # transport id -> source tag
        self._per_source: dict[bytes, int] = {}

    def __repr__(self) -> str:
        return f"Admission(pending={len(self._source_of)}, sources={len(self._per_source)})"

    def _tag(self, source: str | None) -> bytes | None:
        if source is None:
            return None
        return hmac.new(self._key, source.encode("utf-8", "replace"),
                        hashlib.sha256).digest()[:16]

    @property
    def pending(self) -> int:
        """Transports admitted that have neither signed in nor closed."""
        return len(self._source_of)

    def admit(self, transport: str, source: str | None) -> bool:
        """Count a new transport, or False (and nothing counted) if a cap is reached."""
        if transport in self._source_of:
            return True
        tag = self._tag(source)
        if len(self._source_of) >= self.max_total:
            return False
        if tag is not None:
            if self._per_source.get(tag, 0) >= self.max_per_source:
                return False
            self._per_source[tag] = self._per_source.get(tag, 0) + 1
        self._source_of[transport] = tag
        return True

    def release(self, transport: str) -> None:
        """The transport signed in or closed: it no longer counts (idempotent)."""
        if transport not in self._source_of:
            return
        tag = self._source_of.pop(transport)
        if tag is None:
            return
        left = self._per_source[tag] - 1
        if left:
            self._per_source[tag] = left
        else:
            del self._per_source[tag]
