"""Reserved and unknown event names from the wire (threat-model finding 1), on both stores.

A client-sent `42["connect",{}]` once ran the server's own connect handler: a fresh
unauthenticated state replaced the connection's without releasing it (ghost members, bypassed
rate limits, leaked connection slots). These frames are sent raw, as an attacker would.
"""

from __future__ import annotations

import asyncio
import base64
from importlib.metadata import version
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from e2ee.identity import auth_message
from server.api.guard import GuardedServer
from server.api.routes import ROUTES
from server.domain.records import Member
from server.domain.roles import Role
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer, envelope, pow_for, wait_until
from tests.server.rawsocket import RawSocket

RESERVED_FRAMES = ('["connect",{}]', '["connect"]', '["disconnect","client disconnect"]',
                   '["disconnect"]', '["*",{}]', '["no.such.event",{}]', '[7,{}]', '[]')


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def raw_auth(raw: RawSocket, key: Ed25519PrivateKey, pseudonym: str | None = None
                   ) -> dict[str, Any]:
    """hello + auth over a raw socket."""
    hello: dict[str, Any] = await raw.call("hello", {})
    if not hello["ok"]:
        return hello
    challenge = base64.b64decode(hello["challenge"])
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signed = auth_message(challenge, public, base64.b64decode(hello["server_key"]))
    request: dict[str, Any] = {"identity_key": _b64(public), "signature": _b64(key.sign(signed)),
                               "pow": pow_for(hello, public)}
    if pseudonym is not None:
        request["pseudonym"] = pseudonym
    reply: dict[str, Any] = await raw.call("auth", request)
    return reply


def test_python_socketio_is_the_pinned_version() -> None:
    # The guard overrides python-socketio internals; an upgrade must come through this test.
    assert version("python-socketio").startswith("5.18."), version("python-socketio")
    for hook in ("_handle_eio_connect", "_handle_connect", "_handle_event",
                 "_handle_eio_disconnect"):
        assert hook in GuardedServer.__dict__
        assert hasattr(GuardedServer.__mro__[1], hook), hook


async def test_reserved_and_unknown_names_run_no_handler(server: LiveServer) -> None:
    raw = await RawSocket.open(server.url)
    try:
        assert (await raw_auth(raw, Ed25519PrivateKey.generate(), "Varattu Nimi"))["ok"]
        room = (await raw.call("group.join", {"group_id": "open"}))["room"]
        for frame in RESERVED_FRAMES:
            reply = await raw.call_text(frame)
            assert reply is not None and reply["ok"] is False, (frame, reply)
            assert reply["error"] == "bad_request", (frame, reply)
        # The connection kept its state: still signed in, still in the room.
        assert (await raw.call("room.send", {"room": room, **envelope()}))["ok"]
        assert server.services.metrics.connections == 1
        assert server.services.metrics.authenticated == 1
    finally:
        await raw.close()
    await wait_until(lambda: server.services.metrics.authenticated == 0)


async def test_connect_frame_leaves_no_ghost_member(server: LiveServer) -> None:
    raw = await RawSocket.open(server.url)
    key = Ed25519PrivateKey.generate()
    try:
        assert (await raw_auth(raw, key, "Haamu"))["ok"]
        room = (await raw.call("group.join", {"group_id": "small"}))["room"]
        await raw.send('42["connect",{}]')
        # A second sign-in on the same socket is refused: it is still the first session.
        assert (await raw.call("hello", {}))["error"] == "already_authenticated"
    finally:
        await raw.close()

    for _ in range(250):
        if not await server.services.stores.rooms.members(room):
            break
        await asyncio.sleep(0.02)
    assert await server.services.stores.rooms.members(room) == []
    # Both seats of the small group are free for real peers.
    first = await Peer.connect(server.url, "Oikea Yksi")
    second = await Peer.connect(server.url, "Oikea Kaksi")
    try:
        assert (await first.call("group.join", {"group_id": "small"}))["ok"]
        assert (await second.call("group.join", {"group_id": "small"}))["ok"]
    finally:
        await first.close()
        await second.close()


async def test_connect_frame_does_not_reset_the_rate_limit(server: LiveServer) -> None:
    raw = await RawSocket.open(server.url)
    try:
        assert (await raw_auth(raw, Ed25519PrivateKey.generate(), "Kiire"))["ok"]
        room = (await raw.call("group.join", {"group_id": "open"}))["room"]
        codes = []
        started = asyncio.get_running_loop().time()
        for i in range(40):
            if i % 5 == 0:
                await raw.send('42["connect",{}]')
                await raw.send('42["disconnect"]')
            reply = await raw.call("room.send", {"room": room, **envelope()})
            codes.append("ok" if reply["ok"] else reply["error"])
        elapsed = asyncio.get_running_loop().time() - started
        assert codes.count("ok") <= 20 + 5 * elapsed + 1  # burst 20, refilled at 5/s
        assert set(codes) == {"ok", "rate_limited"}
    finally:
        await raw.close()


async def test_key_not_locked_out_and_cap_holds_after_the_attack(
        live_server_factory: LiveServerFactory, request: Any) -> None:
    for backend in ({}, {"redis_url": request.getfixturevalue("redis_url")}):
        server = await live_server_factory(max_connections_per_key=2, **backend)
        key = Ed25519PrivateKey.generate()
        attackers = []
        for _ in range(3):
            raw = await RawSocket.open(server.url)
            attackers.append(raw)
            await raw_auth(raw, key)
            for _ in range(3):
                await raw.send('42["connect",{}]')
                await raw_auth(raw, key)
        # Two sockets hold the key's two slots; the third was refused, reset or not.
        assert await _at_most_sessions(server, key, 2)
        for raw in attackers:
            await raw.close()
        await wait_until(lambda s=server: s.services.metrics.authenticated == 0)
        # Not locked out: the key signs in again, twice, and no more than twice.
        one = await Peer.connect(server.url, key=key)
        two = await Peer.connect(server.url, key=key)
        three = await Peer.connect(server.url, key=key, auth=False)
        try:
            assert (await three.authenticate())["error"] == "too_many_connections"
        finally:
            for peer in (one, two, three):
                await peer.close()


async def _at_most_sessions(server: LiveServer, key: Ed25519PrivateKey, cap: int) -> bool:
    """True if the store holds at most `cap` sessions of `key` (probed: add one, undo)."""
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    fits = await server.services.stores.identities.session_add(public, "probe", "probe", cap + 1)
    if fits:
        await server.services.stores.identities.session_remove(public, "probe")
    return fits


async def test_orphaned_room_member_is_reaped(server: LiveServer) -> None:
    relay = server.services
    peer = await Peer.connect(server.url, "Elossa")
    try:
        room = (await peer.call("group.join", {"group_id": "open"}))["room"]
        ghost = Member(pseudonym="Haamu", identity_key=b"\x01" * 32, role=Role.PEER)
        # What a lost disconnect used to leave: a record owned by this live process.
        await relay.stores.rooms.add(room, "gone-sid", ghost, relay.instance_id)
        await server.scheduler.tick()
        members = await relay.stores.rooms.members(room)
        assert [m.identity_key for m in members] == [peer.identity_key]
        left = await peer.next("room.membership")
        assert left["event"] == "left" and left["identity_key"] == _b64(b"\x01" * 32)
    finally:
        await peer.close()


def test_routes_are_the_only_events() -> None:
    assert "connect" not in ROUTES and "disconnect" not in ROUTES and "*" not in ROUTES
