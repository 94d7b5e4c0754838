"""In real Chromium: a counsellor closes a case with a closing note, sealed in the browser to
the counsellor team key (js/e2ee/teamring.js); a colleague's Python client (client/team_key.py)
reads it, and the browser reads it back through the console's "notes of a case" box. No frame
the browser sent carries the note's words, and the server stored only ciphertext."""

from __future__ import annotations

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
