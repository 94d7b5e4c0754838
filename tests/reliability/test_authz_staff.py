"""Authorisation matrix, staff half: every socket event in the route table × every staff role
(moderator of another room, moderator of this room on duty, the counsellor assigned to the case,
a counsellor not assigned to it, admin). The HTTP routes × roles: test_authz_http.py.

The event list is the server's route table (server/api/routes.py): a new event fails this test
until it has a row. Each cell says `ok` or the stable error code, reviewed against the protocol
(each row says why; rows where the server was wrong say what was fixed). An allowed cell must
work (`works`); a refused cell must change nothing: the whole Redis database (less heartbeats,
locks and the audit log, which records refused staff actions on purpose) is compared before and
after, and the victim is pushed nothing. Staff are real accounts (Argon2id password, TOTP for
counsellors and admins) signed in on the socket with their session cookie, as
tests/server/mod_harness.py does. Because a refusal is proven to change nothing, a role keeps
its socket across cells until an allowed cell may have changed it (about 30 s, was 133 s).
"""

from __future__ import annotations

import asyncio
import tomllib
from typing import Any

import pytest

from config.groups import parse_groups
from server.api.routes import ROUTES
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.fixtures.server import test_groups as default_groups
from tests.reliability.conftest import open_group_toml
from tests.reliability.helpers import redis_state
from tests.reliability.test_authz_matrix import (
    DOCUMENTED_CODES,
    Actor,
    Scene,
    key_bundle,
    quiet_state,
    request,
    without_audit,
)
from tests.reliability.wire import b64
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor
from tests.server.harness import Peer
from tests.server.mod_harness import connect_staff

# The unassigned counsellor goes before the assigned one, so its transfer and close meet the
# case still open (the assigned counsellor's own close is allowed and ends it).
STAFF_ROLES = ("other_room_moderator", "moderator", "unassigned_counsellor", "counsellor",
               "admin")

