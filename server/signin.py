"""What a sign-in costs before its signature is even checked (issue 8, findings 4 and 8).

Two gates, cheapest first: the per-source sign-in rate (`rate_limited`), then the proof of work
of `e2ee/pow.py` at the configured difficulty (`bad_proof_of_work`). Both answer before any
store is touched, so a refused sign-in changes nothing. And a key that never published keys
holds its generated or chosen name for `new_key_binding_seconds` only (see `holder_window`).
"""

from __future__ import annotations

import asyncio

from e2ee.pow import check
from server.context import Connection, Relay
from server.errors import ApiError
from server.wire import Auth


def admit(relay: Relay, conn: Connection, req: Auth, challenge: bytes) -> None:
    """Raise unless this source may sign in now and `req` carries a valid proof of work."""
    if relay.signin_rate is not None and not relay.signin_rate.take(
            conn.source, asyncio.get_running_loop().time()):
        raise ApiError("rate_limited", "too many sign-ins from here; wait a minute")
    if not check(challenge, req.identity_key, req.pow, relay.settings.pow_bits):
        raise ApiError("bad_proof_of_work")


async def taken_since(relay: Relay, folded: str, identity_key: bytes, now: float) -> float:
    """The `taken_since` for binding `folded` to `identity_key`: the full window, or the short
    one when the current holder (another key) never published keys. A holder that publishes
    keys later counts from its last sign-in, so the short window cannot cut it off while it is
    active (sign-ins refresh `last_seen`)."""
    window = relay.settings.pseudonym_window_days * 86400
    holder = await relay.store.binding_of_name(folded)
    if holder is None or holder.identity_key == identity_key:
        return now - window
    if await relay.store.get_bundle(holder.identity_key) is None:
        return now - min(window, relay.settings.new_key_binding_seconds)
    return now - window
