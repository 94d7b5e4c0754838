"""The Python API names of issue 11 that no test called (found by esc9's walk of the issue,
docs/escalation.md): a counsellor signs in with `StaffClient.login` (password + TOTP), a
moderator hands a member of a live group over with `staff.escalate(room, pseudonym, reason)`,
the person accepts, a counsellor claims, then `case.transfer(to_username)` to a colleague who
accepts; the person talks with the colleague end to end; on a real server and both backends."""

from __future__ import annotations

import pyotp

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from server.app import STAFF
from server.domain.ids import user_id
from tests.client.test_counsellor_conversation import backend_kwargs
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import STAFF_PASSWORD, staff_token

__all__ = ["backend_kwargs"]


async def test_escalate_from_a_group_then_transfer_with_the_python_api(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       **backend_kwargs)
    # A counsellor's first sign-in enrols the second factor; StaffClient.login then needs it.
    service = server.app[STAFF]
    await service.create("Anna", "counsellor", STAFF_PASSWORD)
    enrol = await service.login("Anna", STAFF_PASSWORD, None)
    assert enrol.enrol_uri is not None
    totp = pyotp.parse_uri(enrol.enrol_uri)
    assert (await service.login("Anna", STAFF_PASSWORD, totp.at(fake.now()))).token
    fake.advance(30)  # a code works once: the next sign-in uses the next step's code
    anna = await StaffClient.login(server.url, "Anna", STAFF_PASSWORD, totp.at(fake.now()))
    await staff_token(server, "Mods", "moderator")
    mod = await StaffClient.login(server.url, "Mods", STAFF_PASSWORD, watch=False)
    bea_token = await staff_token(server, "Bea", "counsellor")
    bea_peer = await PeerClient.connect(server.url,
                                        headers={"Cookie": f"{STAFF_COOKIE}={bea_token}"})
    bea = StaffClient(server.url, bea_peer, bea_token, bea_peer.role)
    person = await PeerClient.connect(server.url)
    try:
        assert anna.role == "counsellor" and mod.role == "moderator"
        room = (await mod.join_group("open")).room
        await person.join_group("open")
        await anna.set_available(capacity=1)

        case_id = await mod.escalate(room, person.pseudonym, "suicide")
        invite = await person.cases.next_invite(timeout=10)
        assert invite.case_code == case_id and invite.room == room
        esc = await person.cases.accept(invite)
        assert (await mod.handoffs.next_handoff(timeout=10))["state"] == "requested"

        case = await anna.next_case(timeout=10)
        assert case.case_id == case_id
        with_anna = await case.claim()
        talk = await esc.wait_for_counsellor(timeout=10)
        await with_anna.send("Anna here")
        assert (await talk.next_message(10)).text == "Anna here"

        await bea.set_available(capacity=1)
        await case.transfer("Bea")  # stays Anna's until Bea accepts
        offered = await bea.cases.next_transfer(timeout=10)
        assert offered.case_id == case_id
        with_bea = await offered.accept_transfer()
        while (esc.status.get("counsellor") or {}).get("name") != "Bea":
            await esc.next_update(10)  # the person is told who is with them now
        talk = await esc.wait_for_counsellor(timeout=10)
        await talk.send("hello Bea")
        assert (await with_bea.next_message(10)).text == "hello Bea"
        await with_bea.send("I am with you now")
        assert (await talk.next_message(10)).text == "I am with you now"
        stored = await server.services.stores.cases.get(case_id)
        assert stored is not None and stored.counsellor == user_id(bea_peer.identity_key), stored
    finally:
        for c in (anna, bea, mod):
            await c.close()
        await person.close()
