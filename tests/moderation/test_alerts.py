"""Alerts: the state table, routing with the load cap, widening at the deadline, acknowledgement."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.alerts import (
    REFUSALS,
    TRANSITIONS,
    Alert,
    AlertEvent,
    AlertPolicy,
    AlertState,
    Audience,
    OnDuty,
    acknowledge,
    due,
    expire,
    loads,
    open_alert,
    raise_alert,
    resolve,
    route,
)
from moderation.flags import Flag, merge_flag
from moderation.limits import RuleError

ROOM = "ilta/2026-12-03"
POLICY = AlertPolicy(resend_after_seconds=60, load_cap=2, pool_size=1)


def merged(severity: int = 3, message_id: str = "m1", room: str = ROOM):  # type: ignore[no-untyped-def]
    f = Flag(room=room, message_id=message_id, pseudonym="Aamukaste", severity=severity,
             categories=("suicide",), rule_ids=(), source="self", at=0.0)
    return merge_flag(None, f)[0]


def duty(staff: str, *rooms: str, lead: bool = False) -> OnDuty:
    return OnDuty(staff_id=staff, rooms=frozenset(rooms), lead=lead)


ROSTER = [duty("mod-a", ROOM), duty("mod-b", ROOM), duty("pool-1"), duty("pool-2"),
          duty("lead", lead=True)]


def test_below_level_4_goes_to_the_room_and_the_least_loaded_pool_moderator() -> None:
    load = {"pool-1": frozenset({"x/1"})}
    d = route(alert_id="a1", room=ROOM, severity=3, roster=ROSTER, load=load, policy=POLICY)
    assert d.audience is Audience.ROOM
    assert d.recipients == ("lead", "mod-a", "mod-b")  # lead and pool-2 tie at load 0: id order
    assert d.over_cap == ()


def test_level_4_goes_to_everyone_on_duty_at_once_even_over_the_cap() -> None:
    load = {"mod-a": frozenset({"x/1", "y/1"})}
    d = route(alert_id="a1", room=ROOM, severity=4, roster=ROSTER, load=load, policy=POLICY)
    assert d.audience is Audience.DUTY
    assert d.recipients == tuple(sorted(m.staff_id for m in ROSTER))
    assert d.over_cap == ("mod-a",)


def test_a_moderator_at_the_cap_is_skipped_and_the_next_takes_their_place() -> None:
    load = {"mod-a": frozenset({"x/1", "y/1"})}
    d = route(alert_id="a1", room=ROOM, severity=2, roster=ROSTER, load=load, policy=POLICY)
    assert "mod-a" not in d.recipients
    assert d.recipients == ("lead", "mod-b", "pool-1")  # one pool place + one overflow place


def test_an_alert_in_a_room_already_held_does_not_count_against_the_cap() -> None:
    load = {"mod-a": frozenset({ROOM, "y/1"})}
    d = route(alert_id="a1", room=ROOM, severity=2, roster=ROSTER, load=load, policy=POLICY)
    assert "mod-a" in d.recipients


def test_when_the_cap_leaves_nobody_the_leads_get_it_marked_over_cap() -> None:
    full = frozenset({"x/1", "y/1"})
    load = {m.staff_id: full for m in ROSTER}
    d = route(alert_id="a1", room=ROOM, severity=2, roster=ROSTER, load=load, policy=POLICY)
    assert d.recipients == ("lead",) and d.over_cap == ("lead",)
    no_lead = [m for m in ROSTER if not m.lead]
    d = route(alert_id="a1", room=ROOM, severity=2, roster=no_lead, load=load, policy=POLICY)
    assert d.recipients == ("mod-a",) and d.over_cap == ("mod-a",)


def test_with_no_pool_places_and_nobody_in_the_room_a_lead_still_gets_it_not_marked_over_cap() -> None:
    policy = AlertPolicy(resend_after_seconds=60, load_cap=2, pool_size=0)
    roster = [duty("pool-1"), duty("lead", lead=True)]
    d = route(alert_id="a1", room=ROOM, severity=2, roster=roster, load={}, policy=policy)
    assert d.recipients == ("lead",) and d.over_cap == ()


def test_nobody_on_duty_is_said_plainly() -> None:
    d = route(alert_id="a1", room=ROOM, severity=4, roster=[], load={}, policy=POLICY)
    assert d.nobody_on_duty and d.recipients == ()


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([ROOM, "other/1"]), st.integers(0, 4)), min_size=0, max_size=8),
    st.integers(2, 3),
    st.integers(1, 4),
)
def test_below_level_4_nobody_is_taken_over_the_cap_unless_nobody_else_can(
        spec: list[tuple[str, int]], severity: int, cap: int) -> None:
    roster = [OnDuty(staff_id=f"m{i}", rooms=frozenset({r})) for i, (r, _) in enumerate(spec)]
    load = {f"m{i}": frozenset(f"r{j}/x" for j in range(n)) for i, (_, n) in enumerate(spec)}
    policy = AlertPolicy(resend_after_seconds=60, load_cap=cap, pool_size=1)
    d = route(alert_id="a1", room=ROOM, severity=severity, roster=roster, load=load, policy=policy)
    under = {m.staff_id for m in roster if len(load[m.staff_id]) < cap}
    if not roster:
        assert d.nobody_on_duty
    elif under:
        assert set(d.recipients) <= under and d.over_cap == ()
        in_room_under = {m.staff_id for m in roster if ROOM in m.rooms} & under
        assert in_room_under <= set(d.recipients)
    else:
        assert len(d.recipients) == 1 and d.over_cap == d.recipients


def opened(severity: int = 3) -> Alert:
    alert, _ = open_alert(alert_id="a1", flags=merged(severity), now=1000.0, roster=ROSTER,
                          load={}, policy=POLICY)
    return alert


def test_an_alert_opens_with_a_stored_deadline() -> None:
    alert = opened()
    assert alert.state is AlertState.OPEN and alert.deadline == 1060.0 and alert.version == 1
    assert "mod-a" in alert.sent_to


def test_nothing_is_due_before_the_deadline_then_it_widens_to_everyone_on_duty() -> None:
    alert = opened()
    assert due([alert], now=1059.9, roster=ROSTER, policy=POLICY) == []
    [(widened, delivery)] = due([alert], now=1060.0, roster=ROSTER, policy=POLICY)
    assert delivery.audience is Audience.DUTY
    assert set(delivery.recipients) == {m.staff_id for m in ROSTER}
    assert widened.widened == 1 and widened.version == 2
    # A server that was down for an hour re-sends once, then every period from now.
    [(late, _)] = due([alert], now=4660.0, roster=ROSTER, policy=POLICY)
    assert late.deadline == 4720.0
    assert due([late], now=4700.0, roster=ROSTER, policy=POLICY) == []


def test_an_acknowledged_alert_is_never_due() -> None:
    alert = acknowledge(opened(), staff_id="mod-a", now=1010.0)
    assert alert.deadline is None
    assert due([alert], now=10_000.0, roster=ROSTER, policy=POLICY) == []


def test_only_a_recipient_acknowledges_and_only_the_acknowledger_resolves() -> None:
    alert = opened()
    with pytest.raises(RuleError) as info:
        acknowledge(alert, staff_id="stranger", now=1001.0)
    assert info.value.code == "not_a_recipient"
    acked = acknowledge(alert, staff_id="mod-b", now=1001.0)
    with pytest.raises(RuleError) as info:
        resolve(acked, staff_id="mod-a", now=1002.0)
    assert info.value.code == "not_acknowledger"
    done = resolve(acked, staff_id="mod-b", now=1002.0)
    assert done.state is AlertState.RESOLVED and done.closed_at == 1002.0


def test_a_rise_to_level_4_reaches_everyone_and_an_acknowledged_rise_reaches_the_acknowledger() -> None:
    alert = opened(severity=2)
    up, delivery = raise_alert(alert, merged(4), now=1005.0, roster=ROSTER, load={}, policy=POLICY)
    assert up.severity == 4 and delivery is not None and delivery.audience is Audience.DUTY
    assert set(up.sent_to) == {m.staff_id for m in ROSTER}
    acked = acknowledge(opened(severity=2), staff_id="mod-a", now=1001.0)
    up, delivery = raise_alert(acked, merged(3), now=1005.0, roster=ROSTER, load={}, policy=POLICY)
    assert delivery is not None and delivery.recipients == ("mod-a",)
    same, delivery = raise_alert(up, merged(2), now=1006.0, roster=ROSTER, load={}, policy=POLICY)
    assert delivery is None and same.severity == 3


def test_load_counts_open_recipients_and_acknowledgers_only() -> None:
    a = opened()
    b = acknowledge(replace(opened(), id="a2", room="other/1"), staff_id="mod-a", now=1.0)
    c = expire(replace(opened(), id="a3", room="third/1"), now=2.0)
    load = loads([a, b, c])
    assert load["mod-a"] == frozenset({ROOM, "other/1"})
    assert load["mod-b"] == frozenset({ROOM})
    assert all("third/1" not in rooms for rooms in load.values())


def _do(alert: Alert, event: AlertEvent) -> Alert:
    if event is AlertEvent.WIDEN:
        out = due([alert], now=1e9, roster=ROSTER, policy=POLICY)
        if not out:
            raise RuleError(REFUSALS[alert.state], "not due")
        return out[0][0]
    if event is AlertEvent.RAISE:
        return raise_alert(alert, merged(4), now=1e6, roster=ROSTER, load={}, policy=POLICY)[0]
    if event is AlertEvent.ACKNOWLEDGE:
        return acknowledge(alert, staff_id="mod-a", now=1e6)
    if event is AlertEvent.RESOLVE:
        return resolve(alert, staff_id=alert.acknowledged_by or "mod-a", now=1e6)
    return expire(alert, now=1e6)


def in_state(state: AlertState) -> Alert:
    a = opened()
    if state is AlertState.OPEN:
        return a
    a = acknowledge(a, staff_id="mod-a", now=1001.0)
    if state is AlertState.ACKNOWLEDGED:
        return a
    return resolve(a, staff_id="mod-a", now=1002.0) if state is AlertState.RESOLVED else expire(a, now=1002.0)


@pytest.mark.parametrize("state", list(AlertState))
@pytest.mark.parametrize("event", list(AlertEvent))
def test_every_transition_follows_the_table(state: AlertState, event: AlertEvent) -> None:
    alert = in_state(state)
    target = TRANSITIONS.get((state, event))
    if target is None:
        with pytest.raises(RuleError) as info:
            _do(alert, event)
        assert info.value.code == REFUSALS[state]
    else:
        after = _do(alert, event)
        assert after.state is target and after.version == alert.version + 1


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(0, 5000), st.booleans()), max_size=12), st.floats(0, 10_000))
def test_due_widens_exactly_the_open_alerts_past_their_deadline(spec: list[tuple[float, bool]], now: float) -> None:
    alerts = []
    for i, (opened_at, acked) in enumerate(spec):
        alert, _ = open_alert(alert_id=f"a{i}", flags=merged(3, message_id=f"m{i}"), now=opened_at,
                              roster=ROSTER, load={}, policy=POLICY)
        alerts.append(acknowledge(alert, staff_id=alert.sent_to[0], now=opened_at) if acked else alert)
    out = due(alerts, now=now, roster=ROSTER, policy=POLICY)
    expected = {x.id for x in alerts if x.state is AlertState.OPEN and x.deadline is not None and x.deadline <= now}
    assert {alert.id for alert, _ in out} == expected
    for alert, delivery in out:
        assert alert.deadline == now + POLICY.resend_after_seconds
        assert set(delivery.recipients) == {m.staff_id for m in ROSTER}
