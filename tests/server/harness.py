"""A tiny test client: python-socketio AsyncClient (websocket only) with a signed challenge.

    peer = await Peer.connect(server.url, pseudonym="Alice")
    reply = await peer.call("group.join", {"group_id": "open"})
    push = await peer.next("room.envelope")
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

import socketio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2ee.identity import auth_message
from e2ee.pow import solve as solve_pow

PUSH_EVENTS = ("room.envelope", "room.membership", "group.opened", "group.closing",
               "group.closed", "direct.envelope", "direct.typing", "keys.low", "mod.alert", "mod.alert_update",
               "mod.notice", "room.notice", "room.tombstone", "mod.report",
               "staff.session_ended", "case.update", "case.counsellor",
               "case.closed", "case.invite", "case.handoff", "case.offer", "case.alert",
               "case.taken", "case.transfer_offer", "case.transferred", "case.ended", "case.queue",
               "mod.debrief", "room.resync", "inbox.resync", "cases.resync")


def b64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Inverse of b64."""
    return base64.b64decode(text, validate=True)


class Peer:
    """One connected test peer with its own Ed25519 identity key."""

    def __init__(self, key: Ed25519PrivateKey | None = None) -> None:
        self.key = key or Ed25519PrivateKey.generate()
        self.identity_key = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.pushes: dict[str, asyncio.Queue[dict[str, Any]]] = {
            e: asyncio.Queue() for e in PUSH_EVENTS}
        self.pseudonym: str | None = None
        self.server_key: bytes | None = None
        for event in PUSH_EVENTS:
            self.sio.on(event, self._collector(event))

    def _collector(self, event: str) -> Any:
        async def collect(data: dict[str, Any]) -> None:
            await self.pushes[event].put(data)
        return collect

    @classmethod
    async def connect(cls, url: str, pseudonym: str | None = None, *,
                      key: Ed25519PrivateKey | None = None, auth: bool = True,
                      staff_token: str | None = None) -> Peer:
        """Connect (websocket only), then `hello` + `auth` unless auth=False. With
        `staff_token` the upgrade carries the staff session cookie (a staff socket)."""
        peer = cls(key)
        headers = {"Cookie": f"__Host-iltapiiri_staff={staff_token}"} if staff_token else {}
        await peer.sio.connect(url, transports=["websocket"], headers=headers)
        if auth:
            reply = await peer.authenticate(pseudonym)
            assert reply["ok"], reply
        return peer

    async def authenticate(self, pseudonym: str | None = None) -> dict[str, Any]:
        """hello + auth with a valid signature; returns the auth reply."""
        hello = await self.call("hello", {})
        if not hello["ok"]:
            return hello
        self.server_key = unb64(hello["server_key"])
        challenge = unb64(hello["challenge"])
        request: dict[str, Any] = {
            "pow": pow_for(hello, self.identity_key),
            "identity_key": b64(self.identity_key),
            "signature": b64(self.key.sign(
                auth_message(challenge, self.identity_key, self.server_key)))}
        if pseudonym is not None:
            request["pseudonym"] = pseudonym
        reply = await self.call("auth", request)
        if reply.get("ok"):
            self.pseudonym = reply["pseudonym"]
        return reply

    async def call(self, event: str, data: Any = None, timeout: float = 5.0) -> dict[str, Any]:
        """Emit with an ack and return the ack body."""
        reply = await self.sio.call(event, {} if data is None else data, timeout=timeout)
        assert isinstance(reply, dict)
        return reply

    async def next(self, event: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next push of this event (fails the test after `timeout`)."""
        return await asyncio.wait_for(self.pushes[event].get(), timeout)

    async def nothing(self, event: str, wait: float = 0.3) -> None:
        """Assert no push of this event arrives within `wait` seconds."""
        await asyncio.sleep(wait)
        assert self.pushes[event].empty(), f"unexpected {event}"

    def drain(self, event: str) -> list[dict[str, Any]]:
        """Everything of this event received so far."""
        items = []
        while not self.pushes[event].empty():
            items.append(self.pushes[event].get_nowait())
        return items

    async def close(self) -> None:
        """Disconnect."""
        await self.sio.disconnect()


def envelope(body: bytes = b"ciphertext", *, kind: str = "msg", header: bytes = b"hdr",
             commitment: bytes | None = None) -> dict[str, Any]:
    """The envelope fields of a send request."""
    fields: dict[str, Any] = {"kind": kind, "header": b64(header), "body": b64(body)}
    if commitment is not None:
        fields["commitment"] = b64(commitment)
    return fields


def pow_for(hello: dict[str, Any], identity_key: bytes) -> int:
    """The proof-of-work nonce that answers a `hello` reply for this key."""
    return solve_pow(unb64(hello["challenge"]), identity_key, hello.get("pow_bits", 0))


def random_bytes(n: int) -> bytes:
    """Random bytes for test payloads."""
    return os.urandom(n)


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    """Poll `predicate()` until true (for server-side effects of a disconnect)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
