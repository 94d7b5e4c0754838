"""A departure rotates my sender key even when its own membership event never arrived.

``epoch`` rises by one at every membership change (docs/protocol.md), but a push can be lost
without a reconnect (the session drops pushes when its queue is full). Acting on the *event
type* alone, a lost ``left``/``removed`` followed by a ``joined`` would only update the member
list: the departed member would keep my current sender key, their keys would never be
forgotten, and ``min_epoch`` would not move. ``RoomState`` acts on the difference between the
member lists of signed events instead.
"""

from __future__ import annotations

from client.rooms import ForgetSender, NewSenderKey, RoomState, ShareSenderKey
from e2ee.membership import Member, MembershipEvent

ROOM = "open/2026-11-26"
ME, BOB, CAROL, DAVE = (bytes([i]) * 32 for i in (1, 2, 3, 4))
NAMES = {ME: "me", BOB: "bob", CAROL: "carol", DAVE: "dave"}


def event(epoch: int, kind: str, who: bytes, members: list[bytes]) -> MembershipEvent:
    return MembershipEvent(
        ROOM, epoch, kind, NAMES[who], who, "peer",
        tuple(Member(NAMES[k], k, "peer") for k in members), 0, bytes(64),
    )


def test_missed_leave_still_rotates_when_the_next_event_shows_it() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB, CAROL]))
    # epoch 6 ("left" CAROL) was lost; epoch 7 is DAVE joining, CAROL no longer listed
    actions = state.membership(event(7, "joined", DAVE, [ME, BOB, DAVE]))
    assert ForgetSender(room=ROOM, sender_key=CAROL) in actions
    assert NewSenderKey(room=ROOM, epoch=7) in actions
    shares = [a for a in actions if isinstance(a, ShareSenderKey)]
    assert len(shares) == 1
    assert {m.identity_key for m in shares[0].members} == {BOB, DAVE}
    # the rotation comes before the new key is shared
    assert actions.index(NewSenderKey(room=ROOM, epoch=7)) < actions.index(shares[0])
    # keys made at or before the last epoch I saw CAROL in are refused from now on
    assert state.min_epoch == 6


def test_missed_leave_noticed_on_my_own_rejoin() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB, CAROL]))
    actions = state.joined(event(9, "joined", ME, [ME, BOB]))
    assert ForgetSender(room=ROOM, sender_key=CAROL) in actions
    assert NewSenderKey(room=ROOM, epoch=9) in actions
    assert state.min_epoch == 6


def test_ordinary_events_unchanged() -> None:
    state = RoomState(ROOM, ME)
    state.joined(event(5, "joined", ME, [ME, BOB]))
    assert state.membership(event(6, "joined", CAROL, [ME, BOB, CAROL])) == [
        ShareSenderKey(room=ROOM, members=(Member("carol", CAROL, "peer"),))
    ]
    actions = state.membership(event(7, "left", CAROL, [ME, BOB]))
    assert actions[0] == ForgetSender(room=ROOM, sender_key=CAROL)
    assert actions[1] == NewSenderKey(room=ROOM, epoch=7)
    assert state.min_epoch == 7
