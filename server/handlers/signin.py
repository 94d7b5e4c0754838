"""What a sign-in costs before its signature is even checked (issue 8, findings 4 and 8).

Two gates, cheapest first: the per-source sign-in rate (`rate_limited`), then the proof of work
of `e2ee/pow.py` at the configured difficulty (`bad_proof_of_work`). Both answer before any
store is touched, so a refused sign-in changes nothing. And a key that never published keys
holds its generated or chosen name for `new_key_binding_seconds` only (see `holder_window`).
"""

from __future__ import annotations

import asyncio

from e2ee.pow import check
from server.handlers.services import Connection, Services
from server.wire.errors import ApiError
from server.wire.requests import Auth


def admit(services: Services, conn: Connection, req: Auth, challenge: bytes) -> None:
    """Raise unless this source may sign in now and `req` carries a valid proof of work."""
    if services.signin_rate is not None and not services.signin_rate.take(
            conn.source, asyncio.get_running_loop().time()):
        raise ApiError("rate_limited", "too many sign-ins from here; wait a minute")
    if not check(challenge, req.identity_key, req.pow, services.settings.pow_bits):
        raise ApiError("bad_proof_of_work")


async def taken_since(services: Services, folded: str, identity_key: bytes, now: float) -> float:
    """The `taken_since` for binding `folded` to `identity_key`: the full window, or the short
    one when the current holder (another key) never published keys. A holder that publishes
    keys later counts from its last sign-in, so the short window cannot cut it off while it is
    active (sign-ins refresh `last_seen`)."""
    window = services.settings.pseudonym_window_days * 86400
    holder = await services.stores.identities.binding_of_name(folded)
    if holder is None or holder.identity_key == identity_key:
        return now - window
    if await services.stores.keys.get_bundle(holder.identity_key) is None:
        return now - min(window, services.settings.new_key_binding_seconds)
    return now - window
