"""A raw Engine.IO v4 / Socket.IO v5 websocket client for hostile frames.

The python-socketio client refuses to send what an attacker sends (reserved names, huge
integers, deep nesting, empty frames), so these tests speak the wire protocol themselves:

    raw = await RawSocket.open(server.url)      # Engine.IO open + Socket.IO `40`
    reply = await raw.call_text('["auth",{}]')  # sends `42<id>[...]`, returns the ack body
    await raw.send("42[\"connect\",{}]")         # any frame, no answer expected
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class RawSocket:
    """One websocket to the relay, answering pings, collecting acks by id."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.http = http
        self.ws = ws
        self.sid: str | None = None
        self._next_id = 1
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self.events: list[list[Any]] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, url: str, *, connect: bool = True,
                   headers: dict[str, str] | None = None,
                   local_addr: str | None = None) -> RawSocket:
        """Open the websocket (and the Socket.IO session unless connect=False); `local_addr`
        binds the client's end (another loopback address, 127.0.0.2, is another client)."""
        connector = None if local_addr is None else aiohttp.TCPConnector(local_addr=(local_addr, 0))
        http = aiohttp.ClientSession(connector=connector)
        try:
            ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket",
                                       headers=headers or {})
        except BaseException:
            await http.close()
            raise
        first = await ws.receive_str(timeout=5)
        assert first.startswith("0"), first
        raw = cls(http, ws)
        if connect:
            raw._connected = asyncio.get_running_loop().create_future()
            await ws.send_str("40")
            raw.sid = await asyncio.wait_for(raw._connected, 5)
        return raw

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            text: str = msg.data
            if text == "2":
                await self.ws.send_str("3")
            elif text.startswith("40"):
                fut = getattr(self, "_connected", None)
                if fut is not None and not fut.done():
                    fut.set_result(json.loads(text[2:])["sid"])
            elif text.startswith("43"):
                digits = ""
                for ch in text[2:]:
                    if not ch.isdigit():
                        break
                    digits += ch
                body = json.loads(text[2 + len(digits):])
                fut = self._acks.pop(int(digits), None)
                if fut is not None and not fut.done():
                    fut.set_result(body[0] if body else None)
            elif text.startswith("42"):
                self.events.append(json.loads(text[2:]))
        for fut in self._acks.values():  # closed by the server: nobody will answer
            if not fut.done():
                fut.set_exception(ConnectionError("the server closed the websocket"))

    @property
    def closed(self) -> bool:
        """True once the server closed the websocket itself."""
        return self.ws.closed or self._reader.done()

    async def send(self, frame: str | bytes) -> None:
        """Send one raw websocket frame."""
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_str(frame)

    async def call_text(self, array_json: str, timeout: float = 5.0) -> Any:
        """Send `42<id><array_json>` and return the ack's first argument."""
        ack_id = self._next_id
        self._next_id += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = fut
        await self.ws.send_str(f"42{ack_id}{array_json}")
        return await asyncio.wait_for(fut, timeout)

    async def call(self, event: Any, *args: Any, timeout: float = 5.0) -> Any:
        """`call_text` with a JSON-encoded `[event, *args]`."""
        return await self.call_text(json.dumps([event, *args]), timeout)

    async def close(self) -> None:
        """Close the websocket and the HTTP session."""
        self._reader.cancel()
        await self.ws.close()
        await self.http.close()
