"""A moderator's hand-off from a live group (with the person's consent), a warm transfer between
counsellors, and exactly one claim among many counsellors on two servers sharing one Redis."""

from __future__ import annotations

import asyncio

from moderation.audit import AuditRow
from server.handlers.audit_log import check_chain
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor, until
from tests.server.harness import Peer
from tests.server.mod_harness import connect_staff

NAMES = ("Anna", "Bengt", "Cilla", "Dora", "Eino", "Frans", "Greta", "Hilda", "Ilmari", "Jussi",
         "Kaisa", "Lauri", "Mikko", "Nelli", "Oskar", "Pekka")


async def test_moderator_hand_off_needs_consent(live_server_factory: LiveServerFactory,
                                                backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, **backend_kwargs)
    mod = await connect_staff(server, "Kuunari")
    person = await Peer.connect(server.url, "Aamu")
    other = await Peer.connect(server.url, "Ilta")
    counsellor = await make_counsellor(server, "Anna")
    room = (await mod.call("group.join", {"group_id": "open"}))["room"]
    await person.call("group.join", {"group_id": "open"})
    await other.call("group.join", {"group_id": "open"})
    # A peer cannot hand anyone off; a moderator only a member of their own room.
    assert (await other.call("case.escalate", {"room": room, "pseudonym": "Aamu",
                                               "reason": "crisis"}))["error"] == "not_moderator"
    assert (await mod.call("case.escalate", {"room": "small/2026-12-03", "pseudonym": "Aamu",
                                             "reason": "crisis"}))["error"] == "not_in_room"
    assert (await mod.call("case.escalate", {"room": room, "pseudonym": "Nobody",
                                             "reason": "crisis"}))["error"] == "unknown_user"
    sent = await mod.call("case.escalate", {"room": room, "pseudonym": "aamu",
                                            "reason": "suicide", "level": 4})
    assert sent["ok"], sent
    invite = await person.next("case.invite")
    assert invite == {"case_code": sent["case_id"], "room": room, "reason": "suicide",
                      "level": 4, "expires_at": sent["expires_at"]}
    # Nobody is moved without consent: nothing is queued or offered before the answer.
    assert (await counsellor.call("case.list", {}))["queue"] == []
    assert (await other.call("case.consent", {"case_code": sent["case_id"],
                                              "accept": True}))["error"] == "unknown_case"
    status = await person.call("case.consent", {"case_code": sent["case_id"], "accept": True,
                                                "share_count": 3})
    assert status["ok"] and status["state"] == "queued" and status["position"] == 1
    assert (await mod.next("case.handoff")) == {"case_id": sent["case_id"], "state": "requested"}
    offer = await counsellor.next("case.offer")
    assert offer["case"]["from_group"] and offer["case"]["shared_items"] == 3
    # The group carries on meanwhile.
    assert (await other.call("room.send", {"room": room, "kind": "msg", "header": "aA==",
                                           "body": "Yg=="}))["ok"]
    for p in (mod, person, other, counsellor):
        await p.close()


async def test_unanswered_hand_off_expires_and_declined_one_is_final(
        live_server_factory: LiveServerFactory) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False)
    mod = await connect_staff(server, "Kuunari")
    person = await Peer.connect(server.url, "Aamu")
    room = (await mod.call("group.join", {"group_id": "open"}))["room"]
    await person.call("group.join", {"group_id": "open"})
    first = await mod.call("case.escalate", {"room": room, "pseudonym": "Aamu", "reason": "crisis"})
    fake.advance(301)  # consent_seconds = 300
    await server.scheduler.tick()
    assert (await mod.next("case.handoff"))["state"] == "expired"
    assert (await person.call("case.consent", {"case_code": first["case_id"],
                                               "accept": True}))["error"] == "case_closed"
    second = await mod.call("case.escalate", {"room": room, "pseudonym": "Aamu", "reason": "crisis"})
    declined = await person.call("case.consent", {"case_code": second["case_id"], "accept": False})
    assert declined["state"] == "declined"
    assert (await until(mod, "case.handoff", lambda p: p["case_id"] == second["case_id"]))[
        "state"] == "declined"
    await mod.close()
    await person.close()


