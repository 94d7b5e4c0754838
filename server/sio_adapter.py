"""The thin Socket.IO adapter: for each event, check auth and rate, decode the typed request,
call the rule, and answer the ack (`{"ok": true, ...}` or the error's stable code).

Nothing here knows a rule; nothing in the rules knows Socket.IO.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio

from server import direct, keydir, rooms, session
from server.context import Connection, Relay, user_room
from server.errors import ApiError
from server.ratelimit import TokenBucket
from server.wire import (
    Auth,
    DirectSend,
    Empty,
    GroupJoin,
    GroupLeave,
    Hello,
    InboxAck,
    KeysFetch,
    KeysPublish,
    RoomSend,
)

Rule = Callable[[Relay, Connection, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    """How one event is served."""

    decode: Callable[[object], object]
    rule: Rule
    bucket: str  # "send" | "direct" | "keys" | "other"
    needs_auth: bool = True
    only_before_auth: bool = False


ROUTES: dict[str, Route] = {
    "hello": Route(Hello.decode, lambda r, c, _: session.hello(r, c), "other", False, True),
    "auth": Route(Auth.decode, session.auth, "other", False, True),
    "keys.publish": Route(KeysPublish.decode, keydir.publish, "keys"),
    "keys.fetch": Route(KeysFetch.decode, keydir.fetch, "keys"),
    "keys.count": Route(Empty.decode, lambda r, c, _: keydir.count(r, c), "keys"),
    "groups.list": Route(Empty.decode, lambda r, c, _: rooms.list_groups(r), "other"),
    "group.join": Route(GroupJoin.decode, rooms.join, "other"),
    "group.leave": Route(GroupLeave.decode, rooms.leave, "other"),
    "room.send": Route(RoomSend.decode, rooms.send, "send"),
    "direct.send": Route(DirectSend.decode, direct.send, "direct"),
    "inbox.fetch": Route(Empty.decode, lambda r, c, _: direct.fetch(r, c), "other"),
    "inbox.ack": Route(InboxAck.decode, direct.ack, "other"),
}


class SioEmitter:
    """The Emitter port on a python-socketio server (local or Redis-backed manager)."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def emit(self, event: str, data: dict[str, Any], *, to: str,
                   skip_sid: str | None = None) -> None:
        """See Emitter."""
        await self._sio.emit(event, data, to=to, skip_sid=skip_sid)

    async def enter_room(self, sid: str, room: str) -> None:
        """See Emitter."""
        await self._sio.enter_room(sid, room)

    async def leave_room(self, sid: str, room: str) -> None:
        """See Emitter."""
        await self._sio.leave_room(sid, room)

    async def close_room(self, room: str) -> None:
        """See Emitter."""
        await self._sio.close_room(room)


