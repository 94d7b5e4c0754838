"""Signing in: ``hello`` → sign the one-time challenge (bound to the server's key, auth v2) and
solve its proof of work → ``auth``.

The whole sign-in is this one function, so a change to it (a proof of work, a new version of
the auth message) is made here and nowhere else. It only talks over ``request`` and signs with
the ``Engine``; what happens after (publishing keys, the inbox, rejoining rooms) is the
caller's (``client.peer``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from client.engine import Engine
from client.errors import ProtocolViolation
from client.transport import Request
from client.wire import WIRE_PROTOCOL, AuthReply, HelloReply, b64e
from e2ee.pow import solve as solve_pow

UNSUPPORTED_PROTOCOL = "unsupported_protocol"


@dataclass(frozen=True, kw_only=True)
class SignedIn:
    """Who the server says I am, and the key it signs room memberships with."""

    pseudonym: str
    role: str
    server_key: bytes


async def sign_in(request: Request, engine: Engine, wanted_pseudonym: str | None) -> SignedIn:
    """Authenticate this device; ask for ``wanted_pseudonym`` if given (kept across restarts).

    Raises ``ProtocolViolation`` for a malformed or incompatible server, and passes the
    server's own refusals through as ``ClientError`` with their codes.
    """
    hello = HelloReply.from_wire(await request("hello", None))
    if hello.protocol != WIRE_PROTOCOL:
        raise ProtocolViolation(UNSUPPORTED_PROTOCOL, f"server speaks v{hello.protocol}")
    payload: dict[str, Any] = {
        "identity_key": b64e(engine.identity_key),
        "signature": b64e(engine.sign_auth(hello.challenge, hello.server_key)),
        # Off the event loop: 2^pow_bits hashes (about half a second at the default 16).
        "pow": await asyncio.to_thread(solve_pow, hello.challenge, engine.identity_key,
                                       hello.pow_bits),
    }
    if wanted_pseudonym:
        payload["pseudonym"] = wanted_pseudonym
    auth = AuthReply.from_wire(await request("auth", payload))
    engine.set_pseudonym(auth.pseudonym)
    return SignedIn(pseudonym=auth.pseudonym, role=auth.role, server_key=hello.server_key)
