"""Sanctions: built valid, in force exactly on [start, end), what they refuse, with which code."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import sanctions as s
from moderation.limits import RuleError
from moderation.sanctions import Action, Sanction, SanctionKind, check, in_force

ROOM = "ilta/2026-12-03"
NOW = 1_000_000.0
NIGHT_END = NOW + 3 * 3600
WHO = "Aamukaste"


def every_kind() -> dict[SanctionKind, Sanction]:
    r = {"reason_code": "spam"}
    return {
        SanctionKind.MUTE: s.mute(id="s1", actor_id="mod", room=ROOM, pseudonym=WHO, minutes=15, now=NOW, **r),
        SanctionKind.REMOVE: s.remove_tonight(id="s2", actor_id="mod", room=ROOM, pseudonym=WHO, now=NOW,
                                              night_end=NIGHT_END, **r),
        SanctionKind.BAN: s.ban(id="s3", actor_id="mod", pseudonym=WHO, now=NOW, days=7,
                                appeal_note="Write to the service to appeal.", **r),
        SanctionKind.SLOW_MODE: s.slow_mode(id="s4", actor_id="mod", room=ROOM, seconds=30, now=NOW,
                                            night_end=NIGHT_END, **r),
        SanctionKind.LOCK: s.lock_room(id="s5", actor_id="mod", room=ROOM, now=NOW, night_end=NIGHT_END, **r),
        SanctionKind.READ_ONLY: s.read_only_tonight(id="s6", actor_id=WHO, room=ROOM, pseudonym=WHO, now=NOW,
                                                    night_end=NIGHT_END, self_chosen=True, **r),
        SanctionKind.DELETE_MESSAGE: s.delete_message(id="s7", actor_id="mod", room=ROOM, message_id="m1",
                                                      now=NOW, **r),
    }


# kind -> (join refused with, send refused with); None = allowed
EXPECTED = {
    SanctionKind.MUTE: (None, "muted"),
    SanctionKind.REMOVE: ("removed", "removed"),
    SanctionKind.BAN: ("banned", "banned"),
    SanctionKind.SLOW_MODE: (None, "slow_mode"),
    SanctionKind.LOCK: ("room_locked", "room_locked"),
    SanctionKind.READ_ONLY: (None, "read_only"),
    SanctionKind.DELETE_MESSAGE: (None, None),
}


@pytest.mark.parametrize("kind", list(SanctionKind))
@pytest.mark.parametrize("action", list(Action))
def test_each_sanction_refuses_what_it_should_and_nothing_else(kind: SanctionKind, action: Action) -> None:
    sanction = every_kind()[kind]
    d = check([sanction], action=action, room=ROOM, pseudonym=WHO, now=NOW + 1, last_sent_at=NOW)
    code = EXPECTED[kind][0 if action is Action.JOIN else 1]
    assert d.code == code and d.allowed is (code is None)
    if code is not None and kind is not SanctionKind.SLOW_MODE:
        assert d.until == sanction.end and d.sanction_id == sanction.id
    # Other people and other rooms are untouched (room controls: other rooms only).
    other = check([sanction], action=action, room="muu/2026-12-03", pseudonym=WHO, now=NOW + 1,
                  last_sent_at=NOW)
    assert other.allowed is (kind is not SanctionKind.BAN)


def test_slow_mode_allows_one_message_per_period() -> None:
    slow = every_kind()[SanctionKind.SLOW_MODE]
    send = dict(action=Action.SEND, room=ROOM, pseudonym=WHO)
    assert check([slow], now=NOW + 5, last_sent_at=None, **send).allowed
    d = check([slow], now=NOW + 5, last_sent_at=NOW + 1, **send)
    assert d.code == "slow_mode" and d.until == NOW + 31
    assert check([slow], now=NOW + 31, last_sent_at=NOW + 1, **send).allowed


def test_the_first_refusal_by_precedence_wins() -> None:
    k = every_kind()
    all_of_them = list(k.values())
    assert check(all_of_them, action=Action.SEND, room=ROOM, pseudonym=WHO, now=NOW + 1).code == "banned"
    rest = [k[SanctionKind.MUTE], k[SanctionKind.READ_ONLY], k[SanctionKind.LOCK]]
    assert check(rest, action=Action.SEND, room=ROOM, pseudonym=WHO, now=NOW + 1).code == "room_locked"
    d = check(rest[:2], action=Action.SEND, room=ROOM, pseudonym=WHO, now=NOW + 1,
              moderator_required=True, moderators_present=0)
    assert d.code == "moderator_absent"
    assert check(rest[:2], action=Action.SEND, room=ROOM, pseudonym=WHO, now=NOW + 1).code == "muted"


def test_staff_of_the_room_pass_room_wide_gates_but_not_their_own_mute() -> None:
    k = every_kind()
    gates = [k[SanctionKind.LOCK], k[SanctionKind.SLOW_MODE]]
    d = check(gates, action=Action.SEND, room=ROOM, pseudonym="mod", now=NOW + 1, exempt=True,
              last_sent_at=NOW, moderator_required=True, moderators_present=0)
    assert d.allowed


def test_a_moderator_required_room_is_read_only_and_closed_while_no_moderator_is_present() -> None:
    for action in Action:
        d = check([], action=action, room=ROOM, pseudonym=WHO, now=NOW, moderator_required=True,
                  moderators_present=0)
        assert d.code == "moderator_absent" and d.until is None
        assert check([], action=action, room=ROOM, pseudonym=WHO, now=NOW, moderator_required=True,
                     moderators_present=1).allowed
        assert check([], action=action, room=ROOM, pseudonym=WHO, now=NOW, moderator_required=False,
                     moderators_present=0).allowed


def test_a_lifted_sanction_stops_at_the_lift_and_a_past_one_cannot_be_lifted() -> None:
    mute = every_kind()[SanctionKind.MUTE]
    lifted = s.lift(mute, actor_id="mod", now=NOW + 60)
    assert lifted.active_at(NOW + 59) and not lifted.active_at(NOW + 60)
    with pytest.raises(RuleError) as info:
        s.lift(mute, actor_id="mod", now=mute.end or 0)
    assert info.value.code == "not_in_force"


def test_tombstones_list_removed_messages_of_the_room() -> None:
    k = every_kind()
    assert s.tombstones(k.values(), room=ROOM) == frozenset({"m1"})
    assert s.tombstones(k.values(), room="muu/2026-12-03") == frozenset()
    assert in_force(k.values(), room=ROOM, pseudonym=WHO, now=NOW) == tuple(
        sorted((v for v in k.values() if v.kind is not SanctionKind.DELETE_MESSAGE),
               key=lambda v: ["ban", "remove", "lock", "mute", "read_only", "slow_mode"].index(v.kind)))


@pytest.mark.parametrize(("build", "code"), [
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=0, now=NOW, reason_code="spam"), "bad_duration"),
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=24 * 60 + 1, now=NOW, reason_code="spam"), "bad_duration"),
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=5, now=NOW), "bad_reason"),
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=5, now=NOW, reason_code="spam", reason_text="and"), "bad_reason"),
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=5, now=NOW, reason_text="x" * 281), "bad_reason"),
    (lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym=WHO, minutes=5, now=NOW, reason_text="   "), "bad_reason"),
    (lambda: s.slow_mode(id="x", actor_id="m", room=ROOM, seconds=4, now=NOW, night_end=NIGHT_END, reason_code="spam"), "bad_duration"),
    (lambda: s.ban(id="x", actor_id="m", pseudonym=WHO, now=NOW, days=366, appeal_note="a", reason_code="spam"), "bad_duration"),
    (lambda: s.remove_tonight(id="x", actor_id="m", room=ROOM, pseudonym=WHO, now=NIGHT_END, night_end=NIGHT_END, reason_code="spam"), "night_over"),
    (lambda: s.read_only_tonight(id="x", actor_id="other", room=ROOM, pseudonym=WHO, now=NOW, night_end=NIGHT_END, self_chosen=True, reason_code="spam"), "not_self"),
    (lambda: Sanction(id="x", kind="mute", actor_id="m", room=ROOM, pseudonym=WHO, start=NOW, end=None, reason_code="spam"), "bad_sanction"),
    (lambda: Sanction(id="x", kind="lock", actor_id="m", room=ROOM, pseudonym=WHO, start=NOW, end=NOW + 1, reason_code="spam"), "bad_sanction"),
    (lambda: Sanction(id="x", kind="nuke", actor_id="m", room=ROOM, start=NOW, end=NOW + 1, reason_code="spam"), "bad_sanction"),
    (lambda: Sanction(id="x", kind="mute", actor_id="m", room=ROOM, pseudonym=WHO, start=NOW, end=NOW, reason_code="spam"), "bad_sanction"),
])
def test_bad_sanctions_are_refused_when_built(build, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as info:
        build()
    assert info.value.code == code


def test_repr_shows_ids_never_the_reason_or_appeal_text() -> None:
    b = s.ban(id="s9", actor_id="mod", pseudonym=WHO, now=NOW, days=None, appeal_note="SECRET-APPEAL",
              reason_text="SECRET-REASON")
    assert "SECRET" not in repr(b) and "s9" in repr(b)
    assert b.permanent and b.active_at(NOW + 10 * 365 * 86400)


@settings(deadline=None)
@given(
    kind=st.sampled_from([SanctionKind.MUTE, SanctionKind.BAN, SanctionKind.REMOVE,
                          SanctionKind.READ_ONLY, SanctionKind.LOCK]),
    start=st.floats(0, 2e9),
    length=st.integers(1, 24 * 60),
    probe=st.floats(0, 1),
)
def test_every_sanction_ends_at_its_end_time(kind: SanctionKind, start: float, length: int, probe: float) -> None:
    end = start + length * 60
    pseudonym = None if kind is SanctionKind.LOCK else WHO
    sanction = Sanction(id="p", kind=kind, actor_id="mod", room=ROOM, pseudonym=pseudonym, start=start,
                        end=end, reason_code="spam")
    inside = start + (end - start) * probe
    if inside < end:
        assert sanction.active_at(inside)
        assert not check([sanction], action=Action.SEND, room=ROOM, pseudonym=WHO, now=inside).allowed
    assert not sanction.active_at(end) and not sanction.active_at(end + 1)
    assert check([sanction], action=Action.SEND, room=ROOM, pseudonym=WHO, now=end).allowed
    assert check([sanction], action=Action.JOIN, room=ROOM, pseudonym=WHO, now=end).allowed
