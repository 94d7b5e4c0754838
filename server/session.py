"""Session rules: `hello` hands out a single-use challenge; `auth` checks the Ed25519 signature,
holds one of the key's connection slots (at most `max_connections_per_key` across processes) and
binds a pseudonym (chosen, kept, or generated) to the identity key."""

from __future__ import annotations

from typing import Any

from server import pseudonyms, signin
from server.context import Connection, Relay, b64, user_room
from server.crypto import user_id, verify_auth
from server.errors import ApiError
from server.limits import CHALLENGE_BYTES, PROTOCOL_VERSION, PUBLIC_LIMITS
from server.storage.ports import Binding
from server.wire import Auth

_GENERATE_ATTEMPTS = 30  # pseudonyms.generate draws from larger spaces as attempts grow


async def hello(relay: Relay, conn: Connection) -> dict[str, Any]:
    """Issue a fresh challenge (replacing any earlier one)."""
    if conn.authenticated:
        raise ApiError("already_authenticated")
    conn.challenge = relay.rng.bytes(CHALLENGE_BYTES)
    return {"challenge": b64(conn.challenge), "server_key": b64(relay.keys.public_key),
            "protocol": PROTOCOL_VERSION, "pow_bits": relay.settings.pow_bits,
            "limits": {**PUBLIC_LIMITS, "send_rate_per_second": relay.settings.send_rate,
                       "send_burst": relay.settings.send_burst}}


async def auth(relay: Relay, conn: Connection, req: Auth) -> dict[str, Any]:
    """Authenticate the connection; the challenge is spent whether or not this succeeds."""
    if conn.authenticated:
        raise ApiError("already_authenticated")
    challenge, conn.challenge = conn.challenge, None
    if challenge is None:
        raise ApiError("no_challenge", "call hello first")
    signin.admit(relay, conn, req, challenge)
    if not verify_auth(req.identity_key, req.signature, challenge, relay.keys.public_key):
        raise ApiError("bad_signature")
    # The slot first, so a refused auth binds no name (a failed call changes nothing).
    if not await relay.store.session_add(req.identity_key, conn.sid, relay.instance_id,
                                         relay.settings.max_connections_per_key):
        raise ApiError("too_many_connections")
    uid = user_id(req.identity_key)
    try:
        pseudonym = await bind_pseudonym(relay, req.identity_key, req.pseudonym)
        await relay.emitter.enter_room(conn.sid, user_room(uid))
    except BaseException:
        await relay.store.session_remove(req.identity_key, conn.sid)
        raise
    # No await from here on: the connection's state and the gauge change together.
    conn.identity_key = req.identity_key
    conn.pseudonym = pseudonym
    conn.user_id = uid
    conn.role = "moderator" if b64(req.identity_key) in relay.settings.moderator_keys else "peer"
    relay.metrics.authenticated += 1
    relay.log.info("auth", user_id=conn.user_id, role=conn.role)
    return {"pseudonym": pseudonym, "user_id": conn.user_id, "role": conn.role}


async def bind_pseudonym(relay: Relay, identity_key: bytes, wanted: str | None) -> str:
    """The pseudonym for this key: `wanted` if free, else the key's current one, else a new one."""
    now = relay.clock.now()
    if wanted is not None:
        name = pseudonyms.validate(wanted)
        pseudonyms.check_reserved(name, relay.settings.reserved_names)
        if await relay.staff_names.is_staff_name(pseudonyms.fold(name)):
            raise ApiError("pseudonym_reserved", "this name is reserved")
        if await _try_bind(relay, identity_key, name, now):
            return name
        raise ApiError("pseudonym_taken")
    current = await relay.store.binding_of_key(identity_key)
    # Keeping the current name is a bind too: it refreshes last_seen only if the key still
    # holds the name, in the same atomic step.
    # A name a staff account has taken since is not kept: the key gets a new one.
    if current is not None and not await relay.staff_names.is_staff_name(current.folded) \
            and await _try_bind(relay, identity_key, current.pseudonym, now):
        return current.pseudonym
    for attempt in range(_GENERATE_ATTEMPTS):
        name = pseudonyms.generate(relay.rng, attempt)
        if not await relay.staff_names.is_staff_name(pseudonyms.fold(name)) and \
                await _try_bind(relay, identity_key, name, now):
            return name
    raise ApiError("pseudonym_unavailable", "no free name found: choose one or try again")


async def _try_bind(relay: Relay, identity_key: bytes, name: str, now: float) -> bool:
    folded = pseudonyms.fold(name)
    binding = Binding(identity_key=identity_key, pseudonym=name, folded=folded, last_seen=now)
    since = await signin.taken_since(relay, folded, identity_key, now)
    return await relay.store.bind_if_free(binding, taken_since=since)
