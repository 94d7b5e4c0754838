"""A raw protocol client for the reliability tests: python-socketio over the websocket, the
signed-challenge login of docs/protocol.md, opaque envelopes, and every push kept in order.

It does no end-to-end encryption (the relay only ever sees ciphertext, so opaque bytes load it
the same way) and so is cheap enough to run hundreds at once, and it can send what a real client
never would (wrong roles, wrong rooms, floods). It imports only the public protocol core (e2ee).
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections import defaultdict
from typing import Any

import aiohttp
import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2ee.erase import erase_message
from e2ee.identity import auth_message
from e2ee.pow import solve

PUSHES = ("room.envelope", "room.membership", "group.opened", "group.closing", "group.closed",
          "direct.envelope", "direct.typing")
CALL_TIMEOUT_S = 20.0


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class RawPeer:
    """One connection and one identity key; `call` answers the raw ack dict."""

    def __init__(self, url: str, *, headers: dict[str, str] | None = None,
                 source: str | None = None) -> None:
        """`source`: a loopback address to connect from (e.g. 127.0.0.7), to trace it."""
        self.url = url
        self.headers = headers or {}
        self.key = Ed25519PrivateKey.generate()
        self.identity_key = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.pseudonym: str | None = None
        self.server_key = b""
        self.pushes: dict[str, list[Any]] = defaultdict(list)
        self.arrived_at: dict[str, list[float]] = defaultdict(list)  # loop time, per push
        self.arrived = asyncio.Event()
        session: Any = None
        if source is not None:
            def session() -> aiohttp.ClientSession:
                return aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(local_addr=(source, 0)))
        self.sio = socketio.AsyncClient(reconnection=False, logger=False,
                                        engineio_logger=False, http_session=session)
        for name in PUSHES:
            self.sio.on(name, self._keeper(name))

    def __repr__(self) -> str:
        return f"RawPeer(pseudonym={self.pseudonym!r})"

    def _keeper(self, name: str) -> Any:
        def keep(data: Any = None) -> None:
            self.pushes[name].append(data)
            self.arrived_at[name].append(asyncio.get_running_loop().time())
            self.arrived.set()
        return keep

    async def connect(self) -> RawPeer:
        await self.sio.connect(self.url, transports=["websocket"], headers=self.headers,
                               wait_timeout=int(CALL_TIMEOUT_S))
        return self

    async def call(self, event: str, payload: Any = None,
                   timeout: float = CALL_TIMEOUT_S) -> dict[str, Any]:
        """Emit with an ack; the ack as the server sent it."""
        reply = await self.sio.call(event, payload if payload is not None else {},
                                    timeout=timeout)
        assert isinstance(reply, dict), reply
        return reply

    async def login(self, pseudonym: str | None = None) -> dict[str, Any]:
        """hello + auth; the auth ack (asserted ok)."""
        hello = await self.call("hello")
        assert hello.get("ok") is True, hello
        request = self.auth_request(hello)
        if pseudonym:
            request["pseudonym"] = pseudonym
        reply = await self.call("auth", request)
        assert reply.get("ok") is True, reply
        self.pseudonym = reply["pseudonym"]
        self.server_key = base64.b64decode(hello["server_key"])
        return reply

    def auth_request(self, hello: dict[str, Any]) -> dict[str, Any]:
        """The `auth` fields for a `hello` answer: the v2 signature and the proof of work."""
        challenge = base64.b64decode(hello["challenge"])
        signed = auth_message(challenge, self.identity_key, base64.b64decode(hello["server_key"]))
        return {"identity_key": b64(self.identity_key), "signature": b64(self.key.sign(signed)),
                "pow": solve(challenge, self.identity_key, int(hello.get("pow_bits", 0)))}

    def auth_signature(self, challenge: str) -> str:
        """An auth v2 signature over `challenge` (base64) for the server signed in to."""
        return b64(self.key.sign(auth_message(base64.b64decode(challenge), self.identity_key,
                                              self.server_key)))

    def erase_signature(self, challenge: str) -> str:
        """The `identity.erase` signature over `challenge` (base64)."""
        return b64(self.key.sign(erase_message(base64.b64decode(challenge), self.identity_key,
                                               self.server_key)))

    async def join(self, group_id: str) -> str:
        """Join a group; its room id."""
        reply = await self.call("group.join", {"group_id": group_id})
        assert reply.get("ok") is True, reply
        return str(reply["room"])

    async def send_room(self, room: str, body: bytes, kind: str = "test.opaque",
                        timeout: float = CALL_TIMEOUT_S) -> dict[str, Any]:
        return await self.call("room.send", {"room": room, "kind": kind,
                                             "header": b64(b"h" * 16), "body": b64(body)},
                               timeout=timeout)

    async def send_direct(self, to: str, body: bytes,
                          kind: str = "test.opaque") -> dict[str, Any]:
        return await self.call("direct.send", {"to": to, "kind": kind,
                                               "header": b64(b"h" * 16), "body": b64(body)})

    def bodies(self, push: str = "room.envelope") -> list[bytes]:
        """The decoded bodies of the envelopes pushed so far."""
        return [base64.b64decode(p["body"]) for p in self.pushes[push]]

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


def random_body(size: int = 64) -> bytes:
    return os.urandom(size)


async def logged_in(url: str, pseudonym: str | None = None, **kwargs: Any) -> RawPeer:
    peer = RawPeer(url, **kwargs)
    await peer.connect()
    await peer.login(pseudonym)
    return peer
