"""Escalation over a real server, both backends: the person's honest position in risk order,
the fallback at once, offers, re-alerts at the configured times (fake clock, scheduler ticks),
exactly one claim, the 1:1 context, close and rating."""

from __future__ import annotations

import asyncio

from config.escalation import load_escalation_settings
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import DAYTIME, FAST_STAFF, ask, clock, make_counsellor, until
from tests.server.harness import Peer

POLICY = load_escalation_settings()


async def test_risk_order_and_honest_positions(live_server_factory: LiveServerFactory,
                                               backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, **backend_kwargs)
    low, mid, high = [await Peer.connect(server.url, n) for n in ("Aamu", "Ilta", "Yokko")]
    first = await ask(low, level=2, reason="alcohol")
    assert first["position"] == 1 and first["state"] == "queued" and first["level"] == 2
    # Nobody on duty: told at once, with the level's alternatives; the case stays open.
    assert first["fallback"] == "no_counsellor"
    assert first["alternatives"] == list(POLICY.level(2).alternatives)
    assert first["open_now"] is True and first["estimated_wait_s"] is None
    fake.advance(30)
    assert (await ask(mid, level=3))["position"] == 1  # level 3 goes ahead of level 2
    assert (await until(low, "case.update", lambda p: p["position"] == 2))["fallback"]
    fake.advance(30)
    top = await ask(high, level=4)
    assert top["position"] == 1
    await until(mid, "case.update", lambda p: p["position"] == 2)
    await until(low, "case.update", lambda p: p["position"] == 3)
    # Asking again answers the open case: nothing new is created.
    again = await ask(high, level=4)
    assert again["case_code"] == top["case_code"] and again["position"] == 1
    # Asking again at a higher level raises the case: level 2 goes ahead of level 3's wait.
    raised = await ask(low, level=4, reason="overdose")
    assert raised["case_code"] == first["case_code"] and raised["level"] == 4
    assert raised["position"] == 1  # waited longest among the level-4 cases
    await until(high, "case.update", lambda p: p["position"] == 2)
    await until(mid, "case.update", lambda p: p["position"] == 3)
    resumed = await low.call("case.resume", {"case_code": first["case_code"]})
    assert resumed["ok"] and resumed["position"] == 1
    # Someone else's case code is unknown to me.
    assert (await mid.call("case.resume", {"case_code": first["case_code"]}))["error"] == \
        "unknown_case"
    for p in (low, mid, high):
        await p.close()


async def test_closed_hours_say_when_it_opens(live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(DAYTIME), run_scheduler=False)
    peer = await Peer.connect(server.url, "Aamu")
    status = await ask(peer, level=3)
    assert status["fallback"] == "closed" and status["open_now"] is False
    assert status["opens_at"] == "2026-12-03T17:00:00+02:00"
    assert status["alternatives"] == list(POLICY.level(3).alternatives)
    assert status["position"] == 1  # still queued: a counsellor can take it when they come
    await peer.close()


async def test_offer_realert_and_exactly_one_claim(live_server_factory: LiveServerFactory,
                                                   backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, **backend_kwargs)
    anna = await make_counsellor(server, "Anna", capacity=1)
    fake.advance(1)  # Anna has been idle longer
    ben = await make_counsellor(server, "Bengt", capacity=1)
    watcher = await make_counsellor(server, "Sirkka", available=False)
    assert (await watcher.call("cases.health", {"watch": True}))["ok"]
    person = await Peer.connect(server.url, "Yokko")
    status = await ask(person, level=4, reason="suicide", share_count=2)
    assert status["fallback"] is None and status["position"] == 1
    offer = await anna.next("case.offer")  # fewest sessions, then idle longest: Anna first
    assert offer["case"]["level"] == 4 and offer["case"]["offered_to_me"]
    assert "pseudonym" not in offer["case"] and offer["case"]["shared_items"] == 2
    # Level 4 re-alerts after 60 s: not at 59 s; the offer lapses at 45 s and goes to Bengt.
    fake.advance(59)
    await server.scheduler.tick()
    assert (await ben.next("case.offer"))["case"]["case_id"] == status["case_code"]
    assert anna.drain("case.alert") == []
    fake.advance(1)
    await server.scheduler.tick()
    alert = await anna.next("case.alert")
    assert alert["realerts"] == 1 and alert["waited_s"] == 60
    assert (await watcher.next("case.alert"))["case"]["level"] == 4  # the supervisor too
    fake.advance(30)
    await server.scheduler.tick()
    await asyncio.sleep(0.2)
    assert anna.drain("case.alert") == []  # next one at 120 s
    fake.advance(30)
    await server.scheduler.tick()
    assert (await anna.next("case.alert"))["realerts"] == 2
    # Both claim at once: exactly one wins.
    a, b = await asyncio.gather(anna.call("case.claim", {"case_id": status["case_code"]}),
                                ben.call("case.claim", {"case_id": status["case_code"]}))
    assert sorted([a["ok"], b["ok"]]) == [False, True]
    winner, loser = (a, b) if a["ok"] else (b, a)
    assert loser["error"] == "already_claimed"
    assert winner["person"]["pseudonym"] == "Yokko"
    name = "Anna" if a["ok"] else "Bengt"
    pushed = await person.next("case.counsellor")
    assert pushed["counsellor"]["name"] == name and pushed["counsellor"]["identity_key"]
    mine = await person.call("case.resume", {"case_code": status["case_code"]})
    assert mine["state"] == "active" and mine["counsellor"]["pseudonym"] == name
    # The counsellor closes with an outcome; the person is asked for a rating, once.
    holder = anna if a["ok"] else ben
    refused = await holder.call("case.close", {"case_id": status["case_code"],
                                               "outcome": "emergency_confirmed"})
    assert refused["error"] == "confirmation_required"
    closed = await holder.call("case.close", {"case_id": status["case_code"],
                                              "outcome": "supported", "notes": "c2VhbGVk"})
    assert closed["ok"] and closed["case"]["state"] == "closed"
    assert (await person.next("case.closed"))["outcome"] == "supported"
    assert (await person.call("case.rate", {"case_code": status["case_code"], "rating": 5}))["ok"]
    assert (await person.call("case.rate", {"case_code": status["case_code"],
                                            "rating": 4}))["error"] == "already_rated"
    assert server.services.metrics.case_ratings["5"] == 1
    health = await watcher.call("cases.health", {})
    assert health["claims_in_window"] == 1 and health["waiting_per_level"] == [0, 0, 0, 0]
    assert "Yokko" not in str(health)
    for p in (anna, ben, watcher, person):
        await p.close()


