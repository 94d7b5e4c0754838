"""The one adapter between the orchestration vectors and the Python client's group decisions.

``replay`` drives the client's own ``client.room_keys.RoomKeys`` (over a real ``Engine``, with
the vector's clock and seeded ``rng`` injected): verified membership, the ``RoomState`` actions
carried out (observed through ``on_action``), ``min_epoch`` on every received key,
``needs_rotation`` before every send. Per step it answers the actions taken and the room as it
stands; the browser replays the same file.
"""

from __future__ import annotations

import asyncio
from typing import Any

from client.engine import Engine
from client.room_keys import RoomKeys
from client.rooms import Action, DropRoomKeys, ForgetSender, NewSenderKey, ShareSenderKey
from e2ee.content import Content, SenderKeyDistribution, decode_content
from e2ee.direct import InMemorySessionStore
from e2ee.identity import Account, DeviceIdentity
from e2ee.membership import MembershipEvent


def replay(scenario: dict[str, Any], people: dict[str, dict[str, str]], server_key: bytes,
           rng: Any) -> list[dict[str, Any]]:
    """Every step of ``scenario`` through the Python client: [{out, room}] in step order."""
    return asyncio.run(_replay(scenario, people, server_key, rng))


async def _replay(scenario: dict[str, Any], people: dict[str, dict[str, str]],
                  server_key: bytes, rng: Any) -> list[dict[str, Any]]:
    seeds = people["me"]
    me = DeviceIdentity(bytes.fromhex(seeds["seed"]), bytes.fromhex(seeds["dh"]))
    names = {bytes.fromhex(p["key"]): name for name, p in people.items()}
    room_id = scenario["room"]
    engine = Engine(Account(me), InMemorySessionStore(), rng)
    now_ms = [0]
    out: list[dict[str, Any]] = []

    def on_action(a: Action) -> None:
        if isinstance(a, NewSenderKey):
            out.append({"do": "new_sender_key", "epoch": a.epoch})
        elif isinstance(a, ShareSenderKey):
            out.append({"do": "share", "to": [m.pseudonym for m in a.members]})
        elif isinstance(a, ForgetSender):
            out.append({"do": "forget", "sender": names[a.sender_key]})
        elif isinstance(a, DropRoomKeys):
            out.append({"do": "drop"})

    async def no_send(_pseudonym: str, _key: bytes, _content: Content) -> None:
        return None  # the vectors check that a key is shared with whom, not the 1:1 bytes

    keys = RoomKeys(
        engine, no_send, lambda: now_ms[0] / 1000,
        on_message=lambda env, received: None,
        on_closed=lambda room, reason: out.append({"do": "close", "reason": reason}),
        on_action=on_action,
    )
    keys.server_key = server_key
    results = []
    for step in scenario["steps"]:
        now_ms[0] = step.get("now_ms", now_ms[0])
        out = []
        answer: Any = out
        if step["op"] == "join":
            await keys.joined(room_id, MembershipEvent.from_wire(step["membership"]))
        elif step["op"] == "membership":
            await keys.membership(MembershipEvent.from_wire(step["membership"]))
        elif step["op"] == "distribution":
            skd = decode_content(bytes.fromhex(step["skd"]))
            assert isinstance(skd, SenderKeyDistribution)
            outcome = keys.accept_distribution(skd, bytes.fromhex(people[step["from"]]["key"]))
            answer = {"result": outcome.result}
            if outcome.error is not None:
                answer.update(code=outcome.error.code, reason=outcome.error.message)
        elif step["op"] == "send":
            for _ in range(step["count"]):
                await keys.encrypt(room_id, "x")
        else:
            raise ValueError(step["op"])
        results.append({"out": answer, "room": _snapshot(keys, room_id, engine, names)})
    return results


def _snapshot(keys: RoomKeys, room: str, engine: Engine, names: dict[bytes, str]) -> Any:
    state = keys.rooms.get(room)
    if state is None:
        return None
    return {
        "epoch": state.epoch, "min_epoch": state.min_epoch,
        "members": sorted(m.pseudonym for m in state.members.values()),
        "holds": sorted(n for k, n in names.items() if engine._groups.has_sender_key(room, k)),
    }
