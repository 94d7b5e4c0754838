"""Authorisation matrix, staff half: every socket event in the route table × every staff role
(moderator of another room, moderator of this room on duty, the counsellor assigned to the case,
a counsellor not assigned to it, admin), and every staff HTTP endpoint × every role.

The event list is the server's route table (server/api/routes.py): a new event fails this test
until it has a row. Each cell says `ok` or the stable error code. A refused cell must change
nothing: the whole Redis database (less heartbeats, locks and the audit log, which records refused
staff actions on purpose) is compared before and after, and the victim is pushed nothing. Staff
are real accounts (Argon2id password, TOTP for counsellors and admins) signed in on the socket
with their session cookie, as tests/server/mod_harness.py does.
"""

from __future__ import annotations

import asyncio

import pytest

from server.api.routes import ROUTES
from tests.fixtures.server import LiveServer, LiveServerFactory
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
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor
from tests.server.harness import Peer
from tests.server.mod_harness import connect_staff

# The unassigned counsellor goes before the assigned one, so its transfer and close meet the
# case still open (the assigned counsellor's own close is allowed and ends it).
STAFF_ROLES = ("other_room_moderator", "moderator", "unassigned_counsellor", "counsellor",
               "admin")

STAFF_MATRIX: dict[str, tuple[str, str, str, str, str]] = {
    # event -> the answer for each role in STAFF_ROLES. Staff sign in on the socket like a peer,
    # so they keep the peer events (never another's inbox: fetch/ack see only their own); the
    # case events need the counsellor who holds the case, the moderation ones a moderator in
    # the room; a supervisor (counsellor or admin) reads queue counts; erasing is a peer's own.
    "hello": ("already_authenticated", "already_authenticated", "already_authenticated", "already_authenticated", "already_authenticated"),
    "auth": ("already_authenticated", "already_authenticated", "already_authenticated", "already_authenticated", "already_authenticated"),
    "keys.publish": ("ok", "ok", "ok", "ok", "ok"),
    "keys.fetch": ("ok", "ok", "ok", "ok", "ok"),
    "keys.count": ("ok", "ok", "ok", "ok", "ok"),
    "groups.list": ("ok", "ok", "ok", "ok", "ok"),
    "group.join": ("ok", "ok", "ok", "ok", "ok"),
    "group.join/closed": ("unknown_group", "unknown_group", "unknown_group", "unknown_group", "unknown_group"),
    "group.join/full": ("unknown_group", "unknown_group", "unknown_group", "unknown_group", "unknown_group"),
    "group.join/unknown": ("unknown_group", "unknown_group", "unknown_group", "unknown_group", "unknown_group"),
    "group.leave": ("not_in_room", "ok", "not_in_room", "ok", "not_in_room"),
    "room.send": ("not_in_room", "ok", "not_in_room", "not_in_room", "not_in_room"),
    "room.send/other_room": ("ok", "not_in_room", "not_in_room", "not_in_room", "not_in_room"),
    "direct.send": ("ok", "ok", "ok", "ok", "ok"),
    "inbox.fetch": ("ok", "ok", "ok", "ok", "ok"),
    "inbox.ack": ("ok", "ok", "ok", "ok", "ok"),
    "case.request": ("ok", "ok", "ok", "ok", "ok"),
    "case.resume": ("unknown_case", "unknown_case", "unknown_case", "unknown_case", "unknown_case"),
    "case.consent": ("unknown_case", "unknown_case", "unknown_case", "unknown_case", "unknown_case"),
    "case.leave": ("unknown_case", "unknown_case", "unknown_case", "unknown_case", "unknown_case"),
    "case.rate": ("unknown_case", "unknown_case", "unknown_case", "unknown_case", "unknown_case"),
    "case.escalate": ("not_in_room", "case_open", "not_moderator", "not_moderator", "not_moderator"),
    "cases.health": ("not_supervisor", "not_supervisor", "ok", "ok", "ok"),
    "counsellor.availability": ("not_counsellor", "not_counsellor", "ok", "ok", "not_counsellor"),
    "case.list": ("not_counsellor", "not_counsellor", "ok", "ok", "not_counsellor"),
    "case.claim": ("not_counsellor", "not_counsellor", "already_claimed", "already_claimed", "not_counsellor"),
    "case.decline": ("not_counsellor", "not_counsellor", "case_state", "case_state", "not_counsellor"),
    "case.transfer": ("not_counsellor", "not_counsellor", "unknown_counsellor", "unknown_counsellor", "not_counsellor"),
    "case.transfer_accept": ("not_counsellor", "not_counsellor", "case_state", "case_state", "not_counsellor"),
    "case.transfer_decline": ("not_counsellor", "not_counsellor", "case_state", "case_state", "not_counsellor"),
    "case.close": ("not_counsellor", "not_counsellor", "not_case_counsellor", "ok", "not_counsellor"),
    "mod.duty": ("ok", "ok", "not_moderator", "not_moderator", "not_moderator"),
    "alert.ack": ("unknown_alert", "unknown_alert", "not_moderator", "not_moderator", "not_moderator"),
    "flag": ("not_in_room", "ok", "not_moderator", "not_moderator", "not_moderator"),
    "mod.sanction": ("not_room_moderator", "unknown_reason", "not_staff", "not_staff", "not_staff"),
    "mod.lift": ("unknown_sanction", "unknown_sanction", "unknown_sanction", "unknown_sanction", "unknown_sanction"),
    "room.read_only_self": ("not_in_room", "ok", "not_in_room", "not_in_room", "not_in_room"),
    "mod.sanctions": ("not_in_room", "ok", "not_moderator", "not_moderator", "not_moderator"),
    "mod.debrief": ("ok", "ok", "not_moderator", "not_moderator", "not_moderator"),
    "identity.erase_challenge": ("role_not_allowed", "role_not_allowed", "role_not_allowed", "role_not_allowed", "role_not_allowed"),
    "identity.erase": ("role_not_allowed", "role_not_allowed", "role_not_allowed", "role_not_allowed", "role_not_allowed"),
    "direct.typing": ("ok", "ok", "ok", "ok", "ok"),
    "report.recipients": ("not_in_room", "ok", "not_in_room", "not_in_room", "not_in_room"),
    "report": ("not_in_room", "not_a_recipient", "not_in_room", "not_in_room", "not_in_room"),
    "no.such.event": ("bad_request", "bad_request", "bad_request", "bad_request", "bad_request"),
}


