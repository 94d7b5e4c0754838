"""The README's screenshots of the counsellor console (Finnish interface): the risk-ordered queue
with three people waiting, and a session panel with an emergency detail the person shared, each
on a desktop (1280x800) and at 360 px. `./scripts/screenshots.sh` writes them to
docs/screenshots; otherwise they go to test-artifacts/screenshots (and the test still checks what
it photographs: the order, the share at the top of the panel, no overflow at 360 px). The
person's side, the share box open after sharing a place, is photographed at 360 px too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from client import PeerClient
from server.app import STAFF
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING, FAST_STAFF, clock
from tests.server.staff_http_client import GOOD_PASSWORD
from tests.web_client.conftest import REPO_ROOT, SCREENSHOTS, OpenPeer
from tests.web_client.test_counsellor_console import LOGIN, open_request_view

TARGET = Path(os.environ.get("ILTAPIIRI_SCREENSHOTS") or SCREENSHOTS)
if not TARGET.is_absolute():
    TARGET = REPO_ROOT / TARGET
NAME = "Liisa Kuraattori"
PLACE = "Hämeenkatu 12 A 3, Tampere (ovikoodi 2468)"
PHONE = "+358 40 123 4567"


async def shoot(page: Any, name: str, at: str | None = None) -> None:
    await page.evaluate("""(sel) => {
      document.activeElement.blur();
      const el = sel && document.querySelector(sel);
      if (el) el.scrollIntoView({block: 'start'}); else window.scrollTo(0, 0);
    }""", at)
    await page.screenshot(path=str(TARGET / f"{name}.png"), full_page=False)
    assert (TARGET / f"{name}.png").stat().st_size > 10_000


async def test_counsellor_console_screenshots(live_server_factory: LiveServerFactory,
                                              open_peer: OpenPeer) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock())
    await server.app[STAFF].create(NAME, "counsellor", GOOD_PASSWORD)
    staff = await open_peer(server.url, path="/staff.html", locale="fi-FI", width=1280, height=800)
    page: Any = staff.page
    first = await page.evaluate(LOGIN, [NAME, GOOD_PASSWORD, None])
    secret = parse_qs(urlparse(first["body"]["totp_uri"]).query)["secret"][0]
    done = await page.evaluate(LOGIN, [NAME, GOOD_PASSWORD, pyotp.TOTP(secret).at(EVENING)])
    assert done["status"] == 200, done
    await page.goto(server.url + "/staff.html")
    await page.wait_for_selector("main[data-view=counsel] section.counsel-duty")
    await page.fill("#counsel-capacity", "2")
    await page.click("#counsel-toggle")
    await page.wait_for_selector("p.duty-state.on")

    people = [await PeerClient.connect(server.url) for _ in range(3)]
    try:
        escs = [await p.request_counsellor(reason=r, level=n)
                for p, r, n in zip(people, ("alcohol", "drugs", "gambling"), (3, 4, 2), strict=True)]
        # Offers reach only the counsellor's free places; every queue change also pushes
        # case.queue, so all three show without a manual refresh (issue 11, esc8).
        await page.wait_for_function("() => document.querySelectorAll('.queue-list li').length === 3")
        levels = await page.locator(".queue-list li").evaluate_all(
            "(els) => els.map((e) => e.className)")
        # Risk first, then the wait; the level-4 case arrived while the console was open: new.
        assert levels == ["level-4 fresh-urgent", "level-3", "level-2"], levels
        TARGET.mkdir(parents=True, exist_ok=True)
        await shoot(page, "counsellor-queue")
        await page.set_viewport_size({"width": 360, "height": 740})
        await page.wait_for_function("() => document.documentElement.scrollWidth <= 360")
        await shoot(page, "counsellor-queue-360", "section.counsel-queue")

        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.locator(".queue-list li.level-4 button.claim").click()
        panel = page.locator("section.counsel-session")
        await panel.wait_for()
        talk = await escs[1].wait_for_counsellor(timeout=10)
        await panel.locator("button.opener").first.click()
        await panel.locator("form.composer button[type=submit]").click()
        assert (await talk.next_message(10)).text.startswith("Hei")
        await talk.send("Kiitos. En ole turvassa kotona, olen ystävän luona.")
        await talk.share_emergency("location", PLACE)
        await talk.share_emergency("contact", PHONE)
        await panel.locator("section.emergency-share li[data-kind=location]").wait_for()
        await panel.locator("li.theirs >> text=ystävän luona").wait_for()
        assert await panel.locator("section.emergency-share li .share-value").all_text_contents() \
            == [PHONE, PLACE]
        await shoot(page, "counsellor-session-share", "section.counsel-session")
        await page.set_viewport_size({"width": 360, "height": 740})
        await page.wait_for_function("() => document.documentElement.scrollWidth <= 360")
        await shoot(page, "counsellor-session-share-360", "section.counsel-session")
        assert not await staff.csp_violations() and not staff.page_errors, staff.page_errors

        # The person's side at 360 px, in the browser: the share box open, one place shared.
        await page.set_viewport_size({"width": 1280, "height": 800})
        peer = await open_peer(server.url, locale="fi-FI", width=360, height=740)
        person: Any = peer.page
        await peer.sign_in("Aada")
        await open_request_view(peer)
        await person.click("#case-ask")
        await person.locator("p.case-position").wait_for()
        # No place is free (a session and an offer): case.queue brings her to the list.
        await page.locator(".queue-list li:not(.level-3):not(.level-2) button.claim").click()
        await person.locator("p.case-here").wait_for()
        # Aada's panel by name: panels follow the store's order of case ids (random), not claims.
        aada = page.locator("section.counsel-session[aria-label*='Aada']")
        await aada.wait_for()
        await aada.locator("button.opener").nth(2).click()  # "are you safe right now?"
        await aada.locator("form.composer button[type=submit]").click()
        await person.wait_for_selector("ol.case-log li.theirs")
        await person.fill("#case-text", "En oikein. Olen kotona yksin.")
        await person.click("main[data-view=case] form.composer button[type=submit]")
        await person.wait_for_selector("ol.case-log li.mine")
        await person.click("#case-share-open")
        await person.fill("#case-share-text", "Kalevankatu 3 B 14, Helsinki")
        await person.click("#case-share-send")
        await person.locator("details.case-share p.share-sent").wait_for()
        await aada.locator("section.emergency-share li[data-kind=location]").wait_for()
        await person.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
        await person.screenshot(path=str(TARGET / "case-share-360.png"), full_page=True)
        assert await person.evaluate("document.documentElement.scrollWidth") <= 360
        await peer.context.close()
    finally:
        for p in people:
            await p.close()
        await staff.context.close()
