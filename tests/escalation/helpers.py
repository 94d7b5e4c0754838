"""Shared builders for the escalation tests: a fake clock, a policy, cases in every state."""

from __future__ import annotations

from dataclasses import dataclass

from escalation import machine as m
from escalation.case import Case, CaseSource, CaseState, Outcome
from escalation.offering import CounsellorStatus
from escalation.policy import EscalationPolicy, Interval, LevelPolicy, Notify, OpeningHours

ALWAYS = OpeningHours(timezone="Europe/Helsinki", weekly=tuple((Interval(start=0, end=1440),) for _ in range(7)))


def policy(hours: OpeningHours = ALWAYS) -> EscalationPolicy:
    levels = {
        4: LevelPolicy(level=4, realert_after_seconds=60, repeat_seconds=60,
                       notify=(Notify.DUTY, Notify.SUPERVISOR), max_wait_seconds=120,
                       alternatives=("fi.emergency", "fi.mieli.fi")),
        3: LevelPolicy(level=3, realert_after_seconds=300, repeat_seconds=300,
                       notify=(Notify.DUTY, Notify.SUPERVISOR), max_wait_seconds=900,
                       alternatives=("fi.mieli.fi",)),
        2: LevelPolicy(level=2, realert_after_seconds=900, repeat_seconds=900, notify=(Notify.DUTY,),
                       max_wait_seconds=1800, alternatives=("fi.ehyt",)),
        1: LevelPolicy(level=1, realert_after_seconds=1800, repeat_seconds=1800, notify=(Notify.DUTY,),
                       max_wait_seconds=3600, alternatives=("fi.ehyt",)),
    }
    return EscalationPolicy(levels=levels, hours=hours, retention_days=90, offer_seconds=45,
                            consent_seconds=300)


POLICY = policy()


@dataclass
class FakeClock:
    """The caller's clock in tests: moves only when told to."""

    now: float = 1_000_000.0

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def counsellor(cid: str = "c1", *, available: bool = True, capacity: int = 2, active: int = 0,
               idle_since: float = 0.0) -> CounsellorStatus:
    return CounsellorStatus(id=cid, available=available, capacity=capacity, active=active,
                            idle_since=idle_since)


def queued(case_id: str = "k1", *, severity: int = 3, at: float = 1000.0, pseudonym: str = "Aamu") -> Case:
    c = m.request(case_id=case_id, pseudonym=pseudonym, severity=severity, categories=("suicide",),
                  source=CaseSource.SELF, now=at)
    return m.enqueue(c, now=at, policy=POLICY)


def in_state(state: CaseState, now: float = 1000.0) -> Case:
    """A case brought to ``state`` through the machine's own functions."""
    if state in (CaseState.CONSENT_PENDING, CaseState.DECLINED, CaseState.EXPIRED):
        c = m.propose_handoff(case_id="k1", pseudonym="Aamu", severity=3, categories=("suicide",),
                              moderator="mod-a", room="ilta/2026-12-03", now=now, policy=POLICY)
        if state is CaseState.DECLINED:
            return m.decline_consent(c, now=now + 1)
        if state is CaseState.EXPIRED:
            return m.consent_timeout(c, now=now + 300)
        return c
    c = m.request(case_id="k1", pseudonym="Aamu", severity=3, categories=("suicide",),
                  source=CaseSource.SELF, now=now)
    if state is CaseState.REQUESTED:
        return c
    c = m.enqueue(c, now=now, policy=POLICY)
    if state is CaseState.QUEUED:
        return c
    if state is CaseState.OFFERED:
        return m.offer(c, counsellor="c1", now=now + 1, policy=POLICY)
    c = m.claim(c, counsellor=counsellor("c1"), expected_version=c.version, now=now + 2)
    if state is CaseState.ACTIVE:
        return c
    if state is CaseState.TRANSFER_PENDING:
        return m.request_transfer(c, by="c1", to="c2", now=now + 3)
    assert state is CaseState.CLOSED
    return m.close(c, outcome=Outcome.SUPPORTED, now=now + 4, by="c1")