class Cast:
    """The fixed staff: the counsellor who claimed the victim's case stays for every cell; the
    other roles are a fresh account and socket per cell, so an allowed cell cannot leak into
    the next one."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.made = 0
        self.assigned: Peer | None = None

    async def actor(self, role: str) -> tuple[Peer, bool]:
        """A socket for `role`, and whether it is this cell's own (to close afterwards)."""
        if role == "counsellor":
            assert self.assigned is not None
            return self.assigned, False
        self.made += 1
        name = f"{role.split('_')[-1][:4]}{self.made:03d}"
        if role == "admin":
            return await connect_staff(self.server, name, role="admin"), True
        if role == "unassigned_counsellor":
            return await make_counsellor(self.server, name), True
        peer = await connect_staff(self.server, name)
        room = "small" if role == "other_room_moderator" else "open"
        assert (await peer.call("group.join", {"group_id": room}))["ok"]
        if role == "moderator":
            assert (await peer.call("mod.duty", {"on": True}))["ok"]
        return peer, True


def queued(peer: Peer) -> dict[str, int]:
    return {name: q.qsize() for name, q in peer.pushes.items()}


@pytest.mark.timeout(480)
async def test_every_event_for_every_staff_role(live_server_factory: LiveServerFactory,
                                                redis_url: str) -> None:
    events = {cell.partition("/")[0] for cell in STAFF_MATRIX} - {"no.such.event"}
    assert events == set(ROUTES), "an event without a row in the staff matrix (or gone)"
    codes = {c for row in STAFF_MATRIX.values() for c in row} - {"ok"}
    assert codes <= DOCUMENTED_CODES
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       redis_url=redis_url)
    victim = await Peer.connect(server.url, "Aamu")
    sender = await Peer.connect(server.url, "Ilta")
    cast = Cast(server)
    try:
        room = (await victim.call("group.join", {"group_id": "open"}))["room"]
        other_room = (await sender.call("group.join", {"group_id": "small"}))["room"]
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
                peer, own = await cast.actor(role)
                try:
                    event, payload = request(cell, Actor(peer, role), scene)  # type: ignore[arg-type]
                    before = await quiet_state(redis_url)
                    await asyncio.sleep(0.05)
                    seen = queued(victim)
                    reply = await peer.call(event, payload)
                    got = "ok" if reply.get("ok") is True else str(reply.get("error"))
                    answers[cell].append(got)
                    if got == want == "ok" and cell == "inbox.fetch":
                        assert reply["envelopes"] == [], "the victim's envelope was handed out"
                    if got == want == "ok" and cell == "inbox.ack":
                        assert reply["removed"] == 0, "the victim's envelope was removed"
                    if got != want or want == "ok":
                        continue
                    await asyncio.sleep(0.1)  # a wrongly relayed push would arrive by now
                    assert without_audit(redis_state(redis_url)) == without_audit(before), \
                        f"{cell} as {role} changed state"
                    assert queued(victim) == seen, f"{cell} as {role} pushed the victim"
                finally:
                    if own:
                        await peer.close()
        wrong = {c: a for c, a in answers.items() if tuple(a) != STAFF_MATRIX[c]}
        assert not wrong, f"cells answered otherwise than the matrix: {wrong}"
    finally:
        for p in (victim, sender, cast.assigned):
            if p is not None:
                await p.close()
