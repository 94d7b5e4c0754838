"""The one adapter between the orchestration vectors and the Python client's group decisions.

``replay`` drives ``client.rooms.RoomState`` and ``e2ee.group.GroupKeys`` with the same glue as
``client.group_flow`` (verify membership, carry out actions, ``min_epoch`` on every received
key, ``needs_rotation`` before every send) and answers, per step, the actions taken and the
room as it stands. When the client is recomposed, point this function at the new code: the
vector file and the browser replay stay as they are.
"""

from __future__ import annotations

from typing import Any

from client.membership import verify_membership
from client.rooms import Action, DropRoomKeys, ForgetSender, NewSenderKey, RoomState, ShareSenderKey
from e2ee.content import SenderKeyDistribution, decode_content
from e2ee.errors import E2EEError
from e2ee.group import GroupKeys
from e2ee.identity import DeviceIdentity
from e2ee.membership import MembershipEvent


def replay(scenario: dict[str, Any], people: dict[str, dict[str, str]], server_key: bytes,
           rng: Any) -> list[dict[str, Any]]:
    """Every step of ``scenario`` through the Python client: [{out, room}] in step order."""
    seeds = people["me"]
    me = DeviceIdentity(bytes.fromhex(seeds["seed"]), bytes.fromhex(seeds["dh"]))
    names = {bytes.fromhex(p["key"]): name for name, p in people.items()}
    room_id = scenario["room"]
    groups = GroupKeys(me)
    rooms: dict[str, RoomState] = {}
    clock = 0

    def run(actions: list[Action]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for a in actions:
            if isinstance(a, NewSenderKey):
                groups.create_sender_key(a.room, a.epoch, rng, now_ms=clock)
                out.append({"do": "new_sender_key", "epoch": a.epoch})
            elif isinstance(a, ShareSenderKey):
                out.append({"do": "share", "to": [m.pseudonym for m in a.members]})
            elif isinstance(a, ForgetSender):
                groups.forget_sender(a.room, a.sender_key)
                out.append({"do": "forget", "sender": names[a.sender_key]})
            elif isinstance(a, DropRoomKeys):
                groups.drop_room(a.room)
                out.append({"do": "drop"})
        return out

    def close(reason: str) -> dict[str, Any]:
        state = rooms.pop(room_id, None)
        if state is not None:
            state.close(reason)
        groups.drop_room(room_id)
        return {"do": "close", "reason": reason}

    results = []
    for step in scenario["steps"]:
        clock = step.get("now_ms", clock)
        out: Any
        if step["op"] == "join":
            m = MembershipEvent.from_wire(step["membership"])
            verify_membership(m, server_key)
            state = rooms.setdefault(room_id, RoomState(room_id, me.identity_key))
            out = run(state.joined(m))
        elif step["op"] == "membership":
            m = MembershipEvent.from_wire(step["membership"])
            verify_membership(m, server_key)
            current = rooms.get(m.room)
            out = []
            if current is not None and not current.closed:
                if m.event in ("left", "removed") and m.identity_key == me.identity_key:
                    out = [close(m.event)]
                else:
                    out = run(current.membership(m))
                    if current.closed:
                        out.append(close("closed"))
        elif step["op"] == "distribution":
            skd = decode_content(bytes.fromhex(step["skd"]))
            assert isinstance(skd, SenderKeyDistribution)
            current = rooms[room_id]
            try:
                fresh = groups.process_distribution(
                    skd, bytes.fromhex(people[step["from"]]["key"]), room=skd.room,
                    min_epoch=current.min_epoch)
                out = {"result": "accepted" if fresh else "duplicate"}
            except E2EEError as err:
                out = {"result": "refused", "code": err.code, "reason": err.message}
        elif step["op"] == "send":
            out = []
            current = rooms[room_id]
            for _ in range(step["count"]):
                if groups.needs_rotation(room_id, clock):
                    out += run([NewSenderKey(room=room_id, epoch=current.epoch),
                                ShareSenderKey(room=room_id, members=current.others())])
                groups.encrypt_text(room_id, "x", rng)
        else:
            raise ValueError(step["op"])
        results.append({"out": out, "room": _snapshot(rooms.get(room_id), groups, names)})
    return results


def _snapshot(state: RoomState | None, groups: GroupKeys, names: dict[bytes, str]) -> Any:
    if state is None:
        return None
    return {
        "epoch": state.epoch, "min_epoch": state.min_epoch,
        "members": sorted(m.pseudonym for m in state.members.values()),
        "holds": sorted(n for k, n in names.items() if groups.has_sender_key(state.room, k)),
    }