NA_C = "not_counsellor"
NA_M = "not_moderator"
RNA = "role_not_allowed"
ALL_OK = ("ok",) * 5
STAFF_MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    # event -> the answer for each role in STAFF_ROLES, reviewed against docs/protocol.md,
    # docs/moderation.md and docs/escalation.md (rel7, issue 15), not frozen from the server.
    # Staff sign in on the socket like a peer, so they keep the peer's reading and 1:1 events
    # (never another's inbox: fetch/ack see only their own).
    "hello": ("already_authenticated",) * 5,
    "auth": ("already_authenticated",) * 5,
    "keys.publish": ALL_OK,
    "keys.fetch": ALL_OK,
    "keys.count": ALL_OK,
    "groups.list": ALL_OK,
    "group.join": ALL_OK,
    # Closed is closed for staff too; a full group still takes a moderator (they do not count
    # against the peers' capacity, server/handlers/rooms.py), nobody else.
    "group.join/closed": ("group_not_open",) * 5,
    "group.join/full": ("ok", "ok", "group_full", "group_full", "group_full"),
    "group.join/unknown": ("unknown_group",) * 5,
    # Only who is in the room leaves or sends there (the assigned counsellor joined above).
    "group.leave": ("not_in_room", "ok", "not_in_room", "ok", "not_in_room"),
    "room.send": ("not_in_room", "ok", "not_in_room", "not_in_room", "not_in_room"),
    "room.send/other_room": ("ok", "not_in_room", "not_in_room", "not_in_room", "not_in_room"),
    "direct.send": ALL_OK,
    "inbox.fetch": ALL_OK,
    "inbox.ack": ALL_OK,
    # Server fixed (rel7): a staff socket asked for a counsellor under its staff name, which
    # names the asker to colleagues and could offer a counsellor their own case. Staff ask as
    # an anonymous peer; the staff socket is refused like identity.erase.
    "case.request": (RNA,) * 5,
    # The person's events: the victim's case code is nobody else's (unknown_case, no hint).
    "case.resume": ("unknown_case",) * 5,
    "case.consent": ("unknown_case",) * 5,
    "case.leave": ("unknown_case",) * 5,
    "case.rate": ("unknown_case",) * 5,
    # A hand-off is a moderator's of their own room; this one is refused `case_open` because
    # the victim already has a case (a moderator of the room may know help is under way).
    "case.escalate": ("not_in_room", "case_open", NA_M, NA_M, NA_M),
    # Queue counts for a supervisor: a counsellor on shift or an admin (never content).
    "cases.health": ("not_supervisor", "not_supervisor", "ok", "ok", "ok"),
    "counsellor.availability": (NA_C, NA_C, "ok", "ok", NA_C),
    # Any counsellor sees the queue and their own cases (the assigned one's case is in `mine`).
    "case.list": (NA_C, NA_C, "ok", "ok", NA_C),
    # The victim's case is in session: taking it is `already_claimed` for any counsellor (the
    # queue's states are team knowledge); declining an offer or a transfer that was never made
    # is `case_state`.
    "case.claim": (NA_C, NA_C, "already_claimed", "already_claimed", NA_C),
    "case.decline": (NA_C, NA_C, "case_state", "case_state", NA_C),
    # Server fixed (rel7): ownership is checked before the target, so a counsellor not on the
    # case no longer learns whether a name is a counsellor's (it was `unknown_counsellor`); the
    # case's counsellor asking for a peer's name gets `unknown_counsellor`.
    "case.transfer": (NA_C, NA_C, "not_case_counsellor", "unknown_counsellor", NA_C),
    "case.transfer_accept": (NA_C, NA_C, "case_state", "case_state", NA_C),
    "case.transfer_decline": (NA_C, NA_C, "case_state", "case_state", NA_C),
    # The team key: only counsellors; the wraps here carry a made-up signature (bad_request
    # for a counsellor, whose key is on the team). Notes are ciphertext any counsellor of the
    # team may read (docs/crypto.md 7.2), to nobody else.
    "team_key.get": (NA_C, NA_C, "ok", "ok", NA_C),
    "team_key.put": (NA_C, NA_C, "bad_request", "bad_request", NA_C),
    "case.notes": (NA_C, NA_C, "ok", "ok", NA_C),
    # Only the case's own counsellor closes it (the assigned one's close ends the case).
    "case.close": (NA_C, NA_C, "not_case_counsellor", "ok", NA_C),
    # The duty pool is service-wide, so a moderator of any room goes on duty.
    "mod.duty": ("ok", "ok", NA_M, NA_M, NA_M),
    "alert.ack": ("unknown_alert", "unknown_alert", NA_M, NA_M, NA_M),
    "flag": ("not_in_room", "ok", NA_M, NA_M, NA_M),
    # Server fixed (rel7): a counsellor and an admin were judged as peers (`not_staff`). Now
    # by their role (moderation/authorise.py): a counsellor `role_not_allowed` (counsellors do
    # not act in rooms), an admin may act everywhere (and so review bans); a moderator only in
    # a room they are in.
    "mod.sanction": ("not_room_moderator", "ok", RNA, RNA, "ok"),
    # A made-up id: unknown to everyone (a sanction id is 64 random bits; knowing it exists
    # tells nothing more).
    "mod.lift": ("unknown_sanction",) * 5,
    # The moderator's mute of the victim above: a moderator of another room may not lift it, a
    # counsellor is refused by role (was `not_staff`, as a peer), the room's moderator lifts
    # it, and then it is no longer in force for the admin.
    "mod.lift/mute": ("not_room_moderator", "ok", RNA, RNA, "not_in_force"),
    # Server fixed (rel7): a moderator's own "binding" read-only was `ok`, yet a moderator of
    # the room may lift it (authorise_lift), so it bound nobody, and it sanctioned a staff
    # name, which the rules refuse (`target_is_staff`: staff are disabled, not sanctioned).
    "room.read_only_self": ("not_in_room", "target_is_staff", "not_in_room", "not_in_room",
                            "not_in_room"),
    "mod.sanctions": ("not_in_room", "ok", NA_M, NA_M, NA_M),
    # A debrief is about the moderator's night, not a room (no fields, no room): any moderator
    # asks, and learns only how many others on duty were told. Reviewed: `ok` for a moderator
    # of another room is right.
    "mod.debrief": ("ok", "ok", NA_M, NA_M, NA_M),
    # Staff accounts are disabled by an admin, not erased by their holder.
    "identity.erase_challenge": (RNA,) * 5,
    "identity.erase": (RNA,) * 5,
    "direct.typing": ALL_OK,
    # A room member learns who can read a report of it; a box to a non-recipient is refused.
    "report.recipients": ("not_in_room", "ok", "not_in_room", "not_in_room", "not_in_room"),
    "report": ("not_in_room", "not_a_recipient", "not_in_room", "not_in_room", "not_in_room"),
    "no.such.event": ("bad_request",) * 5,
}

