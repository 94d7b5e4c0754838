"""The thin Socket.IO adapter: for each event, check auth and rate, decode the typed request,
call the rule, and answer the ack (`{"ok": true, ...}` or the error's stable code).

It is also the `Guard` of `server.api.guard.GuardedServer`: it admits transports (capped while
unauthenticated, closed at the auth timeout), answers refused event names (rate limited, then
the transport closed on abuse) and lists the only events a client may send: `ROUTES`.

Nothing here knows a rule; nothing in the rules knows Socket.IO.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from config.settings import Settings
from server.api.admission import Admission
from server.api.guard import REJECTED_EVENT, GuardedServer
from server.api.routes import ROUTES
from server.domain.roles import Role
from server.domain.sources import peer_address
from server.handlers import connection, staff_socket
from server.handlers.events import Event
from server.handlers.services import Connection, Services
from server.handlers.staff_socket import STAFF_COOKIE
from server.wire.errors import ApiError
from server.wire.pushes import Push, RoomEnvelope


class SioEmitter:
    """The Emitter port on a python-socketio server (local or Redis-backed manager)."""

    def __init__(self, sio: GuardedServer) -> None:
        self._sio = sio

    async def emit(self, push: Push, *, to: str | list[str], skip_sid: str | None = None
                   ) -> None:
        """See Emitter (a list of rooms reaches each connection once, python-socketio's
        `get_participants`, also through Redis)."""
        await self._sio.emit(push.EVENT, push.to_wire(), to=to, skip_sid=skip_sid)

    async def emit_numbered(self, push: RoomEnvelope, *, to: str, skip_sid: str | None,
                            writer: str) -> int | None:
        """See Emitter (numbered on Redis with the replay window:
        `RetryingRedisManager.emit_numbered`)."""
        numbered = getattr(self._sio.manager, "emit_numbered", None)
        if numbered is None:
            return None
        seq: int | None = await numbered(push.EVENT, push.to_wire(), field="seq", room=to,
                                         skip_sid=skip_sid, writer=writer)
        return seq

    async def enter_room(self, sid: str, room: str) -> None:
        """See Emitter."""
        await self._sio.enter_room(sid, room)

    async def leave_room(self, sid: str, room: str) -> None:
        """See Emitter."""
        await self._sio.leave_room(sid, room)

    async def close_room(self, room: str) -> None:
        """See Emitter."""
        await self._sio.close_room(room)

    async def forget_replay(self, rooms: list[str], *, counters: bool) -> None:
        """See Emitter (nothing is kept without Redis)."""
        forget = getattr(self._sio.manager, "forget_replay", None)
        if forget is not None:
            await forget(rooms, counters=counters)


class SioAdapter:
    """Registers the event handlers; holds the process-local connections and transports."""

    def __init__(self, sio: GuardedServer, services_of: Callable[[], Services]) -> None:
        self._sio = sio
        self._services_of = services_of
        self.connections: dict[str, Connection] = {}
        self.events: frozenset[str] = frozenset(ROUTES)
        self._auth_timers: dict[str, asyncio.TimerHandle] = {}  # by transport (eio sid)
        self._admission: Admission | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        sio.on("connect", self._connect)
        sio.on("disconnect", self._disconnect)
        for event, route in ROUTES.items():
            sio.on(event, self._handler(event, route))
        sio.guard = self

    def __repr__(self) -> str:
        return f"SioAdapter(connections={len(self.connections)})"

    def live_sids(self) -> set[str]:
        """The Socket.IO sessions open on this process (for the scheduler's orphan sweep)."""
        return set(self.connections)

    def live_moderators(self) -> set[str]:
        """The staff ids of the moderators connected to this process (duty presence)."""
        return {c.user_id for c in self.connections.values()
                if c.role == Role.MODERATOR and c.user_id is not None}

    async def end_expired_staff(self) -> int:
        """End this process's staff sockets whose session is over (the scheduler's sweep)."""
        async def end(conn: Connection) -> None:
            await self._sio.disconnect(conn.sid)

        return await staff_socket.sweep(self._services_of(), list(self.connections.values()),
                                        end)

    # -- transports (Guard) -------------------------------------------------------------

    def admit(self, eio_sid: str, environ: dict[str, Any]) -> bool:
        """A new transport: refuse it over the unauthenticated caps, else start its auth
        deadline. The peer's address is read here, hashed in memory, and never kept."""
        services = self._services_of()
        settings = services.settings
        if self._admission is None:
            self._admission = Admission(max_total=settings.max_unauthenticated,
                                        max_per_source=settings.max_unauthenticated_per_source,
                                        key=services.rng.bytes(32))
        if not self._admission.admit(eio_sid, _source(environ, settings)):
            services.metrics.errors["too_many_connections"] += 1
            return False
        # Loop time, like the rate buckets: a transport deadline, not a domain decision.
        self._auth_timers[eio_sid] = asyncio.get_running_loop().call_later(
            settings.auth_timeout_seconds, self._auth_expired, eio_sid)
        return True

    def closed(self, eio_sid: str) -> None:
        """The transport is gone (idempotent)."""
        self._signed_in(eio_sid)

    def _signed_in(self, eio_sid: str) -> None:
        timer = self._auth_timers.pop(eio_sid, None)
        if timer is not None:
            timer.cancel()
        if self._admission is not None:
            self._admission.release(eio_sid)

    def _auth_expired(self, eio_sid: str) -> None:
        self._auth_timers.pop(eio_sid, None)
        self._services_of().metrics.auth_timeouts += 1
        self._close_transport(eio_sid)

    def _close_transport(self, eio_sid: str | None) -> None:
        """Close the Engine.IO transport (the websocket itself), not only the session."""
        if eio_sid is None:
            return
        task = asyncio.get_running_loop().create_task(self._sio.close_transport(eio_sid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _eio_sid(self, sid: str) -> str | None:
        try:
            return self._sio.manager.eio_sid_from_sid(sid, "/")  # type: ignore[no-any-return]
        except KeyError:
            return None

    async def refuse(self, sid: str, event: object) -> dict[str, Any]:
        """The answer to a reserved, unknown or rejected event name (no handler ran)."""
        services = self._services_of()
        conn = self.connections.get(sid)
        code = "bad_request"
        if conn is None:
            code = "not_authenticated"
        elif not self._take(conn, "other"):
            code = "rate_limited"
        services.metrics.errors[code] += 1
        services.log.info("refused", method="rejected" if event == REJECTED_EVENT else "unknown",
                       code=code)
        message = "payload out of bounds" if event == REJECTED_EVENT else "unknown event"
        return ApiError(code, message if code == "bad_request" else "").to_wire()

    def _take(self, conn: Connection, budget: str) -> bool:
        """Spend from the bucket of `budget` (the pre-sign-in bucket before `auth`); a refusal
        is a strike, and a connection out of strikes has its transport closed."""
        now = asyncio.get_running_loop().time()
        if conn.bucket("preauth" if not conn.authenticated else budget).take(now):
            return True
        if not conn.bucket("strikes").take(now):
            self._services_of().log.info("abuse.closed", code="rate_limited")
            self._close_transport(self._eio_sid(conn.sid))
        return False

    # -- sessions -------------------------------------------------------------------------

    async def _connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        # Runs only from the Socket.IO handshake (the guard refuses the name from the wire);
        # idempotent all the same: a second call never replaces a connection's state.
        if sid in self.connections:
            return
        # `environ` holds the peer's address: it is only turned into an opaque tag, never kept.
        services = self._services_of()
        source = "" if services.sources is None else services.sources.tag(
            _peer(environ, services.settings))
        conn = connection.open_connection(services, sid, source)
        conn.staff_token = _staff_cookie(environ)
        self.connections[sid] = conn

    async def _disconnect(self, sid: str, *_: object) -> None:
        conn = self.connections.pop(sid, None)
        if conn is not None:
            await connection.close_connection(self._services_of(), conn)

    def _handler(self, event: str, route: Event) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def handle(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            services = self._services_of()
            conn = self.connections.get(sid)
            try:
                if conn is None:
                    raise ApiError("not_authenticated")
                if route.needs_auth and (not conn.authenticated or conn.erased):
                    raise ApiError("not_authenticated")
                if route.only_before_auth and conn.authenticated:
                    raise ApiError("already_authenticated")
                if not self._take(conn, route.budget.value):
                    raise ApiError("rate_limited")
                request = route.decode(data)
                result = await route.rule(services, conn, request)
                if event == "auth" and self.connections.get(sid) is conn:
                    conn.signed_in()
                    self._signed_in(self._eio_sid(sid) or "")
            except ApiError as err:
                services.metrics.errors[err.code] += 1
                services.log.info("refused", method=event, code=err.code,
                               user_id=conn.user_id if conn else None)
                return err.to_wire()
            except Exception as exc:
                # Only the exception's type is logged: its text could carry request values.
                if conn is not None and self.connections.get(sid) is not conn:
                    # Closed while the rule ran (Socket.IO refuses its rooms): nobody is
                    # waiting for the answer, and nothing is wrong with the server.
                    services.log.info("closed_during", method=event, code=type(exc).__name__)
                    return ApiError("internal").to_wire()
                services.metrics.errors["internal"] += 1
                services.log.error("internal_error", method=event, code=type(exc).__name__)
                return ApiError("internal").to_wire()
            finally:
                if conn is not None and self.connections.get(sid) is not conn:
                    await connection.release(services, conn, late=True)  # it closed while the rule ran
            return {"ok": True, **result}

        return handle


def _staff_cookie(environ: dict[str, Any]) -> str | None:
    """The staff session token of the websocket upgrade (a browser sends the HttpOnly cookie by
    itself; the Python StaffClient sends a Cookie header); None without one."""
    request = environ.get("aiohttp.request")
    if request is None:
        return None
    token = request.cookies.get(STAFF_COOKIE)
    return str(token) if token else None


def _source(environ: dict[str, Any], settings: Settings) -> str | None:
    """The peer's address for admission counting only (never logged or stored), the same as
    the sign-in rate's (`_peer`). None when a trusted proxy names no client (the shipped nginx):
    the proxy limits sources itself, and counting everyone behind it as one source would refuse
    the 17th person connecting at once."""
    return _peer(environ, settings) or None


def _peer(environ: dict[str, Any], settings: Settings) -> str:
    """The client's address: the transport's peer, or what a trusted proxy says of it
    (`[server] trusted_proxy_header` when configured and sent, else X-Forwarded-For). Engine.IO's
    aiohttp driver writes REMOTE_ADDR = "127.0.0.1" for every request, which made every direct
    client a "trusted proxy" whose forged X-Forwarded-For was believed: the address is read from
    the connection itself (aiohttp's `request.remote`), never from the environ's copy."""
    request = environ.get("aiohttp.request")
    remote = (request.remote if request is not None else None) or ""
    header = settings.trusted_proxy_header
    if header and request is not None and remote in settings.trusted_proxies:
        value = request.headers.get(header)
        if value:
            return str(value).strip()
    return peer_address(remote, str(environ.get("HTTP_X_FORWARDED_FOR") or ""),
                        settings.trusted_proxies)
