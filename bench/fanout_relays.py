"""The Python baselines of bench/fanout_bench.py, on uvloop, websocket only, no compression.

    python bench/fanout_relays.py socketio PORT   minimal stock python-socketio relay: `group.join`
                                                  enters the room named by group_id, `room.send`
                                                  is emitted to the others and acknowledged
    python bench/fanout_relays.py ws PORT         plain aiohttp websocket relay (the practical
                                                  ceiling): `/ws?room=R`, every text frame is
                                                  forwarded as it came to the others in R

Nothing else: no authentication, validation, storage, sequence numbers or stamps.
"""

from __future__ import annotations

import sys
from typing import Any

import socketio
import uvloop
from aiohttp import WSMsgType, web


def socketio_app() -> web.Application:
    """Stock python-socketio with its default manager."""
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"], logger=False,
                               engineio_logger=False)
    app = web.Application()
    sio.attach(app)

    @sio.on("group.join")
    async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, data["group_id"])
        return {"ok": True, "room": data["group_id"]}

    @sio.on("room.send")
    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.emit("room.envelope", data, to=data["room"], skip_sid=sid)
        return {"ok": True}

    return app


def ws_app() -> web.Application:
    """A websocket relay with nothing but rooms."""
    rooms: dict[str, set[web.WebSocketResponse]] = {}

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=256 * 1024)
        await ws.prepare(request)
        members = rooms.setdefault(request.query["room"], set())
        members.add(ws)
        await ws.send_str("{}")
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                for other in members:
                    if other is not ws:
                        await other.send_str(msg.data)
        finally:
            members.discard(ws)
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    return app


def main() -> None:
    """Serve the chosen relay on 127.0.0.1 until terminated."""
    kind, port = sys.argv[1], int(sys.argv[2])
    app = socketio_app() if kind == "socketio" else ws_app()

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=lambda _: None,
                shutdown_timeout=1, loop=uvloop.new_event_loop())


if __name__ == "__main__":
    main()
