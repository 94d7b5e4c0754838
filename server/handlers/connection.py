"""Connection set-up and teardown: what a Socket.IO session holds, and undoing it when the
session ends (its key's connection slot, last-seen time, and every room it is in)."""

from __future__ import annotations

from server.domain.ids import user_room
from server.handlers import counsellor, room_life
from server.handlers.services import Connection, Services


def open_connection(services: Services, sid: str, source: str) -> Connection:
    """The state of a new session; `source` is the opaque tag of its address (never the
    address itself)."""
    services.metrics.connections += 1
    return Connection(sid=sid, source=source, send_rate=services.settings.send_rate,
                      send_burst=services.settings.send_burst)


async def close_connection(services: Services, conn: Connection) -> None:
    """The session has ended: release what it holds."""
    services.metrics.connections -= 1
    await release(services, conn)


async def release(services: Services, conn: Connection, *, late: bool = False) -> None:
    """Undo what a closed connection holds. Runs again (`late`) when a handler (an `auth`,
    a `group.join`) finishes after its connection closed, so nothing it added is left."""
    if conn.authenticated and not conn.released:
        conn.released = True
        assert conn.identity_key is not None and conn.user_id is not None
        try:  # a counsellor whose connection closed is away (their cases stay theirs)
            await counsellor.went_away(services, conn)
        except Exception as exc:
            services.log.error("disconnect.failed", code=type(exc).__name__)
        try:
            if late:  # Socket.IO already dropped the sid from its rooms, before auth's entry
                await services.emitter.leave_room(conn.sid, user_room(conn.user_id))
            await services.stores.identities.session_remove(conn.identity_key, conn.sid)
            await services.stores.identities.touch(conn.identity_key, services.clock.now())
        except Exception as exc:
            services.log.error("disconnect.failed", code=type(exc).__name__)
        finally:
            services.metrics.authenticated -= 1  # after the slot is free (tests wait on it)
    for room in list(conn.rooms):
        try:
            await room_life.drop_connection(services, conn, room, event="left")
        except Exception as exc:  # a store hiccup must not stop the other rooms' clean-up
            services.log.error("disconnect.failed", room=room, code=type(exc).__name__)
