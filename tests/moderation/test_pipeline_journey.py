"""A crisis message through flags, alert, re-send, acknowledgement, sanction, refusal and expiry."""

from __future__ import annotations

from moderation import alerts as a
from moderation import sanctions as s
from moderation.audit import AuditEntry, append, verify
from moderation.authorise import Actor, Role, authorise
from moderation.flags import Flag, merge_flag, record
from moderation.notices import refusal_notice

ROOM = "ilta/2026-12-03"
POLICY = a.AlertPolicy(resend_after_seconds=60, load_cap=3, pool_size=1)


def test_one_message_from_the_writers_flag_to_an_expired_mute() -> None:
    now = 1_000_000.0
    roster = [a.OnDuty(staff_id="mod-a", rooms=frozenset({ROOM})), a.OnDuty(staff_id="mod-b", rooms=frozenset())]
    audit = []

    def log(**kw):  # type: ignore[no-untyped-def]
        audit.append(append(audit, AuditEntry(seq=len(audit), at_ms=int(now * 1000), **kw)))

    # The writer's client and the moderator's client flag the same message: one alert.
    f1 = Flag(room=ROOM, message_id="m7", pseudonym="Aamu", severity=3, categories=("suicide",),
              rule_ids=("fi.s.1",), source="self", at=now)
    merged, raised = merge_flag(None, f1)
    assert raised
    alert, delivery = a.open_alert(alert_id="al1", flags=merged, now=now, roster=roster, load={}, policy=POLICY)
    log(actor="system", action="alert_open", room=ROOM, pseudonym="Aamu",
        details={"alert_id": "al1", "severity": 3})
    assert delivery.recipients == ("mod-a", "mod-b")
    f2 = Flag(room=ROOM, message_id="m7", pseudonym="Aamu", severity=3, categories=("suicide",),
              rule_ids=("fi.s.1",), source="moderator", at=now + 1)
    merged, raised = merge_flag(merged, f2)
    assert not raised  # no second alert
    history = record(None, merged, "2026-12-03")
    assert history.summary("Aamu").highest == 3

    # Nobody answers for a minute: re-sent to everyone on duty; then mod-a acknowledges.
    [(alert, _)] = a.due([alert], now=now + 60, roster=roster, policy=POLICY)
    alert = a.acknowledge(alert, staff_id="mod-a", now=now + 70)
    log(actor="mod-a", action="alert_ack", room=ROOM, details={"alert_id": "al1"})

    # The moderator mutes someone else who was mocking the person, with a reason from the list.
    mod = Actor(id="mod-a", role=Role.MODERATOR, rooms=frozenset({ROOM}))
    authorise(mod, s.SanctionKind.MUTE, room=ROOM, target_pseudonym="Troll")
    mute = s.mute(id="s1", actor_id="mod-a", room=ROOM, pseudonym="Troll", minutes=10, now=now + 80,
                  reason_code="disrespect")
    log(actor="mod-a", action="sanction", room=ROOM, pseudonym="Troll",
        details={"kind": "mute", "minutes": 10, "reason_code": "disrespect", "sanction_id": "s1"})
    refused = s.check([mute], action=s.Action.SEND, room=ROOM, pseudonym="Troll", now=now + 100)
    assert refused.code == "muted" and refused.until == now + 680
    assert refusal_notice(refused) is not None
    assert s.check([mute], action=s.Action.SEND, room=ROOM, pseudonym="Troll", now=now + 680).allowed
    assert verify(audit) is None
