"""Authorisation matrix: every socket event × every role that exists today (anonymous, a peer in
the room, a peer of another room), against a real server process on Redis.

The event list is the protocol's (docs/protocol.md, which tests/server/test_protocol_doc.py
holds equal to the server's routes): a new event fails this test until it has a row. Each cell
says `ok` or the stable error code. An allowed cell must work (its effect is checked); a refused
one must change nothing: the whole Redis database (less heartbeats and locks) is compared before
and after, and the victim (a peer in the room, with a 1:1 envelope waiting) is pushed nothing.
Also: a peer cannot spoof a sender (group or 1:1), join a closed or full room, read or remove
another's 1:1 envelopes.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from e2ee.team import WRAP_BOX_BYTES
from tests.fixtures.server import ServerProcess
from tests.reliability.conftest import closed_group_toml, open_group_toml, write_config
from tests.reliability.helpers import eventually, metrics, redis_state
from tests.reliability.wire import RawPeer, b64, logged_in

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
DOCUMENTED_EVENTS = set(re.findall(r"^\| `([a-z._]+)` \|", DOC, flags=re.MULTILINE))
DOCUMENTED_CODES = set(re.findall(r"`([a-z_]+)`", DOC.split("## Error codes", 1)[1]
                                  .split("##", 1)[0]))
ROLES = ("anonymous", "peer", "other_room_peer")
GROUPS = (open_group_toml("open") + open_group_toml("other") + open_group_toml("pair", capacity=2)
          + closed_group_toml("closed"))

NA = "not_authenticated"
AA = "already_authenticated"
# event (and a variant of its target) -> the answer for each role in ROLES.
MATRIX: dict[str, tuple[str, str, str]] = {
    "hello": ("ok", AA, AA),
    "auth": ("ok", AA, AA),
    "keys.publish": (NA, "ok", "ok"),
    "keys.fetch": (NA, "ok", "ok"),
    "keys.count": (NA, "ok", "ok"),
    "groups.list": (NA, "ok", "ok"),
    "group.join": (NA, "ok", "ok"),
    "group.join/closed": (NA, "group_not_open", "group_not_open"),
    "group.join/full": (NA, "group_full", "group_full"),
    "group.join/unknown": (NA, "unknown_group", "unknown_group"),
    "group.leave": (NA, "ok", "not_in_room"),
    "room.send": (NA, "ok", "not_in_room"),
    "room.send/other_room": (NA, "not_in_room", "ok"),
    "direct.send": (NA, "ok", "ok"),
    "inbox.fetch": (NA, "ok", "ok"),
    "inbox.ack": (NA, "ok", "ok"),
    # Escalation (issue 11): the victim has a case waiting; no peer but the victim may touch
    # it, and no peer is a counsellor, a moderator or a supervisor.
    "case.request": (NA, "ok", "ok"),
    "case.resume": (NA, "unknown_case", "unknown_case"),
    "case.consent": (NA, "unknown_case", "unknown_case"),
    "case.leave": (NA, "unknown_case", "unknown_case"),
    "case.rate": (NA, "unknown_case", "unknown_case"),
    "case.escalate": (NA, "not_moderator", "not_moderator"),
    "cases.health": (NA, "not_supervisor", "not_supervisor"),
    **{event: (NA, "not_counsellor", "not_counsellor") for event in (
        "counsellor.availability", "case.list", "case.claim", "case.decline", "case.transfer",
        "case.transfer_accept", "case.transfer_decline", "case.close",
        # The counsellor team key and a case's sealed closing notes (issue 11): a peer is not
        # on the team, so it can neither read the wraps nor put one (a well-formed wrap below).
        "team_key.get", "team_key.put", "case.notes")},
    # Staff events (issue 10): a peer of this room or another is refused, nothing changes.
    "mod.duty": (NA, "not_moderator", "not_moderator"),
    "alert.ack": (NA, "not_moderator", "not_moderator"),
    # A peer posing as a moderator's client to flag the victim.
    "flag": (NA, "not_moderator", "not_moderator"),
    "mod.sanction": (NA, "not_staff", "not_staff"),
    "mod.lift": (NA, "unknown_sanction", "unknown_sanction"),
    # A peer's own read-only for tonight, in their room only (an event name with an underscore:
    # the matrix reads those from the protocol since issue 11).
    "room.read_only_self": (NA, "ok", "not_in_room"),
    # The console (issue 10): the sanctions in force and a debrief are for moderators only.
    "mod.sanctions": (NA, "not_moderator", "not_moderator"),
    "mod.debrief": (NA, "not_moderator", "not_moderator"),
    # Data rights (issue 15): erasing needs a fresh challenge signed by the key itself, so a
    # signature replayed or made up by anyone else erases nobody (the victim's name stays).
    "identity.erase_challenge": (NA, "ok", "ok"),
    "identity.erase": (NA, "no_challenge", "no_challenge"),
    # Typing in 1:1 (issue 12): a content-free signal to the named peer's online connections,
    # never stored; it says only who is typing, so any signed-in peer may send it.
    "direct.typing": (NA, "ok", "ok"),
    # Reports (issue 10): a room member learns who can read a report (nobody is on duty here);
    # a box to someone who is not a recipient is refused; outside the room, nothing.
    "report.recipients": (NA, "ok", "not_in_room"),
    "report": (NA, "not_a_recipient", "not_in_room"),
    "no.such.event": ("bad_request", "bad_request", "bad_request"),
}

WRITES = {"keys.publish", "group.leave", "room.send", "room.send/other_room", "direct.send",
          "case.request", "room.read_only_self"}


@dataclass
class Scene:
    """The fixed cast: a victim in room `room` with an envelope `waiting_id` in its inbox."""

    url: str
    redis_url: str
    room: str
    other_room: str
    victim: RawPeer
    waiting_id: str
    victim_case: str = ""


@dataclass
class Actor:
    peer: RawPeer
    role: str
    auth: dict[str, Any] | None = None  # an anonymous actor's signed answer to its `hello`


def key_bundle() -> dict[str, Any]:
    rnd = os.urandom
    return {"dh_key": b64(rnd(32)), "dh_sig": b64(rnd(64)),
            "signed_prekey": {"id": 1, "key": b64(rnd(32)), "sig": b64(rnd(64))},
            "one_time_prekeys": [{"id": i, "key": b64(rnd(32))} for i in range(3)]}


def request(cell: str, actor: Actor, scene: Scene) -> tuple[str, Any]:
    """The event name and payload a cell sends (aimed at the victim where there is a target)."""
    event, _, variant = cell.partition("/")
    victim = scene.victim.pseudonym
    if event == "auth":
        return event, actor.auth or {"identity_key": b64(actor.peer.identity_key),
                                     "signature": b64(bytes(64)), "pow": 0}
    if event == "group.join":
        gid = {"closed": "closed", "full": "pair", "unknown": "nope"}.get(variant, "open")
        return event, {"group_id": gid}
    if event == "room.send":
        # sender / sender_key / from are the server's to stamp: a spoof attempt rides along.
        room = scene.other_room if variant == "other_room" else scene.room
        return event, {"room": room, "kind": "test.opaque", "header": b64(b"h" * 8),
                       "body": b64(b"matrix"), "sender": victim,
                       "sender_key": b64(scene.victim.identity_key)}
    payloads: dict[str, Any] = {
        "keys.publish": key_bundle(), "keys.fetch": {"pseudonym": victim},
        "group.leave": {"room": scene.room},
        "direct.send": {"to": victim, "kind": "test.opaque", "header": b64(b"h" * 8),
                        "body": b64(b"matrix-dm"), "from": "Spoofed",
                        "from_key": b64(scene.victim.identity_key)},
        "inbox.ack": {"ids": [scene.waiting_id]},
        "case.request": {"level": 2},
        "room.read_only_self": {"room": scene.room},
        "case.consent": {"case_code": scene.victim_case, "accept": True},
        "case.rate": {"case_code": scene.victim_case, "rating": 5},
        "case.escalate": {"room": scene.room, "pseudonym": victim, "reason": "crisis"},
        "counsellor.availability": {"available": True, "capacity": 2},
        "case.transfer": {"case_id": scene.victim_case, "to": victim},
        "case.close": {"case_id": scene.victim_case, "outcome": "supported"},
        "mod.duty": {"on": True},
        "alert.ack": {"alert_id": "al-0000000000000000"},
        "flag": {"room": scene.room, "message_id": "1", "source": "moderator", "severity": 3,
                 "categories": ["suicide"], "rule_ids": [], "pseudonym": victim},
        "mod.sanction": {"kind": "mute", "room": scene.room, "pseudonym": victim, "minutes": 30,
                         "reason_code": "other"},
        "mod.lift": {"sanction_id": "sa-0000000000000000"},
        "mod.sanctions": {"room": scene.room},
        "identity.erase": {"signature": b64(bytes(64))},
        "direct.typing": {"to": victim},
        "report.recipients": {"room": scene.room},
        "report": {"room": scene.room, "message_id": 1, "sender_key": b64(scene.victim.identity_key),
                   "commitment": b64(os.urandom(32)), "ts": 1, "stamp": b64(os.urandom(32)),
                   "reason": "harassment",
                   "sealed": [{"to": b64(os.urandom(32)), "eph": b64(os.urandom(32)),
                               "box": b64(os.urandom(64))}]},
    }
    if event == "team_key.put":
        rnd = os.urandom
        wrap = {"epoch": 1, "team_key": b64(rnd(32)), "to": b64(actor.peer.identity_key),
                "by": b64(actor.peer.identity_key), "eph": b64(rnd(32)),
                "box": b64(rnd(WRAP_BOX_BYTES)), "sig": b64(rnd(64))}
        return event, {"epoch": 1, "team_key": wrap["team_key"], "new": True, "wraps": [wrap]}
    if event in ("case.resume", "case.leave"):
        return event, {"case_code": scene.victim_case}
    if event in ("case.claim", "case.decline", "case.transfer_accept", "case.transfer_decline",
                 "case.notes"):
        return event, {"case_id": scene.victim_case}
    return event, payloads.get(event, {})


async def make_actor(role: str, scene: Scene) -> Actor:
    peer = RawPeer(scene.url)
    await peer.connect()
    if role == "anonymous":
        hello = await peer.call("hello")  # so that `auth` has a challenge to sign
        return Actor(peer, role, peer.auth_request(hello))
    await peer.login()
    await peer.join("open" if role == "peer" else "other")
    return Actor(peer, role)


async def works(cell: str, actor: Actor, scene: Scene, reply: dict[str, Any]) -> None:
    """What an allowed cell must have done."""
    victim = scene.victim
    if cell == "hello":
        assert len(base64.b64decode(reply["challenge"])) == 32
    elif cell == "auth":
        assert reply["role"] == "peer" and reply["pseudonym"]
    elif cell == "keys.publish":
        assert reply["one_time_prekeys"] == 3
        assert (await actor.peer.call("keys.count"))["one_time_prekeys"] == 3
    elif cell == "keys.fetch":
        assert reply["identity_key"] == b64(victim.identity_key)
    elif cell == "keys.count":
        assert isinstance(reply["one_time_prekeys"], int)
    elif cell == "groups.list":
        assert {g["id"] for g in reply["groups"]} == {"open", "other", "pair", "closed"}
    elif cell == "group.join":
        assert reply["room"] == scene.room
    elif cell == "group.leave":
        assert await pushed(victim, "room.membership",
                            lambda m: m["event"] == "left" and m["pseudonym"] == actor.peer.pseudonym)
    elif cell == "room.send":
        assert await pushed(victim, "room.envelope", lambda e: e["sender"] == actor.peer.pseudonym
                            and e["sender_key"] == b64(actor.peer.identity_key))
        assert not any(e["sender"] == victim.pseudonym for e in victim.pushes["room.envelope"])
    elif cell == "room.send/other_room":
        assert reply["seq"] >= 1
    elif cell == "direct.send":
        assert await pushed(victim, "direct.envelope", lambda e: e["from"] == actor.peer.pseudonym
                            and e["from_key"] == b64(actor.peer.identity_key))
    elif cell == "inbox.fetch":
        assert reply["envelopes"] == [], "another peer's queued envelope was handed out"
    elif cell == "inbox.ack":
        assert reply["removed"] == 0, "another peer's envelope was removed"
    elif cell == "room.read_only_self":
        assert reply["sanction"]["pseudonym"] == actor.peer.pseudonym
    elif cell == "case.request":
        assert reply["state"] == "queued" and reply["case_code"] != scene.victim_case
        assert reply["position"] >= 2  # behind the victim's earlier level-2 case
    elif cell == "report.recipients":
        assert reply["recipients"] == [], "nobody is on duty or a moderator of this room"
    elif cell == "identity.erase_challenge":
        assert len(base64.b64decode(reply["challenge"])) == 32
    elif cell == "direct.typing":
        assert await pushed(victim, "direct.typing", lambda e: e["from"] == actor.peer.pseudonym)
    else:
        raise AssertionError(f"no effect check for allowed cell {cell}")


async def pushed(peer: RawPeer, name: str, match: Callable[[dict[str, Any]], bool],
                 timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if any(match(p) for p in peer.pushes[name]):
            return True
        await asyncio.sleep(0.05)
    return False


BASE_CONNECTIONS = 4  # victim, sender and the two who fill `pair`


async def back_to(url: str, connections: int) -> bool:
    _, values = await metrics(url)
    return values["iltapiiri_connections"] == connections == \
        values["iltapiiri_authenticated_connections"]


async def quiet_state(url: str) -> dict[str, object]:
    """The database once two reads 0.1 s apart agree (a closed actor's clean-up has run)."""
    state = redis_state(url)
    for _ in range(100):
        await asyncio.sleep(0.1)
        again = redis_state(url)
        if again == state:
            return state
        state = again
    raise AssertionError("the database does not settle")


def pushes_of(peer: RawPeer) -> dict[str, int]:
    return {name: len(items) for name, items in peer.pushes.items()}


def without_audit(state: dict[str, Any]) -> dict[str, Any]:
    """The state a refusal must leave unchanged: all but the audit log, which records refused
    staff actions on purpose (issue 10, docs/moderation.md)."""
    return {k: v for k, v in state.items() if not k.startswith("ilp:mod:audit")}


@pytest.mark.timeout(480)  # ~100 cells, each with its own connection (about 1 s on a loaded machine)
async def test_every_event_for_every_role(
        redis_url: str, server_process: Callable[..., ServerProcess], tmp_path: Path) -> None:
    events = {cell.partition("/")[0] for cell in MATRIX} - {"no.such.event"}
    assert events == DOCUMENTED_EVENTS, "an event without a row in the matrix (or gone)"
    codes = {c for row in MATRIX.values() for c in row} - {"ok"}
    assert codes <= DOCUMENTED_CODES
    server = server_process(redis_url=redis_url, config=write_config(tmp_path / "cfg", GROUPS))
    victim = await logged_in(server.url)
    sender = await logged_in(server.url)
    filler = [await logged_in(server.url) for _ in range(2)]
    try:
        room = await victim.join("open")
        assert (await victim.call("keys.publish", key_bundle()))["ok"] is True
        other_room = (await sender.call("group.join", {"group_id": "other"}))["room"]
        for peer in filler:
            await peer.join("pair")  # full from here on
        assert victim.pseudonym is not None
        queued = await sender.send_direct(victim.pseudonym, b"waiting")
        case = await victim.call("case.request", {"level": 2})
        assert case["ok"], case
        scene = Scene(server.url, redis_url, room, other_room, victim, queued["id"],
                      case["case_code"])
        answers: dict[str, list[str]] = {}
        for cell, expected in MATRIX.items():
            answers[cell] = []
            for role, want in zip(ROLES, expected, strict=True):
                actor = await make_actor(role, scene)
                try:
                    event, payload = request(cell, actor, scene)
                    before = await quiet_state(redis_url)
                    await asyncio.sleep(0.1)  # the actor's own join has reached the victim
                    seen = pushes_of(victim)
                    reply = await actor.peer.call(event, payload)
                    got = "ok" if reply.get("ok") is True else str(reply.get("error"))
                    answers[cell].append(got)
                    if got != want:
                        continue
                    if want == "ok":
                        await works(cell, actor, scene, reply)
                        if cell in WRITES:  # proof the comparison sees a change
                            assert redis_state(redis_url) != before, cell
                    else:
                        await asyncio.sleep(0.2)  # a wrongly relayed push would arrive by now
                        assert without_audit(redis_state(redis_url)) == without_audit(before), \
                            f"{cell} as {role} changed state"
                        assert pushes_of(victim) == seen, f"{cell} as {role} pushed the victim"
                finally:
                    await actor.peer.close()
                    await eventually(lambda: back_to(server.url, BASE_CONNECTIONS), 10,
                                     "the actor's disconnect is processed", pause=0.05)
        wrong = {c: a for c, a in answers.items() if tuple(a) != MATRIX[c]}
        assert not wrong, f"cells answered otherwise than the matrix: {wrong}"
        # The victim's envelope is still there (next to the two the direct.send cells queued).
        mine = [e["id"] for e in (await victim.call("inbox.fetch"))["envelopes"]]
        assert mine[0] == queued["id"] and len(mine) == 3
    finally:
        for peer in (victim, sender, *filler):
            await peer.close()


