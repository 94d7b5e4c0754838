"""In real Chromium over a real relay, a warm transfer to a colleague: a counsellor in a session
with a browser peer asks a colleague (another browser) to take over; the case stays with the first
until the colleague accepts from their console; then the person sees the colleague's name and they
talk end to end, while the first counsellor's session is gone. No plaintext leaves a browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from server.app import STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_counsellor_console import LOGIN, open_request_view

FIRST = "Kaisa Kuraattori"
SECOND = "Ville Vastaanottaja"
TO_PERSON = "canary-transfer-to-person-5a9c: I am taking over from my colleague"
TO_COUNSELLOR = "canary-transfer-to-colleague-e71d: ok, hello"


async def sign_in(open_peer: OpenPeer, url: str, username: str) -> Peer:
    staff = await open_peer(url, path="/staff.html", width=1280)
    page: Any = staff.page
    first = await page.evaluate(LOGIN, [username, GOOD_PASSWORD, None])
    assert first["status"] == 403 and first["body"]["error"] == "totp_enrol", first
    secret = parse_qs(urlparse(first["body"]["totp_uri"]).query)["secret"][0]
    done = await page.evaluate(LOGIN, [username, GOOD_PASSWORD, pyotp.TOTP(secret).at(EVENING)])
    assert done["status"] == 200, done
    await page.goto(url + "/staff.html")
    await page.wait_for_selector("main[data-view=counsel] section.counsel-duty")
    await page.fill("#counsel-capacity", "2")
    await page.click("#counsel-toggle")
    await page.wait_for_selector("p.duty-state.on")
    return staff


async def test_a_counsellor_transfers_a_case_to_a_colleague_who_accepts(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    for name in (FIRST, SECOND):
        await server.app[STAFF].create(name, "counsellor", GOOD_PASSWORD)
    one = await sign_in(open_peer, server.url, FIRST)
    first: Any = one.page

    peer = await open_peer(server.url, width=360, height=740)
    person: Any = peer.page
    await peer.sign_in("Aada")
    await open_request_view(peer)
    await person.click("#case-ask")
    await person.locator("p.case-position").wait_for()

    item = first.locator(".queue-list li").first
    await item.wait_for()
    await item.locator("button.claim").click()
    panel = first.locator("section.counsel-session")
    await panel.wait_for()
    await person.wait_for_selector(f"p.case-here >> text={FIRST}")
    two = await sign_in(open_peer, server.url, SECOND)  # on duty after the claim: no offer race
    second: Any = two.page

    await panel.locator("input.transfer-to").fill(SECOND)
    await panel.locator("button.transfer").click()
    offer = second.locator("section.counsel-transfers li")
    await offer.wait_for()
    assert FIRST in (await offer.text_content() or "")
    assert await panel.count() == 1, "the case stays with the first until the colleague accepts"
    assert await axe_violations(second, axe_source()) == []
    await offer.locator("button.accept-transfer").click()

    theirs = second.locator("section.counsel-session")
    await theirs.wait_for()
    assert "Aada" in (await theirs.locator("h2").text_content() or "")
    await first.locator("section.counsel-session").wait_for(state="detached")
    await person.wait_for_selector(f"p.case-here >> text={SECOND}")

    await theirs.locator("textarea.counsel-text").fill(TO_PERSON)
    await theirs.locator("form.composer button[type=submit]").click()
    await person.wait_for_selector(f"ol.case-log li.theirs >> text={TO_PERSON}")
    await person.fill("#case-text", TO_COUNSELLOR)
    await person.click("main[data-view=case] form.composer button[type=submit]")
    await second.wait_for_selector(f"section.counsel-session li.theirs >> text={TO_COUNSELLOR}")

    for who in (peer, one, two):
        assert not await who.csp_violations(), await who.csp_violations()
        assert not who.page_errors, who.page_errors
        for frame in who.frames_sent:
            for canary in (TO_PERSON, TO_COUNSELLOR):
                assert canary.split(":")[0] not in frame, "plaintext left a browser"
    for who in (peer, one, two):
        await who.context.close()
