"""Pure group orchestration: the actions RoomState asks for, and its bounded envelope buffer."""

from __future__ import annotations

from client.rooms import (
    BUFFER_TIMEOUT_S,
    MAX_BUFFERED_ENVELOPES,
    DropRoomKeys,
    ForgetSender,
    NewSenderKey,
    RoomState,
    ShareSenderKey,
)
from e2ee.envelopes import GroupEnvelope
from e2ee.membership import Member, MembershipEvent

ROOM = "open/2026-11-26"
ME, BOB, CAROL = bytes([1]) * 32, bytes([2]) * 32, bytes([3]) * 32
NAMES = {ME: "me", BOB: "bob", CAROL: "carol"}


def event(epoch: int, kind: str, who: bytes, members: list[bytes]) -> MembershipEvent:
    return MembershipEvent(
        ROOM, epoch, kind, NAMES[who], who, "peer",
        tuple(Member(NAMES[k], k, "peer") for k in members), 0, bytes(64),
    )


def envelope(sender: bytes, seq: int) -> GroupEnvelope:
    return GroupEnvelope(ROOM, seq, 0, NAMES[sender], sender, "group", b"h", b"b")


def test_join_creates_a_key_and_shares_it_with_everyone_else() -> None:
    state = RoomState(ROOM, ME)
    actions = state.joined(event(5, "joined", ME, [ME, BOB, CAROL]))
    assert actions[0] == NewSenderKey(room=ROOM, epoch=5)
    assert isinstance(actions[1], ShareSenderKey)
    assert {m.identity_key for m in actions[1].members} == {BOB, CAROL}


def test_newcomer_gets_my_current_key_without_rotation() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB]))
    actions = state.membership(event(6, "joined", CAROL, [ME, BOB, CAROL]))
    assert len(actions) == 1 and isinstance(actions[0], ShareSenderKey)
    assert [m.identity_key for m in actions[0].members] == [CAROL]


def test_leave_or_removal_rotates_and_shares_with_the_rest_only() -> None:
    for kind in ("left", "removed"):
        state = RoomState(ROOM, ME)
        state.joined(event(5, "joined", ME, [ME, BOB, CAROL]))
        actions = state.membership(event(6, kind, CAROL, [ME, BOB]))
        assert actions[0] == ForgetSender(room=ROOM, sender_key=CAROL)
        assert actions[1] == NewSenderKey(room=ROOM, epoch=6)
        assert isinstance(actions[2], ShareSenderKey)
        assert [m.identity_key for m in actions[2].members] == [BOB]


def test_stale_or_foreign_events_are_ignored() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB]))
    assert state.membership(event(5, "left", BOB, [ME])) == []
    assert state.membership(event(4, "joined", CAROL, [ME, BOB, CAROL])) == []
    other = event(9, "left", BOB, [ME])
    other = MembershipEvent("other/2026-11-26", *[getattr(other, f) for f in
                            ("epoch", "event", "pseudonym", "identity_key", "role", "members", "at",
                             "sig")])
    assert state.membership(other) == []
    assert set(state.members) == {ME, BOB}


def test_close_drops_keys_once() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB]))
    assert state.membership(event(6, "closed", ME, [])) == [DropRoomKeys(room=ROOM)]
    assert state.closed
    assert state.close("group.closed") == []


def test_buffer_releases_in_order_and_is_bounded_and_expires() -> None:
    state = RoomState(ROOM, ME)
    state.hold(envelope(BOB, 3), now=0.0)
    state.hold(envelope(CAROL, 4), now=0.0)
    state.hold(envelope(BOB, 2), now=1.0)
    assert [e.seq for e in state.release(BOB, now=2.0)] == [2, 3]
    assert state.held_count() == 1
    assert state.release(CAROL, now=BUFFER_TIMEOUT_S + 1) == []  # expired meanwhile
    assert state.expired == 1
    for seq in range(MAX_BUFFERED_ENVELOPES + 10):
        state.hold(envelope(BOB, seq + 1), now=100.0)
    assert state.held_count() == MAX_BUFFERED_ENVELOPES
    assert state.release(BOB, now=100.0)[0].seq == 11
