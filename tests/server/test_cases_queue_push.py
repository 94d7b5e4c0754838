"""The counsellor's view of the queue never goes stale (issue 11, found by esc7): offers reach
only as many counsellors as have a free place, so every change of the queue also pushes the
content-free `case.queue` {waiting, top_level, version} to everyone on duty and the supervisors
watching, once per connection, also from another server process on Redis. Both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor, until
from tests.server.harness import Peer
from tests.server.mod_harness import ModPeer, staff_token

SETTLE_S = 0.3


async def listed(counsellor: Peer) -> dict[str, Any]:
    reply = await counsellor.call("case.list", {})
    assert reply["ok"], reply
    return reply


async def test_a_counsellor_at_capacity_still_sees_the_whole_queue(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       **backend_kwargs)
    anna = await make_counsellor(server, "Anna", capacity=2)
    assert (await anna.call("cases.health", {"watch": True}))["ok"]  # on duty and watching
    watcher = await make_counsellor(server, "Sirkka", available=False)
    assert (await watcher.call("cases.health", {"watch": True}))["ok"]
    people = [await Peer.connect(server.url, n) for n in ("Aamu", "Ilta", "Yokko", "Tuuli")]
    codes = []
    for person, level in zip(people[:3], (2, 3, 2), strict=True):
        codes.append((await ask(person, level=level))["case_code"])
        fake.advance(5)
    # Two offers hold Anna's two places; the third person gets none, and is still counted.
    assert len([await anna.next("case.offer") for _ in range(2)]) == 2
    three = await until(anna, "case.queue", lambda p: p["waiting"] == 3)
    assert set(three) == {"waiting", "top_level", "version"}  # counts only: no ids, no names
    assert three["top_level"] == 3
    assert (await until(watcher, "case.queue", lambda p: p["waiting"] == 3))["top_level"] == 3
    await asyncio.sleep(SETTLE_S)
    anna.drain("case.queue")
    watcher.drain("case.queue")
    queue = await listed(anna)
    assert len(queue["queue"]) == 3 and queue["queue_version"] == three["version"]

    # A fourth, at level 4, while Anna has no free place: no offer, but the push says so.
    top = (await ask(people[3], level=4, reason="overdose"))["case_code"]
    four = await anna.next("case.queue")
    assert four["waiting"] == 4 and four["top_level"] == 4 and four["version"] != three["version"]
    await asyncio.sleep(SETTLE_S)
    assert anna.drain("case.queue") == []  # in both rooms, pushed once
    assert anna.drain("case.offer") == []
    assert (await watcher.next("case.queue"))["waiting"] == 4
    queue = await listed(anna)
    assert queue["queue"][0]["case_id"] == top and len(queue["queue"]) == 4
    assert queue["queue_version"] == four["version"]
    for person in people:  # the people waiting get their own `case.update`, never this
        assert person.drain("case.queue") == []

    # A colleague comes on duty and claims the level-4 case: Anna's view follows.
    bengt = await make_counsellor(server, "Bengt", capacity=1)
    assert (await bengt.call("case.claim", {"case_id": top}))["ok"]
    after = await until(anna, "case.queue", lambda p: p["waiting"] == 3)
    assert after["top_level"] == 3
    await asyncio.sleep(SETTLE_S)
    last = [after, *anna.drain("case.queue")][-1]
    queue = await listed(anna)
    assert top not in [c["case_id"] for c in queue["queue"]]
    assert queue["queue_version"] == last["version"]  # the last push is the queue as it is

    # The person leaving the queue is a change too; an away counsellor is not told.
    assert (await bengt.call("counsellor.availability", {"available": False}))["ok"]
    await asyncio.sleep(SETTLE_S)
    bengt.drain("case.queue")
    assert (await people[0].call("case.leave", {"case_code": codes[0]}))["ok"]
    assert (await until(anna, "case.queue", lambda p: p["waiting"] == 2))["top_level"] == 3
    await bengt.nothing("case.queue")
    for p in (*people, anna, bengt, watcher):
        await p.close()


async def test_the_queue_push_reaches_a_counsellor_on_another_process(
        live_server_factory: LiveServerFactory, redis_url: str) -> None:
    fake = clock()
    one = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                    redis_url=redis_url)
    two = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                    redis_url=redis_url)
    anna = await make_counsellor(one, "Anna", capacity=1, url=two.url)
    people = [await Peer.connect(one.url, n) for n in ("Aamu", "Ilta")]
    await ask(people[0], level=2)
    assert (await anna.next("case.offer"))["case"]["level"] == 2
    await ask(people[1], level=4)  # Anna's one place is held by the offer: only the push
    pushed = await until(anna, "case.queue", lambda p: p["waiting"] == 2)
    assert pushed["top_level"] == 4
    await asyncio.sleep(SETTLE_S)
    last = [pushed, *anna.drain("case.queue")][-1]
    assert last["waiting"] == 2 and (await listed(anna))["queue_version"] == last["version"]
    for p in (*people, anna):
        await p.close()


async def test_a_warm_transfer_tells_the_counsellors_on_duty(
        live_server_factory: LiveServerFactory) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False)
    anna = await make_counsellor(server, "Anna", capacity=1)
    person = await Peer.connect(server.url, "Aamu")
    code = (await ask(person, level=3))["case_code"]
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    bengt = await make_counsellor(server, "Bengt", capacity=2)
    assert (await anna.call("case.transfer", {"case_id": code, "to": "Bengt"}))["ok"]
    await asyncio.sleep(SETTLE_S)
    anna.drain("case.queue")
    # Taken over: Anna has a free place again, so the queue is decided anew (offers) and told.
    assert (await bengt.call("case.transfer_accept", {"case_id": code}))["ok"]
    assert (await anna.next("case.queue"))["waiting"] == 0
    for p in (person, anna, bengt):
        await p.close()


async def test_an_older_connection_closing_late_leaves_the_counsellor_available(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    """A console that reconnected before the relay noticed its old connection drop: the old
    one closing must not set the counsellor away behind the new one's back (the console would
    say "available" and hear nothing)."""
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    token = await staff_token(server, "Anna", "counsellor")
    key = Ed25519PrivateKey.generate()
    old = await ModPeer.connect(server.url, key=key, staff_token=token)
    assert (await old.call("counsellor.availability", {"available": True, "capacity": 2}))["ok"]
    new = await ModPeer.connect(server.url, key=key, staff_token=token)
    assert (await new.call("counsellor.availability", {"available": True, "capacity": 2}))["ok"]
    await old.close()
    await asyncio.sleep(SETTLE_S)
    person = await Peer.connect(server.url, "Aamu")
    status = await ask(person, level=4)
    assert status["fallback"] is None, status  # still on duty
    assert (await new.next("case.offer"))["case"]["case_id"] == status["case_code"]
    assert (await new.next("case.queue"))["waiting"] == 1
    # The connection that set her available closing does set her away.
    await new.close()
    await until(person, "case.update", lambda p: p["fallback"] == "no_counsellor")
    await person.close()


async def test_going_away_puts_the_offers_back_in_the_queue_at_once(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    """An offer held by a counsellor who went away would hold the case for the rest of its
    `offer_seconds` (45 s): it goes back to the queue and to a colleague at once."""
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       **backend_kwargs)
    anna = await make_counsellor(server, "Anna", capacity=1)
    person = await Peer.connect(server.url, "Aamu")
    code = (await ask(person, level=4))["case_code"]
    assert (await anna.next("case.offer"))["case"]["case_id"] == code
    bengt = await make_counsellor(server, "Bengt", capacity=1)
    await bengt.nothing("case.offer")  # offered to Anna: not to Bengt as well
    assert (await anna.call("counsellor.availability", {"available": False}))["ok"]
    offer = await bengt.next("case.offer")  # no clock advanced: not a lapse
    assert offer["case"]["case_id"] == code and offer["case"]["offered_to_me"]
    # A counsellor whose connection closes goes away the same way.
    await bengt.close()
    await asyncio.sleep(SETTLE_S)
    assert (await anna.call("counsellor.availability", {"available": True, "capacity": 1}))["ok"]
    assert (await anna.next("case.offer"))["case"]["case_id"] == code
    for p in (person, anna):
        await p.close()
