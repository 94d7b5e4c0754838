"""Erasure and cases (issue 15, data rights): `identity.erase` ends the person's open case
(`person_erased`, the counsellor told), keeps their finished cases without the pseudonym, and a
newcomer who takes the freed name inherits none of it; on both backends."""

from __future__ import annotations

from e2ee.erase import erase_message
from escalation.case import ERASED_PSEUDONYM, CaseState, Outcome
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor
from tests.server.harness import Peer, b64, unb64
from tests.server.mod_harness import connect_staff


async def erase(peer: Peer) -> None:
    """The two steps of `identity.erase`, signed with the peer's own key."""
    challenge = (await peer.call("identity.erase_challenge", {}))["challenge"]
    assert peer.server_key is not None
    signed = erase_message(unb64(challenge), peer.identity_key, peer.server_key)
    reply = await peer.call("identity.erase", {"signature": b64(peer.key.sign(signed))})
    assert reply == {"ok": True, "erased": True}, reply


async def start(factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> LiveServer:
    return await factory(**FAST_STAFF, clock=clock(), run_scheduler=False, **backend_kwargs)


async def test_an_open_session_ends_and_the_counsellor_is_told(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    server = await start(live_server_factory, backend_kwargs)
    counsellor = await make_counsellor(server, "Anna", capacity=3)
    person = await Peer.connect(server.url, "Poistuja")
    try:
        # A finished case first (asked, then left), then the session that is open at erasure.
        old = await ask(person, level=2)
        assert (await person.call("case.leave", {"case_code": old["case_code"]}))["ok"]
        code = (await ask(person, level=3))["case_code"]
        claimed = await counsellor.call("case.claim", {"case_id": code})
        assert claimed["ok"] and claimed["person"]["pseudonym"] == "Poistuja", claimed
        counsellor.drain("case.ended")

        await erase(person)
        assert await counsellor.next("case.ended") == {"case_id": code,
                                                       "outcome": "person_erased"}
        store = server.services.stores.cases
        for case_id, outcome in ((code, Outcome.PERSON_ERASED), (old["case_code"],
                                                                 Outcome.PERSON_LEFT)):
            kept = await store.get(case_id)
            assert kept is not None and kept.state is CaseState.CLOSED
            assert kept.outcome is outcome and kept.pseudonym == ERASED_PSEUDONYM
            assert (kept.counsellor is not None) == (case_id == code)  # who held it stays
        assert await store.open_of("Poistuja") is None
        listed = await counsellor.call("case.list", {})
        assert listed["mine"] == [], "the session is still shown"
        assert server.services.metrics.cases_closed["person_erased"] == 1
        # The counsellor cannot record anything on it any more, nor close it as erased.
        again = await counsellor.call("case.close", {"case_id": code, "outcome": "supported"})
        assert again["error"] == "case_closed"

        # The freed name is anyone's, and none of the old cases comes with it.
        newcomer = await Peer.connect(server.url, "Poistuja")
        assert newcomer.pseudonym == "Poistuja"
        for old_code in (code, old["case_code"]):
            resumed = await newcomer.call("case.resume", {"case_code": old_code})
            assert resumed["error"] == "unknown_case"
        fresh = await ask(newcomer, level=1)
        assert fresh["case_code"] not in (code, old["case_code"]) and fresh["state"] == "queued"
        await newcomer.close()
    finally:
        await counsellor.close()


async def test_a_waiting_case_leaves_the_queue_and_a_hand_off_expires(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    server = await start(live_server_factory, backend_kwargs)
    waiting = await Peer.connect(server.url, "Jonottaja")
    behind = await Peer.connect(server.url, "Toinen")
    mod = await connect_staff(server, "Kuunari")
    asked = await Peer.connect(server.url, "Kysytty")
    try:
        first = await ask(waiting, level=4)
        second = await ask(behind, level=1)
        assert second["position"] == 2
        behind.drain("case.update")
        await erase(waiting)
        # The one behind moves up, told so by the queue.
        update = await behind.next("case.update")
        assert update["position"] == 1, update
        kept = await server.services.stores.cases.get(first["case_code"])
        assert kept is not None and kept.outcome is Outcome.PERSON_ERASED
        assert kept.pseudonym == ERASED_PSEUDONYM

        room = (await mod.call("group.join", {"group_id": "open"}))["room"]
        await asked.call("group.join", {"group_id": "open"})
        sent = await mod.call("case.escalate", {"room": room, "pseudonym": "Kysytty",
                                                "reason": "crisis"})
        assert sent["ok"], sent
        await erase(asked)
        assert await mod.next("case.handoff") == {"case_id": sent["case_id"],
                                                  "state": "expired"}
        proposed = await server.services.stores.cases.get(sent["case_id"])
        assert proposed is not None and proposed.state is CaseState.EXPIRED
        assert proposed.pseudonym == ERASED_PSEUDONYM and proposed.room is None
        assert proposed.escalated_by is not None  # the moderator's own act stays on record
    finally:
        for peer in (behind, mod):
            await peer.close()
