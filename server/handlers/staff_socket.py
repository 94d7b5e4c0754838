"""Staff on the socket (issue 10): a websocket whose upgrade carried a live staff session cookie
signs in as that account.

    connect   the adapter keeps the cookie's token on the Connection (never logged)
    auth      as for anyone (key, signature, proof of work); then the session is checked, the
              pseudonym is the staff username, the role the account's, and the identity key is
              bound to the account (audited; a different key is audited as a key change)
    sweep     every scheduler tick, each local staff connection's session is checked again;
              sign-out, disable, reset-totp or expiry ends the socket (`staff.session_ended`)

The staff accounts themselves are `server/handlers/staff.py`'s; this module only asks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from e2ee.identity import key_id
from server.domain.roles import Role
from server.domain.staff import staff_id
from server.handlers import audit_log
from server.handlers.services import Connection, Services
from server.wire.errors import ApiError
from server.wire.pushes import StaffSessionEnded

STAFF_COOKIE = "__Host-iltapiiri_staff"
"""The session cookie (server/api/staff_http.py sets it)."""


@dataclass(frozen=True)
class StaffSignIn:
    """Who a staff socket is."""

    username: str
    folded: str
    role: Role

    def __repr__(self) -> str:
        return f"StaffSignIn(role={self.role.value!r})"


async def check(services: Services, conn: Connection) -> StaffSignIn | None:
    """The staff account behind this connection's cookie, None without a cookie; a cookie whose
    session is over answers `session_expired` (the client signs in again over HTTP)."""
    if conn.staff_token is None:
        return None
    if services.staff is None:
        raise ApiError("session_expired", "staff sign-in is not available here")
    try:
        signed = await services.staff.check_session(conn.staff_token)
    except ApiError:
        raise ApiError("session_expired", "sign in again") from None
    return StaffSignIn(username=signed.username, folded=signed.folded, role=Role(signed.role))


async def bind(services: Services, staff: StaffSignIn, identity_key: bytes) -> None:
    """Bind the device key to the account and audit the sign-in (and a key change)."""
    assert services.staff is not None
    before = await services.staff.bind_key(staff.folded, identity_key)
    actor = staff_id(staff.folded)
    store, clock = services.stores.audit, services.clock
    await audit_log.append(store, clock, actor=actor, action="staff_socket_login",
                           details={"role": staff.role.value, "key_id": key_id(identity_key)})
    if before is not None and before != identity_key:
        await audit_log.append(store, clock, actor=actor, action="staff_key_changed",
                               details={"key_id": key_id(identity_key)})


async def sweep(services: Services, conns: Iterable[Connection],
                end: Callable[[Connection], Awaitable[None]]) -> int:
    """End every staff connection whose session is over; returns how many."""
    if services.staff is None:
        return 0
    ended = 0
    for conn in list(conns):
        if conn.staff is None or conn.staff_token is None:
            continue
        try:
            await services.staff.check_session(conn.staff_token)
            continue
        except ApiError:
            pass
        await services.emitter.emit(StaffSessionEnded(), to=conn.sid)
        await audit_log.append(services.stores.audit, services.clock,
                               actor=staff_id(conn.staff), action="staff_session_ended")
        services.log.info("staff.session_ended", user_id=conn.user_id)
        await end(conn)
        ended += 1
    return ended