async def test_warm_transfer(live_server_factory: LiveServerFactory,
                             backend_kwargs: dict[str, object]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False, **backend_kwargs)
    anna = await make_counsellor(server, "Anna", capacity=1)
    person = await Peer.connect(server.url, "Aamu")
    code = (await ask(person, level=3))["case_code"]
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    await person.next("case.counsellor")
    bengt = await make_counsellor(server, "Bengt", capacity=1)
    assert (await anna.call("case.transfer", {"case_id": code, "to": "Nobody"}))["error"] == \
        "unknown_counsellor"
    assert (await anna.call("case.transfer", {"case_id": code, "to": "bengt"}))["ok"]
    mine = (await anna.call("case.list", {}))["mine"]
    assert [m["case_id"] for m in mine] == [code] and mine[0]["person"]["pseudonym"] == "Aamu"
    offer = await bengt.next("case.transfer_offer")
    assert offer["from"] == "Anna" and offer["case"]["case_id"] == code
    assert (await anna.call("case.transfer_accept", {"case_id": code}))["error"] == \
        "not_transfer_target"
    taken = await bengt.call("case.transfer_accept", {"case_id": code})
    assert taken["ok"] and taken["person"]["pseudonym"] == "Aamu"
    assert (await anna.next("case.transferred")) == {"case_id": code, "accepted": True}
    assert (await person.next("case.counsellor"))["counsellor"]["name"] == "Bengt"
    assert (await anna.call("case.close", {"case_id": code, "outcome": "supported"}))["error"] \
        == "not_case_counsellor"
    # Bengt's one place is taken now.
    other = await Peer.connect(server.url, "Ilta")
    second = (await ask(other, level=2))["case_code"]
    assert (await bengt.call("case.claim", {"case_id": second}))["error"] == \
        "counsellor_at_capacity"
    for p in (anna, bengt, person, other):
        await p.close()


async def test_exactly_one_claim_across_two_servers_on_one_redis(
        live_server_factory: LiveServerFactory, redis_url: str) -> None:
    fake = clock()
    one = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, redis_url=redis_url)
    two = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, redis_url=redis_url)
    counsellors = [await make_counsellor(one, name, url=(one if i % 2 else two).url)
                   for i, name in enumerate(NAMES)]
    person = await Peer.connect(one.url, "Aamu")
    code = (await ask(person, level=4))["case_code"]
    replies = await asyncio.gather(*(c.call("case.claim", {"case_id": code})
                                     for c in counsellors))
    assert sum(1 for r in replies if r["ok"]) == 1
    assert {r["error"] for r in replies if not r["ok"]} == {"already_claimed"}
    winner = next(i for i, r in enumerate(replies) if r["ok"])
    pushed = await person.next("case.counsellor")
    assert pushed["counsellor"]["name"] == NAMES[winner]
    status = await person.call("case.resume", {"case_code": code})
    assert status["state"] == "active"
    for p in (*counsellors, person):
        await p.close()


async def test_staff_actions_on_cases_are_audited(live_server_factory: LiveServerFactory,
                                                  backend_kwargs: dict[str, object]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False, **backend_kwargs)
    mod = await connect_staff(server, "Kuunari")
    person = await Peer.connect(server.url, "Aamu")
    anna = await make_counsellor(server, "Anna")
    bengt = await make_counsellor(server, "Bengt")
    room = (await mod.call("group.join", {"group_id": "open"}))["room"]
    await person.call("group.join", {"group_id": "open"})
    code = (await mod.call("case.escalate", {"room": room, "pseudonym": "Aamu",
                                             "reason": "suicide", "level": 4}))["case_id"]
    await person.call("case.consent", {"case_code": code, "accept": True})
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    assert (await anna.call("case.transfer", {"case_id": code, "to": "Bengt"}))["ok"]
    assert (await bengt.call("case.transfer_accept", {"case_id": code}))["ok"]
    assert (await bengt.call("case.close", {"case_id": code, "outcome": "referred",
                                            "notes": "c2VhbGVk"}))["ok"]
    store = server.services.stores.audit
    entries = [r.entry for r in await store.rows() if isinstance(r, AuditRow)]
    mine = [(e.actor, e.action, dict(e.details)) for e in entries
            if e.details.get("case_id") == code]
    assert [(a, act) for a, act, _ in mine] == [
        ("Kuunari", "case_open"), ("Anna", "case_claim"), ("Anna", "case_transfer"),
        ("Bengt", "case_transfer"), ("Bengt", "case_close")]
    assert mine[-1][2]["outcome"] == "referred" and mine[0][2]["reason_code"] == "suicide"
    assert (await check_chain(store)).broken_at is None
    for p in (mod, person, anna, bengt):
        await p.close()
