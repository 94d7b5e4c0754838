"""Review: the client must rotate its sender key on the message-count and age bounds.

docs/crypto.md §6.3: "Rotate also when ``needs_rotation(room, now_ms)`` says so: after
``MAX_MESSAGES_PER_SENDER_KEY`` (2000) messages or ``MAX_SENDER_KEY_AGE_MS`` (4 h) by the caller's
clock (pass ``now_ms`` to ``create_sender_key``)". The client never called ``needs_rotation``
and made every key with ``now_ms=0``: one chain key served a whole night (and up to 2^32
messages), so a single leaked chain key exposed everything after it instead of a bounded window.
"""

from __future__ import annotations

import base64
from typing import Any

from client.chats import Group
from client.engine import Engine
from client.keystore import Keystore
from client.peer import PeerClient
from client.rooms import RoomState
from e2ee.group_wire import GroupHeader
from e2ee.limits import MAX_MESSAGES_PER_SENDER_KEY, MAX_SENDER_KEY_AGE_MS
from e2ee.membership import Member, MembershipEvent

ROOM = "open/2026-11-26"


class FakeTransport:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        assert event == "room.send" and payload is not None
        self.sent.append(payload)
        return {"seq": len(self.sent), "ts": 0}


async def alone_in_room(clock: list[int]) -> tuple[PeerClient, Group, FakeTransport]:
    engine = Engine.create()
    peer = PeerClient("http://127.0.0.1:9", engine, Keystore(None), "me")
    fake = FakeTransport()
    peer._transport = fake  # type: ignore[assignment]
    peer._now_ms = lambda: clock[0]  # type: ignore[method-assign]
    state = RoomState(ROOM, engine.identity_key)
    peer._rooms[ROOM] = state
    group = Group(peer, "open", ROOM)
    peer._groups[ROOM] = group
    me = Member("me", engine.identity_key, "peer")
    await peer._execute(state.joined(MembershipEvent(ROOM, 3, "joined", "me", engine.identity_key,
                                                     (me,), 0, bytes(64))))
    return peer, group, fake


def key_ids(fake: FakeTransport) -> list[int]:

    return [GroupHeader.decode(base64.b64decode(p["header"])).key_id for p in fake.sent]


async def test_sender_key_rotates_after_its_age_bound() -> None:
    clock = [10_000_000]
    _peer, group, fake = await alone_in_room(clock)
    await group.send("first")
    clock[0] += MAX_SENDER_KEY_AGE_MS - 1
    await group.send("still young")
    clock[0] += 1
    await group.send("four hours later")
    ids = key_ids(fake)
    assert ids[0] == ids[1] != ids[2]


async def test_sender_key_rotates_after_its_message_bound() -> None:
    clock = [10_000_000]
    _peer, group, fake = await alone_in_room(clock)
    for i in range(MAX_MESSAGES_PER_SENDER_KEY + 1):
        await group.send(f"m{i}")
    ids = key_ids(fake)
    assert len(set(ids[:MAX_MESSAGES_PER_SENDER_KEY])) == 1
    assert ids[MAX_MESSAGES_PER_SENDER_KEY] != ids[0]
