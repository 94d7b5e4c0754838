"""CaseStore contract (issue 11), on both backends: compare-and-set, queue order, deadlines,
exactly one claim among many racing through two store instances, counsellors, notes, retention."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from escalation import machine as m
from escalation.case import Case, CaseSource, CaseState, Outcome
from escalation.health import DutyInterval
from escalation.offering import CounsellorStatus
from moderation.limits import RuleError
from server.storage.cases import MAX_NOTES_PER_CASE, CaseStore, CounsellorRecord
from server.storage.embedded.db import DB_FILE
from server.storage.stores import Stores
from tests.client.leakscan import find, redis_blobs
from tests.escalation.helpers import POLICY

T0 = 1_790_000_000.0


def queued(case_id: str, *, severity: int = 3, at: float = T0, pseudonym: str | None = None
           ) -> Case:
    c = m.request(case_id=case_id, pseudonym=pseudonym or f"P-{case_id}", severity=severity,
                  categories=("alcohol",), source=CaseSource.SELF, now=at)
    return m.enqueue(c, now=at, policy=POLICY)


def status(cid: str) -> CounsellorStatus:
    return CounsellorStatus(id=cid, available=True, capacity=2, active=0, idle_since=T0)


async def create_queued(store: CaseStore, case_id: str, **kw: object) -> Case:
    requested = m.request(case_id=case_id, pseudonym=str(kw.get("pseudonym") or f"P-{case_id}"),
                          severity=int(kw.get("severity", 3)),  # type: ignore[call-overload]
                          categories=("alcohol",), source=CaseSource.SELF,
                          now=float(kw.get("at", T0)))  # type: ignore[arg-type]
    assert await store.create(requested)
    case = m.enqueue(requested, now=requested.created_at, policy=POLICY)
    assert await store.replace(case, expected_version=requested.version)
    return case


async def test_create_get_and_one_open_case_per_person(stores: Stores) -> None:
    store = stores.cases
    first = m.request(case_id="c1", pseudonym="Aamu", severity=2, categories=(),
                      source=CaseSource.SELF, now=T0)
    assert await store.create(first)
    assert await store.get("c1") == first
    assert await store.get("nope") is None
    assert not await store.create(first)  # the id exists
    second = replace(first, id="c2")
    assert not await store.create(second)  # Aamu already has an open case
    assert await store.get("c2") is None
    assert (await store.open_of("Aamu")) == first
    assert await store.open_of("Someone") is None
    closed = m.close(first, outcome=Outcome.PERSON_LEFT, now=T0 + 5, by=None)
    assert await store.replace(closed, expected_version=first.version)
    assert await store.open_of("Aamu") is None
    assert await store.create(second)  # a finished case no longer blocks a new one
    assert (await store.open_of("Aamu")) == second


async def test_replace_is_compare_and_set_on_the_version(stores: Stores) -> None:
    store = stores.cases
    case = await create_queued(store, "c1")
    raised = m.raise_severity(case, severity=4, categories=(), now=T0 + 1, policy=POLICY)
    assert not await store.replace(raised, expected_version=case.version - 1)  # stale
    assert not await store.replace(replace(raised, version=case.version),
                                   expected_version=case.version)  # not a newer version
    assert await store.get("c1") == case  # nothing changed
    assert await store.replace(raised, expected_version=case.version)
    assert await store.get("c1") == raised
    assert not await store.replace(raised, expected_version=case.version)  # once only
    assert not await store.replace(queued("ghost"), expected_version=1)  # unknown case


async def test_queue_order_is_level_then_wait_then_id(stores: Stores) -> None:
    store = stores.cases
    await create_queued(store, "b-l2", severity=2, at=T0)
    await create_queued(store, "a-l3-late", severity=3, at=T0 + 20)
    await create_queued(store, "z-l3-early", severity=3, at=T0 + 10)
    await create_queued(store, "y-l4", severity=4, at=T0 + 30)
    await create_queued(store, "x-l3-tie", severity=3, at=T0 + 10)
    got = [c.id for c in await store.waiting(10)]
    assert got == ["y-l4", "x-l3-tie", "z-l3-early", "a-l3-late", "b-l2"]
    assert [c.id for c in await store.waiting(2)] == ["y-l4", "x-l3-tie"]
    # Claimed: out of the queue, into the claims.
    top = await store.get("y-l4")
    assert top is not None
    active = m.claim(top, counsellor=status("k1"), expected_version=top.version, now=T0 + 40)
    assert await store.replace(active, expected_version=top.version)
    assert next(c.id for c in await store.waiting(10)) == "x-l3-tie"
    assert [c.id for c in await store.claimed_since(T0, 10)] == ["y-l4"]
    assert await store.claimed_since(T0 + 41, 10) == []
    assert len(await store.open_cases(100)) == 5


async def test_due_follows_the_stored_deadlines(stores: Stores) -> None:
    store = stores.cases
    l4 = await create_queued(store, "l4", severity=4, at=T0)  # re-alert after 60 s
    await create_queued(store, "l3", severity=3, at=T0)  # after 300 s
    assert await store.due(T0 + 59, 10) == []
    assert [c.id for c in await store.due(T0 + 60, 10)] == ["l4"]
    assert [c.id for c in await store.due(T0 + 300, 10)] == ["l4", "l3"]
    fired = m.realert(l4, now=T0 + 60, policy=POLICY)
    assert await store.replace(fired, expected_version=l4.version)
    assert [c.id for c in await store.due(T0 + 119, 10)] == []
    assert [c.id for c in await store.due(T0 + 120, 1)] == ["l4"]


async def claim_from(store: CaseStore, case_id: str, who: str) -> bool:
    """What the claim handler does: read, let the machine decide, compare-and-set. Every racer
    reads before any writes (the sleep), so all of them decide on the same version."""
    case = await store.get(case_id)
    assert case is not None
    await asyncio.sleep(0.01)
    try:
        claimed = m.claim(case, counsellor=status(who), expected_version=case.version,
                          now=T0 + 5)
    except RuleError as exc:
        assert exc.code in {"already_claimed", "version_conflict"}
        return False
    return await store.replace(claimed, expected_version=case.version)


async def test_many_concurrent_claims_through_two_stores_exactly_one_wins(
        open_stores: Callable[[], Stores]) -> None:
    one, two = open_stores(), open_stores()
    try:
        await create_queued(one.cases, "c1", severity=4)
        racers = [claim_from((one if i % 2 else two).cases, "c1", f"k{i}") for i in range(60)]
        wins = await asyncio.gather(*racers)
        assert sum(wins) == 1
        stored = await two.cases.get("c1")
        assert stored is not None and stored.state is CaseState.ACTIVE
        assert stored.counsellor == f"k{wins.index(True)}"
        assert await one.cases.waiting(10) == []
    finally:
        await one.close()
        await two.close()


async def test_cases_survive_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    case = await create_queued(first.cases, "c1", severity=4)
    await first.close()
    second = open_stores()
    try:
        assert await second.cases.get("c1") == case
        assert [c.id for c in await second.cases.waiting(5)] == ["c1"]
        assert [c.id for c in await second.cases.due(T0 + 60, 5)] == ["c1"]
    finally:
        await second.close()


async def test_counsellors_and_duty(stores: Stores) -> None:
    store = stores.cases
    rec = CounsellorRecord(id="k1", name="Liisa K", identity_key=b"K" * 32, available=True,
                           capacity=2, idle_since=T0, on_duty_since=T0)
    await store.put_counsellor(rec)
    await store.put_counsellor(replace(rec, id="k0", name="Ari"))
    assert await store.counsellor("k1") == rec
    assert await store.counsellor("zz") is None
    away = replace(rec, available=False, on_duty_since=None)
    await store.put_counsellor(away)
    assert [c.id for c in await store.counsellors()] == ["k0", "k1"]
    assert (await store.counsellors())[1] == away
    assert "Liisa" not in repr(rec) and "K" * 32 not in repr(rec)
    await store.add_duty(DutyInterval(counsellor="k1", start=T0, end=T0 + 100))
    await store.add_duty(DutyInterval(counsellor="k0", start=T0 + 10, end=T0 + 500))
    assert [d.counsellor for d in await store.duty_since(T0 + 200)] == ["k0"]
    assert len(await store.duty_since(T0)) == 2
    with pytest.raises(RuleError):
        replace(rec, capacity=0)


async def test_notes_are_capped_and_kept_with_their_case(stores: Stores) -> None:
    store = stores.cases
    await create_queued(store, "c1")
    assert not await store.add_note("nope", b"x")
    for i in range(MAX_NOTES_PER_CASE):
        assert await store.add_note("c1", bytes([i]) * 4)
    assert not await store.add_note("c1", b"one too many")
    notes = await store.notes("c1")
    assert len(notes) == MAX_NOTES_PER_CASE and notes[0] == b"\0" * 4 and notes[-1] == b"\x13" * 4


async def test_team_key_epochs_come_in_order_and_wraps_are_kept_once(stores: Stores) -> None:
    store = stores.cases
    a, b, pub1, pub2 = b"a" * 32, b"b" * 32, b"1" * 32, b"2" * 32
    assert await store.team_keys() == {} and await store.team_wraps(a) == []
    assert not await store.add_team_wraps(2, pub2, {a: "w2a"}, new_epoch=True)  # not next
    assert not await store.add_team_wraps(1, pub1, {a: "w1a"}, new_epoch=False)  # unknown
    assert await store.add_team_wraps(1, pub1, {a: "w1a"}, new_epoch=True)
    assert not await store.add_team_wraps(1, pub2, {b: "x"}, new_epoch=True)  # taken
    assert not await store.add_team_wraps(1, pub2, {b: "x"}, new_epoch=False)  # other key
    assert await store.team_wraps(b) == []  # a refused request wrote nothing
    assert await store.add_team_wraps(1, pub1, {a: "again", b: "w1b"}, new_epoch=False)
    assert await store.add_team_wraps(2, pub2, {a: "w2a", b: "w2b"}, new_epoch=True)
    assert await store.team_keys() == {1: pub1, 2: pub2}
    assert await store.team_wraps(a) == ["w1a", "w2a"]  # the first wrap of an epoch stays
    assert await store.team_wraps(b) == ["w1b", "w2b"]


async def test_finished_cases_are_deleted_after_retention(stores: Stores) -> None:
    store = stores.cases
    old = await create_queued(store, "old", at=T0)
    await store.add_note("old", b"ciphertext")
    closed = m.close(old, outcome=Outcome.PERSON_LEFT, now=T0 + 10, by=None)
    assert await store.replace(closed, expected_version=old.version)
    young = await create_queued(store, "young", at=T0)
    young_closed = m.close(young, outcome=Outcome.PERSON_LEFT, now=T0 + 1000, by=None)
    assert await store.replace(young_closed, expected_version=young.version)
    waiting = await create_queued(store, "waiting", at=T0)
    await store.add_duty(DutyInterval(counsellor="k1", start=T0, end=T0 + 5))
    await store.add_duty(DutyInterval(counsellor="k2", start=T0, end=T0 + 50))
    # The caller passes `now - retention`: nothing was closed at or before T0 + 9.
    assert await store.delete_finished(T0 + 9, 10) == []
    assert await store.delete_finished(T0 + 10, 10) == ["old"]
    assert await store.get("old") is None and await store.notes("old") == []
    assert [d.counsellor for d in await store.duty_since(0)] == ["k2"]
    assert await store.get("young") == young_closed
    assert await store.get("waiting") == waiting  # an open case is never deleted
    assert await store.delete_finished(T0 + 10_000, 10) == ["young"]
    assert [c.id for c in await store.open_cases(10)] == ["waiting"]
    assert [c.id for c in await store.claimed_since(0, 10)] == []


def stored_blobs(request: pytest.FixtureRequest, tmp_path: Path) -> list[tuple[str, bytes]]:
    """Every key and value of the backend under test (Redis), or every row of its SQLite
    tables (the embedded store; secure_delete overwrites what a rewrite removed)."""
    if request.node.callspec.params.get("open_stores") == "redis":
        return list(redis_blobs(str(request.getfixturevalue("redis_url"))))
    db = sqlite3.connect(tmp_path / "data" / DB_FILE)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, repr(db.execute(f"SELECT * FROM {t}").fetchall()).encode()) for t in tables]
    finally:
        db.close()


async def test_forget_person_keeps_finished_cases_without_the_pseudonym(
        stores: Stores, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Erasure (issue 15): every finished case of the person is rewritten as
    `escalation.case.anonymised`, an open one is left to the caller, nobody else is touched,
    and no key, index or value of the store names the pseudonym afterwards (Redis: every key)."""
    from escalation.case import ERASED_PSEUDONYM

    store = stores.cases
    name = "Poistuva Aamu"
    first = await create_queued(store, "f1", pseudonym=name, at=T0)
    await store.add_note("f1", b"ciphertext to the team")
    done = m.close(first, outcome=Outcome.PERSON_LEFT, now=T0 + 10, by=None)
    assert await store.replace(replace(done, room="open/2026-12-03"),
                               expected_version=first.version)
    second = await create_queued(store, "f2", pseudonym=name, at=T0 + 20)
    assert await store.replace(m.close(second, outcome=Outcome.PERSON_LEFT, now=T0 + 30, by=None),
                               expected_version=second.version)
    still_open = await create_queued(store, "f3", pseudonym=name, at=T0 + 40)
    other = await create_queued(store, "o1", pseudonym="Bea", at=T0)
    assert find(name.encode(), stored_blobs(request, tmp_path)), "the search cannot fail"

    assert await store.forget_person(name) == ["f1", "f2"]
    for case_id in ("f1", "f2"):
        kept = await store.get(case_id)
        assert kept is not None and kept.pseudonym == ERASED_PSEUDONYM and kept.room is None
        assert kept.state is CaseState.CLOSED and kept.outcome is Outcome.PERSON_LEFT
    assert await store.notes("f1") == [b"ciphertext to the team"]  # retention keeps them
    assert await store.get("f3") == still_open  # open: the caller ends it first
    assert await store.open_of(name) == still_open
    assert await store.get("o1") == other and await store.open_of("Bea") == other

    # The caller ends the open one (machine.person_erased), then forgets again.
    ended = m.person_erased(still_open, now=T0 + 50)
    assert await store.replace(ended, expected_version=still_open.version)
    assert await store.forget_person(name) == ["f3"]
    assert await store.forget_person(name) == []  # idempotent
    assert await store.open_of(name) is None
    assert (await store.get("f3")).outcome is Outcome.PERSON_ERASED  # type: ignore[union-attr]
    # The other indexes still work on the rewritten cases.
    assert [c.id for c in await store.waiting(10)] == ["o1"]
    assert "f1" in await store.delete_finished(T0 + 60, 10)

    # No key name and no value names the person any more; the search finds the other one.
    blobs = stored_blobs(request, tmp_path)
    assert find(b"Bea", blobs), "the search does not reach the store"
    assert find(name.encode(), blobs) == []
