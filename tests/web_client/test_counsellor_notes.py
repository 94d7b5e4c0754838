"""In real Chromium: a counsellor closes a case with a closing note, sealed in the browser to
the counsellor team key (js/e2ee/teamring.js); a colleague's Python client (client/team_key.py)
reads it, and the browser reads it back through the console's "notes of a case" box. No frame
the browser sent carries the note's words, and the server stored only ciphertext."""

from __future__ import annotations

import json
from typing import Any

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from server.app import STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.mod_harness import staff_token
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_counsellor_console import COUNSELLOR, sign_in_counsellor

NOTE = "canary-note-5e1d: called the crisis line together, safe tonight"


async def test_a_note_sealed_in_the_browser_is_read_by_a_colleague(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    token = await staff_token(server, "Bea", "counsellor")
    bea_peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    bea = StaffClient(server.url, bea_peer, token, bea_peer.role)
    person = await PeerClient.connect(server.url)
    try:
        staff = await sign_in_counsellor(open_peer, server.url)
        console: Any = staff.page
        await console.fill("#counsel-capacity", "1")
        await console.click("#counsel-toggle")
        await console.wait_for_selector("p.duty-state.on")
        esc = await person.request_counsellor(reason="alcohol", level=3)
        item = console.locator(".queue-list li").first
        await item.wait_for()
        await item.locator("button.claim").click()
        panel = console.locator("section.counsel-session")
        await panel.wait_for()
        await esc.wait_for_counsellor(timeout=10)

        await panel.locator("textarea.case-notes").fill(NOTE)
        await panel.locator("select.outcome").select_option("supported")
        await panel.locator("button.close-case").click()
        await console.locator("section.counsel-session").wait_for(state="detached")

        # The colleague's Python client was granted the team key by the browser and reads it.
        assert await bea.cases.notes(esc.case_code) == [NOTE]
        stored = await server.services.stores.cases.notes(esc.case_code)
        assert len(stored) == 1 and NOTE.split(":")[0].encode() not in stored[0]

        # And the browser reads it back in the console.
        await console.fill("#notes-case", esc.case_code)
        await console.click("button.read-notes")
        await console.wait_for_selector(f"ol.notes-list li >> text={NOTE}")

        assert not await staff.csp_violations(), await staff.csp_violations()
        assert not staff.page_errors, staff.page_errors
        assert staff.frames_sent, "no frame was recorded"
        for frame in staff.frames_sent:
            assert NOTE.split(":")[0] not in frame, "the note left the browser in clear"
        await staff.context.close()
    finally:
        await person.close()
        await bea.close()


async def test_the_browser_rotates_the_team_key_when_a_colleague_is_disabled(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    """Offboarding in the browser's ring: Anna (Python) holds epoch 1 and closes a case with a
    note; an admin disables her; the next note, closed in Chromium, is sealed to epoch 2, which
    was never wrapped to Anna's key, and the browser still reads Anna's old note."""
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    token = await staff_token(server, "Anna", "counsellor")
    anna_peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    anna: StaffClient | None = StaffClient(server.url, anna_peer, token, anna_peer.role)
    people = [await PeerClient.connect(server.url), await PeerClient.connect(server.url)]
    stores = server.services.stores.cases
    old_note = "canary-old-7a2c: Anna's note"
    try:
        staff = await sign_in_counsellor(open_peer, server.url)
        console: Any = staff.page
        assert anna is not None
        assert sorted(await anna.team.sync()) == [1]  # wrapped to Anna and the browser
        await anna.set_available(capacity=1)
        first = await people[0].request_counsellor(reason="alcohol", level=3)
        case = await anna.next_case(timeout=10)
        await case.claim()
        await first.wait_for_counsellor(timeout=10)
        await case.close("supported", notes=old_note)
        anna_key = anna_peer.identity_key
        await anna.close()
        anna = None
        await server.app[STAFF].disable("Anna")

        await console.fill("#counsel-capacity", "1")
        await console.click("#counsel-toggle")
        await console.wait_for_selector("p.duty-state.on")
        esc = await people[1].request_counsellor(reason="alcohol", level=3)
        item = console.locator(".queue-list li").first
        await item.wait_for()
        await item.locator("button.claim").click()
        panel = console.locator("section.counsel-session")
        await panel.wait_for()
        await esc.wait_for_counsellor(timeout=10)
        await panel.locator("textarea.case-notes").fill(NOTE)
        await panel.locator("select.outcome").select_option("supported")
        await panel.locator("button.close-case").click()
        await console.locator("section.counsel-session").wait_for(state="detached")

        stored = await stores.notes(esc.case_code)
        assert len(stored) == 1 and int.from_bytes(stored[0][2:6], "big") == 2
        assert [json.loads(w)["epoch"] for w in await stores.team_wraps(anna_key)] == [1]
        assert sorted(await stores.team_keys()) == [1, 2]

        # The browser reads Anna's old note (her wrap of epoch 1 still opens) and its own.
        for code, text in ((first.case_code, old_note), (esc.case_code, NOTE)):
            await console.fill("#notes-case", code)
            await console.click("button.read-notes")
            await console.wait_for_selector(f"ol.notes-list li >> text={text}")
        assert not staff.page_errors, staff.page_errors
        await staff.context.close()
    finally:
        for person in people:
            await person.close()
        if anna is not None:
            await anna.close()