KEEPS_ACTOR = {"hello", "auth", "keys.publish", "keys.fetch", "keys.count", "groups.list",
               "room.send", "room.send/other_room", "direct.send", "inbox.fetch", "inbox.ack",
               "cases.health", "case.list", "team_key.get", "case.notes", "flag",
               "mod.sanction", "mod.sanctions", "mod.debrief", "direct.typing",
               "report.recipients"}
"""Allowed cells after which the actor is as it was (a refused cell changes nothing, which the
test checks): the actor is kept for the next cell. After any other allowed cell (a join, a
leave, availability) the role gets a fresh account and socket, so no cell leaks into the next."""

CLOSED_AND_FULL = f"""
[[group]]
id = "closed"
name = "Closed now"
topic = "Mornings"
language = "fi"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "10:00"
duration_minutes = 60
moderator_required = false
{open_group_toml("pair", capacity=2)}"""


class Cast:
    """The staff of the scene: the counsellor who claimed the victim's case stays for every
    cell; each other role keeps one account and socket until an allowed cell may have changed
    it (not in KEEPS_ACTOR), then gets a fresh one."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.made = 0
        self.assigned: Peer | None = None
        self.current: dict[str, Peer] = {}

    async def actor(self, role: str) -> Peer:
        if role == "counsellor":
            assert self.assigned is not None
            return self.assigned
        if role not in self.current:
            self.current[role] = await self._make(role)
        return self.current[role]

    async def spent(self, role: str) -> None:
        """The role's actor may have changed: the next cell gets a fresh one."""
        peer = self.current.pop(role, None)
        if peer is not None:
            await peer.close()

    async def _make(self, role: str) -> Peer:
        self.made += 1
        name = f"{role.split('_')[-1][:4]}{self.made:03d}"
        if role == "admin":
            return await connect_staff(self.server, name, role="admin")
        if role == "unassigned_counsellor":
            return await make_counsellor(self.server, name)
        peer = await connect_staff(self.server, name)
        room = "small" if role == "other_room_moderator" else "open"
        assert (await peer.call("group.join", {"group_id": room}))["ok"]
        if role == "moderator":
            assert (await peer.call("mod.duty", {"on": True}))["ok"]
        return peer

    async def close(self) -> None:
        for role in list(self.current):
            await self.spent(role)
        if self.assigned is not None:
            await self.assigned.close()


def queued(peer: Peer) -> dict[str, int]:
    return {name: q.qsize() for name, q in peer.pushes.items()}


def works(cell: str, role: str, reply: dict[str, Any], scene: Scene) -> None:
    """What an allowed staff cell must have done (the peer half checks the peer events)."""
    if cell == "inbox.fetch":
        assert reply["envelopes"] == [], "the victim's envelope was handed out"
    elif cell == "inbox.ack":
        assert reply["removed"] == 0, "the victim's envelope was removed"
    elif cell == "keys.fetch":
        assert reply["identity_key"] == b64(scene.victim.identity_key)
    elif cell.startswith("group.join"):
        assert reply["room"].startswith("pair/" if cell.endswith("full") else "open/")
    elif cell == "mod.duty":
        assert reply["on_duty"] is True
    elif cell == "flag":
        assert reply["raised"] is True or reply["alert_id"]
    elif cell == "mod.sanction":
        assert reply["sanction"]["pseudonym"] == scene.victim.pseudonym
        assert reply["sanction"]["kind"] == "mute"
        MUTES.setdefault(role, reply["sanction"]["sanction_id"])
    elif cell == "mod.lift/mute":
        assert reply["sanction"]["sanction_id"] == MUTES["moderator"]
        assert reply["sanction"]["end"] is not None
    elif cell == "mod.sanctions":
        assert any(s["pseudonym"] == scene.victim.pseudonym for s in reply["sanctions"])
    elif cell == "case.list" and role == "counsellor":
        assert [c["case_id"] for c in reply["mine"]] == [scene.victim_case]
    elif cell == "case.list":
        assert reply["mine"] == [], "a counsellor not on the case was shown it"
    elif cell == "case.close":
        assert reply["case"]["state"] == "closed"
    elif cell == "report.recipients":
        assert reply["recipients"], "the moderator on duty in the room is a recipient"