async def test_level_three_realerts_after_five_minutes(live_server_factory: LiveServerFactory
                                                       ) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False)
    anna = await make_counsellor(server, "Anna")
    person = await Peer.connect(server.url, "Ilta")
    await ask(person, level=3)
    await anna.next("case.offer")
    fake.advance(299)
    await server.scheduler.tick()
    await asyncio.sleep(0.2)
    assert anna.drain("case.alert") == []
    fake.advance(1)
    await server.scheduler.tick()
    assert (await anna.next("case.alert"))["waited_s"] == 300
    await anna.close()
    await person.close()


async def test_peers_cannot_act_as_counsellors(live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False)
    person = await Peer.connect(server.url, "Aamu")
    other = await Peer.connect(server.url, "Ilta")
    status = await ask(person, level=4)
    for event, data in (("counsellor.availability", {"available": True}),
                        ("case.claim", {"case_id": status["case_code"]}),
                        ("case.list", {}),
                        ("case.close", {"case_id": status["case_code"], "outcome": "supported"})):
        assert (await other.call(event, data))["error"] == "not_counsellor", event
    assert (await other.call("cases.health", {}))["error"] == "not_supervisor"
    assert (await other.call("case.escalate", {"room": "open/x", "pseudonym": "Aamu",
                                               "reason": "crisis"}))["error"] == "not_moderator"
    assert (await person.call("case.request", {"level": 9}))["error"] == "bad_request"
    assert (await person.call("case.resume", {"case_code": "zz"}))["error"] == "bad_request"
    left = await person.call("case.leave", {"case_code": status["case_code"]})
    assert left["state"] == "closed" and left["outcome"] == "person_left"
    await person.close()
    await other.close()


async def test_a_claim_of_what_was_seen_loses_to_a_raised_level(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False)
    anna = await make_counsellor(server, "Anna", available=False)
    person = await Peer.connect(server.url, "Aamu")
    code = (await ask(person, level=2))["case_code"]
    seen = (await anna.call("case.list", {}))["queue"][0]
    assert seen["case_id"] == code and seen["level"] == 2
    await ask(person, level=4)
    assert (await anna.call("case.claim", {"case_id": code, "version": seen["version"]}))[
        "error"] == "counsellor_away"
    assert (await anna.call("counsellor.availability", {"available": True}))["ok"]
    stale = await anna.call("case.claim", {"case_id": code, "version": seen["version"]})
    assert stale["error"] == "version_conflict"
    fresh = await anna.call("case.claim", {"case_id": code})
    assert fresh["ok"] and fresh["case"]["level"] == 4
    await anna.close()
    await person.close()


async def test_an_estimate_longer_than_the_level_allows_shows_the_alternatives(
        live_server_factory: LiveServerFactory) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False)
    anna = await make_counsellor(server, "Anna", capacity=1)
    people = [await Peer.connect(server.url, n) for n in ("Aamu", "Ilta", "Yokko", "Hamara")]
    for person in people[:3]:  # three claims in the last hour: an estimate exists
        code = (await ask(person, level=2))["case_code"]
        assert (await anna.call("case.claim", {"case_id": code}))["ok"]
        assert (await anna.call("case.close", {"case_id": code, "outcome": "supported"}))["ok"]
        fake.advance(60)
    assert (await anna.call("counsellor.availability", {"available": True, "capacity": 1}))["ok"]
    status = await ask(people[3], level=4)
    # 3 claims per 3600 s: position 1 waits about 1200 s, more than level 4's 120 s.
    assert status["estimated_wait_s"] == 1200
    assert status["fallback"] == "wait_too_long"
    assert status["alternatives"] == list(POLICY.level(4).alternatives)
    assert status["state"] in ("queued", "offered") and status["position"] == 1
    for p in (anna, *people):
        await p.close()
