"""A group message is never shown under a pseudonym pinned to another identity key.

The relay stamps ``sender`` (pseudonym) and ``sender_key`` on a ``room.envelope``; the signature
proves only the key. Every room member is pinned (sender keys travel over 1:1), so a group
envelope is checked against the pseudonym → key pins as a 1:1 one is: a malicious server cannot
show member mallory's genuine message as written by "bob" (the "forged message in a peer's
name" docs/threat-model.md lists as protected).
"""

from __future__ import annotations

import pytest

from client.chats import Group
from client.engine import Engine
from client.keystore import Keystore
from client.peer import PeerClient
from client.rooms import RoomState
from client.wire import b64e
from e2ee.envelopes import GroupEnvelope

ROOM = "open/2026-11-26"


def stamped(engine: Engine, sender: str, sender_key: bytes, seq: int, text: str) -> dict[str, object]:
    wire = engine.encrypt_group(ROOM, text).to_wire()
    wire.update(room=ROOM, seq=seq, ts=1_764_000_000_000 + seq, sender=sender,
                sender_key=b64e(sender_key))
    return wire


@pytest.fixture
def setup() -> tuple[PeerClient, Group, Engine, Engine]:
    me, bob, mallory = Engine.create(), Engine.create(), Engine.create()
    peer = PeerClient("http://127.0.0.1:9", me, Keystore(None), "me")
    peer._groups.keys.rooms[ROOM] = RoomState(ROOM, me.identity_key)
    group = Group(peer._groups, "open", ROOM)
    peer._groups.handles[ROOM] = group
    for who in (bob, mallory):
        who.new_sender_key(ROOM, 1)
        me.accept_distribution(who.my_distribution(ROOM), who.identity_key, room=ROOM, min_epoch=0)
    me.pins.update(bob=bob.identity_key, mallory=mallory.identity_key)
    return peer, group, bob, mallory


async def test_relabelled_group_message_is_not_shown_as_bob(setup: tuple[PeerClient, Group, Engine, Engine]) -> None:
    peer, group, bob, mallory = setup
    await peer._groups.keys.envelope(stamped(mallory, "bob", mallory.identity_key, 1, "I quit"))
    await peer._groups.keys.envelope(stamped(bob, "bob", bob.identity_key, 2, "hello"))
    first = await group.next_message(timeout=0.1)
    assert (first.sender, first.text) == ("bob", "hello")
    assert first.sender_key == bob.identity_key


async def test_genuine_group_messages_still_arrive(setup: tuple[PeerClient, Group, Engine, Engine]) -> None:
    peer, group, bob, mallory = setup
    await peer._groups.keys.envelope(stamped(mallory, "mallory", mallory.identity_key, 1, "hi"))
    msg = await group.next_message(timeout=0.1)
    assert (msg.sender, msg.text) == ("mallory", "hi")
    GroupEnvelope.from_wire(stamped(bob, "bob", bob.identity_key, 2, "x"))  # shape sanity