MUTES: dict[str, str] = {}
"""role -> the sanction id of the mute its `mod.sanction` cell imposed (for `mod.lift/mute`)."""


def staff_request(cell: str, actor: Actor, scene: Scene) -> tuple[str, Any]:
    event, payload = request(cell, actor, scene)  # type: ignore[arg-type]
    if event == "mod.sanction":  # a reason code the settings know, so an allowed one lands
        payload = {**payload, "reason_code": "disrespect"}
    if cell == "mod.lift/mute":
        payload = {"sanction_id": MUTES["moderator"]}
    return event, payload


@pytest.mark.timeout(300)
async def test_every_event_for_every_staff_role(live_server_factory: LiveServerFactory,
                                                redis_url: str) -> None:
    MUTES.clear()
    events = {cell.partition("/")[0] for cell in STAFF_MATRIX} - {"no.such.event"}
    assert events == set(ROUTES), "an event without a row in the staff matrix (or gone)"
    codes = {c for row in STAFF_MATRIX.values() for c in row} - {"ok"}
    assert codes <= DOCUMENTED_CODES
    groups = default_groups() + parse_groups(tomllib.loads(CLOSED_AND_FULL))
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       redis_url=redis_url, groups=groups)
    victim = await Peer.connect(server.url, "Aamu")
    sender = await Peer.connect(server.url, "Ilta")
    fillers = [await Peer.connect(server.url, f"Tayte{i}") for i in range(2)]
    cast = Cast(server)
    try:
        room = (await victim.call("group.join", {"group_id": "open"}))["room"]
        # Message 1 of the room is the victim's: the `flag` cell names them as its writer.
        first = await victim.call("room.send", {"room": room, "kind": "test.opaque",
                                                "header": "aA==", "body": "Yg=="})
        assert first["seq"] == 1, first
        other_room = (await sender.call("group.join", {"group_id": "small"}))["room"]
        for filler in fillers:
            assert (await filler.call("group.join", {"group_id": "pair"}))["ok"]
        assert (await victim.call("keys.publish", key_bundle()))["ok"]
        waiting = await sender.call("direct.send", {"to": "Aamu", "kind": "test.opaque",
                                                    "header": "aA==", "body": "Yg=="})
        assert waiting["ok"], waiting
        case = await ask(victim, level=2)
        cast.assigned = await make_counsellor(server, "Anna")
        claimed = await cast.assigned.call("case.claim", {"case_id": case["case_code"]})
        assert claimed["ok"], claimed
        scene = Scene(server.url, redis_url, room, other_room, victim,  # type: ignore[arg-type]
                      waiting["id"], case["case_code"])
        answers: dict[str, list[str]] = {}
        for cell, expected in STAFF_MATRIX.items():
            answers[cell] = []
            for role, want in zip(STAFF_ROLES, expected, strict=True):
                peer = await cast.actor(role)
                event, payload = staff_request(cell, Actor(peer, role), scene)  # type: ignore[arg-type]
                before = await quiet_state(redis_url)
                seen = queued(victim)
                reply = await peer.call(event, payload)
                got = "ok" if reply.get("ok") is True else str(reply.get("error"))
                answers[cell].append(got)
                if got == want == "ok":
                    works(cell, role, reply, scene)
                    if cell not in KEEPS_ACTOR:
                        await cast.spent(role)
                if got != want or want == "ok":
                    continue
                await asyncio.sleep(0.1)  # a wrongly relayed push would arrive by now
                assert without_audit(redis_state(redis_url)) == without_audit(before), \
                    f"{cell} as {role} changed state"
                assert queued(victim) == seen, f"{cell} as {role} pushed the victim"
        wrong = {c: a for c, a in answers.items() if tuple(a) != STAFF_MATRIX[c]}
        assert not wrong, f"cells answered otherwise than the matrix: {wrong}"
    finally:
        await cast.close()
        for p in (victim, sender, *fillers):
            await p.close()
