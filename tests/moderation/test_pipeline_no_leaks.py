"""Refusals and reprs of the pipeline models never echo what a person or a moderator typed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from escalation import machine as m
from escalation.case import CaseSource
from moderation import sanctions as s
from moderation.audit import AuditEntry
from moderation.flags import Flag
from moderation.limits import RuleError

CANARY = "CANARY-7f3a-sentence with words"
ROOM = "ilta/2026-12-03"


def flag(**kw: object) -> Flag:
    base: dict[str, object] = dict(room=ROOM, message_id="m1", pseudonym="Aamu", severity=3,
                                   categories=("suicide",), rule_ids=(), source="self", at=1.0)
    base.update(kw)
    return Flag(**base)  # type: ignore[arg-type]


BAD: list[Callable[[], object]] = [
    lambda: flag(pseudonym=CANARY * 5),
    lambda: flag(pseudonym=CANARY + "\n"),
    lambda: flag(room=CANARY),
    lambda: flag(message_id=CANARY),
    lambda: flag(categories=(CANARY,)),
    lambda: flag(source=CANARY),
    lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=1.0, reason_text=CANARY * 20),
    lambda: s.mute(id="x", actor_id="m", room=ROOM, pseudonym="P", minutes=5, now=1.0, reason_code=CANARY),
    lambda: s.ban(id="x", actor_id="m", pseudonym="P", now=1.0, days=1, appeal_note=CANARY * 30, reason_code="spam"),
    lambda: AuditEntry(seq=0, at_ms=0, actor="a", action="flag", details={"reason_code": CANARY}),
    lambda: AuditEntry(seq=0, at_ms=0, actor="a", action="flag", details={CANARY: 1}),
    lambda: AuditEntry(seq=0, at_ms=0, actor="a", action=CANARY),
    lambda: m.request(case_id="k", pseudonym=CANARY * 5, severity=3, categories=(), source=CaseSource.SELF, now=1.0),
    lambda: m.request(case_id=CANARY, pseudonym="P", severity=3, categories=(), source=CaseSource.SELF, now=1.0),
]


@pytest.mark.parametrize("build", BAD)
def test_a_refusal_names_the_field_not_the_value(build: Callable[[], object]) -> None:
    with pytest.raises(RuleError) as info:
        build()
    assert "CANARY" not in str(info.value) and "CANARY" not in repr(info.value)
    assert info.value.code


def test_a_sanction_repr_hides_the_moderators_words() -> None:
    ban = s.ban(id="x", actor_id="m", pseudonym="P", now=1.0, days=1, appeal_note=CANARY, reason_text=CANARY)
    assert "CANARY" not in repr(ban) and "CANARY" not in str(ban)
