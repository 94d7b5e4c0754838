"""The bare relay bench/relay_bench.py compares Iltapiiri against: python-socketio on aiohttp and
nothing else. No authentication, no validation, no storage, no sequence numbers, no franking
stamp: `room.send` emits the request as it came to everyone else in the room.

`hello`, `auth` and `group.join` answer just enough for the benchmark's client to run the same
script against both relays (the signature is not checked; the group id is the room).

    .venv/bin/python bench/relay_baseline.py --port 8081 [--redis redis://127.0.0.1:PORT/0]

Loopback only; stops on SIGTERM / Ctrl-C.
"""

from __future__ import annotations

import argparse
from typing import Any

import socketio
from aiohttp import web


def make_app(redis_url: str | None) -> web.Application:
    """The bare relay; with `redis_url`, rooms span processes through `AsyncRedisManager`."""
    manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"],
                               client_manager=manager, logger=False, engineio_logger=False)
    app = web.Application()
    sio.attach(app)

    @sio.on("hello")
    async def hello(sid: str, data: Any = None) -> dict[str, Any]:
        # The same reply shape as the real hello (auth v2 signs over the server key); nothing checks it.
        return {"ok": True, "challenge": "AAAA", "server_key": "A" * 43 + "="}

    @sio.on("auth")
    async def auth(sid: str, data: Any = None) -> dict[str, Any]:
        return {"ok": True}

    @sio.on("group.join")
    async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, data["group_id"])
        return {"ok": True, "room": data["group_id"]}

    @sio.on("room.send")
    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.emit("room.envelope", data, to=data["room"], skip_sid=sid)
        return {"ok": True}

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    """Serve on 127.0.0.1 until terminated."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None, help="Redis URL for AsyncRedisManager")
    args = parser.parse_args()
    web.run_app(make_app(args.redis), host="127.0.0.1", port=args.port, access_log=None,
                print=lambda _: None, shutdown_timeout=1)


if __name__ == "__main__":
    main()
