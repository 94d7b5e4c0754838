"""My sender key rotates on its message-count and age bounds, by the injected clock.

docs/crypto.md §6.3: "Rotate also when ``needs_rotation(room, now_ms)`` says so: after
``MAX_MESSAGES_PER_SENDER_KEY`` (2000) messages or ``MAX_SENDER_KEY_AGE_MS`` (4 h) by the caller's
clock". Without it one chain key would serve a whole night (and up to 2^32 messages), so a
single leaked chain key would expose everything after it instead of a bounded window. The
peer's ``clock`` is a list the test moves: four hours pass without sleeping.
"""

from __future__ import annotations

import base64
from typing import Any

from client.chats import Group
from client.engine import Engine
from client.keystore import Keystore
from client.peer import PeerClient
from e2ee.group_wire import GroupHeader
from e2ee.limits import MAX_MESSAGES_PER_SENDER_KEY, MAX_SENDER_KEY_AGE_MS
from e2ee.membership import Member, MembershipEvent, sign_membership
from e2ee.primitives import ed25519_public

ROOM = "open/2026-11-26"
SERVER_SEED = bytes(range(32))


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        assert event == "room.send" and payload is not None
        self.sent.append(payload)
        return {"seq": len(self.sent), "ts": 0}


async def alone_in_room(clock: list[float]) -> tuple[PeerClient, Group, FakeTransport]:
    """A peer alone in a room, on a fake transport, whose clock is ``clock[0]`` (Unix s)."""
    engine = Engine.create()
    peer = PeerClient("http://127.0.0.1:9", engine, Keystore(None), "me", clock=lambda: clock[0])
    fake = FakeTransport()
    peer._session._transport = fake  # type: ignore[assignment]
    keys = peer._groups.keys
    keys.server_key = ed25519_public(SERVER_SEED)
    me = Member("me", engine.identity_key, "peer")
    sig = sign_membership(SERVER_SEED, ROOM, 3, "joined", engine.identity_key, "peer",
                          [(engine.identity_key, "peer")], 0)
    membership = MembershipEvent(ROOM, 3, "joined", "me", engine.identity_key, "peer", (me,), 0,
                                 sig)
    await keys.joined(ROOM, membership)
    group = Group(peer._groups, "open", ROOM)
    peer._groups.handles[ROOM] = group
    return peer, group, fake


def key_ids(fake: FakeTransport) -> list[int]:

    return [GroupHeader.decode(base64.b64decode(p["header"])).key_id for p in fake.sent]


async def test_sender_key_rotates_after_its_age_bound() -> None:
    clock = [1_764_000_000.0]  # the injected clock moves; nothing sleeps
    _peer, group, fake = await alone_in_room(clock)
    await group.send("first")
    clock[0] += (MAX_SENDER_KEY_AGE_MS - 1) / 1000
    await group.send("still young")
    clock[0] += 0.001
    await group.send("four hours later")
    ids = key_ids(fake)
    assert ids[0] == ids[1] != ids[2]


async def test_sender_key_rotates_after_its_message_bound() -> None:
    clock = [1_764_000_000.0]
    _peer, group, fake = await alone_in_room(clock)
    for i in range(MAX_MESSAGES_PER_SENDER_KEY + 1):
        await group.send(f"m{i}")
    ids = key_ids(fake)
    assert len(set(ids[:MAX_MESSAGES_PER_SENDER_KEY])) == 1
    assert ids[MAX_MESSAGES_PER_SENDER_KEY] != ids[0]