class SioAdapter:
    """Registers the event handlers; holds the process-local connections."""

    def __init__(self, sio: socketio.AsyncServer, relay_of: Callable[[], Relay]) -> None:
        self._sio = sio
        self._relay_of = relay_of
        self.connections: dict[str, Connection] = {}
        self._auth_timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        sio.on("connect", self._connect)
        sio.on("disconnect", self._disconnect)
        sio.on("*", self._unknown)
        for event, route in ROUTES.items():
            sio.on(event, self._handler(event, route))

    def __repr__(self) -> str:
        return f"SioAdapter(connections={len(self.connections)})"

    async def _connect(self, sid: str, environ: dict[str, Any], auth: object = None) -> None:
        # `environ` holds the peer's address: it is deliberately never read or kept.
        relay = self._relay_of()
        self.connections[sid] = Connection(
            sid=sid, send_bucket=TokenBucket(relay.settings.send_rate, relay.settings.send_burst))
        relay.metrics.connections += 1
        # Loop time, like the rate buckets: a transport deadline, not a domain decision.
        self._auth_timers[sid] = asyncio.get_running_loop().call_later(
            relay.settings.auth_timeout_seconds, self._auth_expired, sid)

    def _auth_expired(self, sid: str) -> None:
        self._auth_timers.pop(sid, None)
        conn = self.connections.get(sid)
        if conn is None or conn.authenticated:
            return
        self._relay_of().metrics.auth_timeouts += 1
        task = asyncio.get_running_loop().create_task(self._close_transport(sid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_transport(self, sid: str) -> None:
        # A Socket.IO disconnect only leaves the namespace, and Engine.IO's close then waits for
        # the client to hang up: a flooder that ignores both, and sends a packet now and then,
        # kept its websocket for ever. Abort the transport and wake its writer, as at shutdown
        # (server.app.drop_transports), so the socket closes now.
        eio_sid = self._sio.manager.eio_sid_from_sid(sid, "/")
        sock = self._sio.eio.sockets.get(eio_sid) if eio_sid is not None else None
        await self._sio.disconnect(sid)
        if sock is not None:
            await sock.close(wait=False, abort=True)
            queue = getattr(sock, "queue", None)
            if queue is not None:
                await queue.put(None)

    async def _disconnect(self, sid: str, *_: object) -> None:
        relay = self._relay_of()
        timer = self._auth_timers.pop(sid, None)
        if timer is not None:
            timer.cancel()
        conn = self.connections.pop(sid, None)
        if conn is None:
            return
        relay.metrics.connections -= 1
        await self._release(relay, conn)

    async def _release(self, relay: Relay, conn: Connection, *, late: bool = False) -> None:
        """Undo what a closed connection holds. Runs again (`late`) when a handler (an `auth`,
        a `group.join`) finishes after its connection closed, so nothing it added is left."""
        if conn.authenticated and not conn.released:
            conn.released = True
            assert conn.identity_key is not None and conn.user_id is not None
            try:
                if late:  # Socket.IO already dropped the sid from its rooms, before auth's entry
                    await relay.emitter.leave_room(conn.sid, user_room(conn.user_id))
                await relay.store.session_remove(conn.identity_key, conn.sid)
                await relay.store.touch(conn.identity_key, relay.clock.now())
            except Exception as exc:
                relay.log.error("disconnect.failed", code=type(exc).__name__)
            finally:
                relay.metrics.authenticated -= 1  # after the slot is free (tests wait on it)
        for room in list(conn.rooms):
            try:
                await rooms.drop_connection(relay, conn, room, event="left")
            except Exception as exc:  # a store hiccup must not stop the other rooms' clean-up
                relay.log.error("disconnect.failed", room=room, code=type(exc).__name__)

    async def _unknown(self, event: str, sid: str, *_: object) -> dict[str, Any]:
        self._relay_of().metrics.errors["bad_request"] += 1
        return ApiError("bad_request", "unknown event").to_wire()

    def _handler(self, event: str, route: Route) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def handle(sid: str, data: object = None, *_: object) -> dict[str, Any]:
            relay = self._relay_of()
            conn = self.connections.get(sid)
            try:
                if conn is None:
                    raise ApiError("not_authenticated")
                if route.needs_auth and not conn.authenticated:
                    raise ApiError("not_authenticated")
                if route.only_before_auth and conn.authenticated:
                    raise ApiError("already_authenticated")
                bucket = {"send": conn.send_bucket, "direct": conn.direct_bucket,
                          "keys": conn.keys_bucket}.get(route.bucket, conn.other_bucket)
                if not bucket.take(asyncio.get_running_loop().time()):
                    raise ApiError("rate_limited")
                request = route.decode(data)
                result = await route.rule(relay, conn, request)
            except ApiError as err:
                relay.metrics.errors[err.code] += 1
                relay.log.info("refused", method=event, code=err.code,
                               user_id=conn.user_id if conn else None)
                return err.to_wire()
            except Exception as exc:
                # Only the exception's type is logged: its text could carry request values.
                if conn is not None and self.connections.get(sid) is not conn:
                    # Closed while the rule ran (Socket.IO refuses its rooms): nobody is
                    # waiting for the answer, and nothing is wrong with the server.
                    relay.log.info("closed_during", method=event, code=type(exc).__name__)
                    return ApiError("internal").to_wire()
                relay.metrics.errors["internal"] += 1
                relay.log.error("internal_error", method=event, code=type(exc).__name__)
                return ApiError("internal").to_wire()
            finally:
                if conn is not None and self.connections.get(sid) is not conn:
                    await self._release(relay, conn, late=True)  # it closed while the rule ran
            return {"ok": True, **result}

        return handle
