"""Session rules: `hello` hands out a single-use challenge; `auth` checks the Ed25519 signature,
holds one of the key's connection slots (at most `max_connections_per_key` across processes) and
binds a pseudonym (chosen, kept, or generated) to the identity key."""

from __future__ import annotations

from typing import Any

from e2ee.errors import SignatureError
from e2ee.identity import verify_auth
from server.domain import pseudonyms
from server.domain.ed25519_check import is_acceptable_public_key
from server.domain.ids import user_id, user_room
from server.domain.records import Binding
from server.domain.roles import Role
from server.handlers import signin, staff_socket
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.limits import CHALLENGE_BYTES, PROTOCOL_VERSION, public_limits
from server.wire.errors import ApiError
from server.wire.requests import Auth, Hello

_GENERATE_ATTEMPTS = 30  # pseudonyms.generate draws from larger spaces as attempts grow


async def hello(services: Services, conn: Connection) -> dict[str, Any]:
    """Issue a fresh challenge (replacing any earlier one)."""
    if conn.authenticated:
        raise ApiError("already_authenticated")
    conn.challenge = services.rng.bytes(CHALLENGE_BYTES)
    return {"challenge": b64(conn.challenge), "server_key": b64(services.keys.public_key),
            "protocol": PROTOCOL_VERSION, "pow_bits": services.settings.pow_bits,
            "limits": public_limits(services.settings.send_rate, services.settings.send_burst)}


async def auth(services: Services, conn: Connection, req: Auth) -> dict[str, Any]:
    """Authenticate the connection; the challenge is spent whether or not this succeeds."""
    if conn.authenticated:
        raise ApiError("already_authenticated")
    challenge, conn.challenge = conn.challenge, None
    if challenge is None:
        raise ApiError("no_challenge", "call hello first")
    signin.admit(services, conn, req, challenge)
    if not signature_ok(req.identity_key, req.signature, challenge, services.keys.public_key):
        raise ApiError("bad_signature")
    staff = await staff_socket.check(services, conn)  # the upgrade's staff cookie, if any
    # The slot first, so a refused auth binds no name (a failed call changes nothing).
    if not await services.stores.identities.session_add(req.identity_key, conn.sid, services.instance_id,
                                         services.settings.max_connections_per_key):
        raise ApiError("too_many_connections")
    uid = user_id(req.identity_key)
    try:
        if staff is None:
            pseudonym = await bind_pseudonym(services, req.identity_key, req.pseudonym)
        else:
            pseudonym = await bind_staff_name(services, req.identity_key, staff.username)
            await staff_socket.bind(services, staff, req.identity_key)
        await services.emitter.enter_room(conn.sid, user_room(uid))
    except BaseException:
        await services.stores.identities.session_remove(req.identity_key, conn.sid)
        raise
    # A moderator comes back on duty only if the grace kept them there (duty_presence.py).
    on_duty = staff is not None and staff.role == Role.MODERATOR and \
        uid in await services.stores.duty.on_duty()
    # No await from here on: the connection's state and the gauge change together.
    conn.identity_key = req.identity_key
    conn.pseudonym = pseudonym
    conn.user_id = uid
    conn.role = Role.PEER if staff is None else staff.role
    conn.staff = None if staff is None else staff.folded
    services.metrics.authenticated += 1
    services.log.info("auth", user_id=conn.user_id, role=conn.role)
    reply: dict[str, Any] = {"pseudonym": pseudonym, "user_id": conn.user_id, "role": conn.role}
    if staff is not None:
        reply["staff"] = True
        reply["on_duty"] = on_duty
    return reply


async def bind_staff_name(services: Services, identity_key: bytes, username: str) -> str:
    """A staff socket's pseudonym is the account's username, bound to this key even if another
    key held it (the account's earlier device): peers see a key change, as for anyone."""
    now = services.clock.now()
    binding = Binding(identity_key=identity_key, pseudonym=username,
                      folded=pseudonyms.fold(username), last_seen=now)
    if not await services.stores.identities.bind_if_free(binding, taken_since=now + 1):
        raise ApiError("pseudonym_unavailable", "the staff name could not be bound")
    return username


async def bind_pseudonym(services: Services, identity_key: bytes, wanted: str | None) -> str:
    """The pseudonym for this key: `wanted` if free, else the key's current one, else a new one."""
    now = services.clock.now()
    if wanted is not None:
        name = pseudonyms.validate(wanted)
        pseudonyms.check_reserved(name, services.settings.reserved_names)
        if await services.staff_names.is_staff_name(pseudonyms.fold(name)):
            raise ApiError("pseudonym_reserved", "this name is reserved")
        if await _try_bind(services, identity_key, name, now):
            return name
        raise ApiError("pseudonym_taken")
    current = await services.stores.identities.binding_of_key(identity_key)
    # Keeping the current name is a bind too: it refreshes last_seen only if the key still
    # holds the name, in the same atomic step.
    # A name a staff account has taken since is not kept: the key gets a new one.
    if current is not None and not await services.staff_names.is_staff_name(current.folded) \
            and await _try_bind(services, identity_key, current.pseudonym, now):
        return current.pseudonym
    for attempt in range(_GENERATE_ATTEMPTS):
        name = pseudonyms.generate(services.rng, attempt)
        if not await services.staff_names.is_staff_name(pseudonyms.fold(name)) and \
                await _try_bind(services, identity_key, name, now):
            return name
    raise ApiError("pseudonym_unavailable", "no free name found: choose one or try again")


async def _try_bind(services: Services, identity_key: bytes, name: str, now: float) -> bool:
    folded = pseudonyms.fold(name)
    binding = Binding(identity_key=identity_key, pseudonym=name, folded=folded, last_seen=now)
    since = await signin.taken_since(services, folded, identity_key, now)
    return await services.stores.identities.bind_if_free(binding, taken_since=since)


def signature_ok(identity_key: bytes, signature: bytes, challenge: bytes,
                 server_key: bytes) -> bool:
    """True if `signature` is the key's auth v2 signature (`e2ee.identity.verify_auth`) and the
    key is not a degenerate small-order point that any forged signature would pass for."""
    if not is_acceptable_public_key(identity_key):
        return False
    try:
        verify_auth(identity_key, challenge, signature, server_key)
    except SignatureError:
        return False
    return True


EVENTS = (
    Event(name="hello", decode=Hello.decode, rule=lambda s, c, _: hello(s, c),
          budget=Budget.OTHER, needs_auth=False, only_before_auth=True),
    Event(name="auth", decode=Auth.decode, rule=auth, budget=Budget.OTHER, needs_auth=False,
          only_before_auth=True),
)
