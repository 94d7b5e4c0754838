"""``RoomKeys`` says what became of every sender key that arrives, and tells of every action.

The outcome (accepted, duplicate, ignored, refused with the core's code) is what the
orchestration vectors compare across the Python and browser clients; a refusal never raises.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from client.engine import Engine
from client.room_keys import RoomKeys
from client.rooms import Action, NewSenderKey, RoomState

ROOM = "open/2026-11-26"


def keys_of(me: Engine, actions: list[Action] | None = None) -> RoomKeys:
    async def no_direct(*_: Any) -> None:
        return None

    keys = RoomKeys(me, no_direct, lambda: 1_764_000_000.0, on_message=lambda env, r: None,
                    on_closed=lambda room, reason: None,
                    on_action=actions.append if actions is not None else None)
    keys.rooms[ROOM] = RoomState(ROOM, me.identity_key)
    return keys


def test_outcome_of_each_sender_key() -> None:
    me, bob, mallory = Engine.create(), Engine.create(), Engine.create()
    keys = keys_of(me)
    bob.new_sender_key(ROOM, 1)
    skd = bob.my_distribution(ROOM)
    assert keys.accept_distribution(skd, bob.identity_key).result == "accepted"
    assert keys.accept_distribution(skd, bob.identity_key).result == "duplicate"
    # bob's key handed over by mallory: refused, not raised
    refused = keys.accept_distribution(skd, mallory.identity_key)
    assert refused.result == "refused" and refused.error is not None and refused.error.code
    assert keys.undecryptable == 1
    elsewhere = dataclasses.replace(skd, room="other/2026-11-26")  # a room I am not in
    assert keys.accept_distribution(elsewhere, bob.identity_key).result == "ignored"


async def test_every_action_is_told_before_it_is_carried_out() -> None:
    me = Engine.create()
    seen: list[Action] = []
    keys = keys_of(me, seen)
    await keys._execute([NewSenderKey(room=ROOM, epoch=2)])
    assert seen == [NewSenderKey(room=ROOM, epoch=2)]
    assert me.my_distribution(ROOM).epoch == 2
