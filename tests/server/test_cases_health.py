"""Queue health for a supervisor (counts and times only) and retention over a real server: the
periods nobody was on duty, time to claim, sessions per counsellor; a finished case is deleted
`retention_days` after it closed, by the scheduler's tick."""

from __future__ import annotations

from config.escalation import load_escalation_settings
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor
from tests.server.harness import Peer

POLICY = load_escalation_settings()


async def test_health_counts_and_duty_gaps(live_server_factory: LiveServerFactory,
                                           backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    start = fake.now()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, **backend_kwargs)
    anna = await make_counsellor(server, "Anna")
    fake.advance(600)
    assert (await anna.call("counsellor.availability", {"available": False}))["ok"]
    fake.advance(300)  # nobody on duty for these five minutes
    assert (await anna.call("counsellor.availability", {"available": True}))["ok"]
    person = await Peer.connect(server.url, "Aamu")
    waiting = await Peer.connect(server.url, "Ilta")
    code = (await ask(person, level=4))["case_code"]
    fake.advance(40)
    await ask(waiting, level=2)
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    fake.advance(20)
    health = await anna.call("cases.health", {})
    assert health["waiting_per_level"] == [0, 1, 0, 0]
    assert health["oldest_wait_s"] == 20
    assert health["claims_in_window"] == 1 and health["median_time_to_claim_s"] == 40
    assert list(health["sessions_per_counsellor"].values()) == [1]
    assert health["available_counsellors"] == 1
    gaps = health["no_one_on_duty"]
    assert [start + 600, start + 900] in gaps  # Anna's break
    assert all(b <= start or a >= start + 600 for a, b in gaps if [a, b] != [start + 600,
                                                                            start + 900])
    text = str(health)
    assert "Aamu" not in text and "Ilta" not in text
    for p in (anna, person, waiting):
        await p.close()


async def test_finished_cases_are_deleted_after_retention(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, **backend_kwargs)
    anna = await make_counsellor(server, "Anna")
    person = await Peer.connect(server.url, "Aamu")
    code = (await ask(person, level=3))["case_code"]
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    assert (await anna.call("case.close", {"case_id": code, "outcome": "referred",
                                           "notes": "bm90ZXM="}))["ok"]
    store = server.services.stores.cases
    assert await store.notes(code) == [b"notes"]
    fake.advance(POLICY.retention_days * 86400 - 1)
    await server.scheduler.tick()
    assert (await person.call("case.resume", {"case_code": code}))["state"] == "closed"
    fake.advance(1)
    await server.scheduler.tick()
    assert await store.get(code) is None and await store.notes(code) == []
    assert (await person.call("case.resume", {"case_code": code}))["error"] == "unknown_case"
    assert server.services.metrics.cases_deleted == 1
    await anna.close()
    await person.close()
