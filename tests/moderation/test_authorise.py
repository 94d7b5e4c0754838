"""Who may sanction whom: every role against every action, in and out of their rooms."""

from __future__ import annotations

import pytest

from moderation import sanctions as s
from moderation.authorise import Actor, Role, authorise, authorise_lift, is_room_staff
from moderation.limits import RuleError
from moderation.sanctions import SanctionKind

ROOM = "ilta/2026-12-03"
OTHER = "muu/2026-12-03"
PEER = Actor(id="Aamukaste", role=Role.PEER)
MOD = Actor(id="mod", role=Role.MODERATOR, rooms=frozenset({ROOM}))
COUNSELLOR = Actor(id="c1", role=Role.COUNSELLOR, rooms=frozenset({ROOM}))
ADMIN = Actor(id="root", role=Role.ADMIN)


def code_of(actor: Actor, kind: SanctionKind, room: str | None, **kw: object) -> str | None:
    try:
        authorise(actor, kind, room=room, **kw)  # type: ignore[arg-type]
    except RuleError as exc:
        return exc.code
    return None


@pytest.mark.parametrize("kind", list(SanctionKind))
def test_every_action_by_every_role(kind: SanctionKind) -> None:
    target = {"target_pseudonym": "Other"} if kind in s.PERSON_KINDS else {}
    ban = {"ban_days": 7} if kind is SanctionKind.BAN else {}
    peer_expected = "not_self" if kind is SanctionKind.READ_ONLY else "not_staff"
    assert code_of(PEER, kind, ROOM, **target, **ban) == peer_expected
    assert code_of(COUNSELLOR, kind, ROOM, **target, **ban) == "role_not_allowed"
    assert code_of(MOD, kind, ROOM, **target, **ban) is None
    assert code_of(MOD, kind, OTHER, **target, **ban) == "not_room_moderator"
    assert code_of(MOD, kind, None, **target, **ban) == "not_room_moderator"
    assert code_of(ADMIN, kind, OTHER, **target, **ban) is None
    if target:
        for role in (Role.MODERATOR, Role.COUNSELLOR, Role.ADMIN):
            assert code_of(MOD, kind, ROOM, **target, **ban, target_role=role) == "target_is_staff"
            assert code_of(ADMIN, kind, ROOM, **target, **ban, target_role=role) == "target_is_staff"


def test_a_peer_may_choose_read_only_for_themselves() -> None:
    assert code_of(PEER, SanctionKind.READ_ONLY, ROOM, target_pseudonym=PEER.id) is None


def test_long_and_permanent_bans_are_for_admins() -> None:
    assert code_of(MOD, SanctionKind.BAN, ROOM, target_pseudonym="X", ban_days=30) is None
    assert code_of(MOD, SanctionKind.BAN, ROOM, target_pseudonym="X", ban_days=31) == "admin_only"
    assert code_of(MOD, SanctionKind.BAN, ROOM, target_pseudonym="X", ban_days=None) == "admin_only"
    assert code_of(ADMIN, SanctionKind.BAN, None, target_pseudonym="X", ban_days=None) is None


def test_who_may_lift() -> None:
    now, end = 100.0, 10_000.0
    chosen = s.read_only_tonight(id="r", actor_id=PEER.id, room=ROOM, pseudonym=PEER.id, now=now,
                                 night_end=end, self_chosen=True, reason_code="spam")
    mute = s.mute(id="m", actor_id="mod", room=ROOM, pseudonym=PEER.id, minutes=5, now=now, reason_code="spam")
    banned = s.ban(id="b", actor_id="mod", pseudonym=PEER.id, now=now, days=3, appeal_note="a", reason_code="spam")

    def lift_code(actor: Actor, sanction: s.Sanction) -> str | None:
        try:
            authorise_lift(actor, sanction)
        except RuleError as exc:
            return exc.code
        return None

    assert lift_code(PEER, chosen) == "self_chosen_binding"
    assert lift_code(PEER, mute) == "not_staff"
    assert lift_code(COUNSELLOR, mute) == "role_not_allowed"
    assert lift_code(MOD, chosen) is None and lift_code(MOD, mute) is None
    assert lift_code(Actor(id="m2", role=Role.MODERATOR, rooms=frozenset({OTHER})), mute) == "not_room_moderator"
    assert lift_code(MOD, banned) == "admin_only" and lift_code(ADMIN, banned) is None


def test_room_staff() -> None:
    assert is_room_staff(MOD, ROOM) and not is_room_staff(MOD, OTHER)
    assert is_room_staff(ADMIN, OTHER)
    assert not is_room_staff(COUNSELLOR, ROOM) and not is_room_staff(PEER, ROOM)
