"""In real Chromium over a real relay: a person asks for a counsellor and sees their place in
the queue, a counsellor signed in with password and TOTP in another browser claims the case from
the console, they talk both ways end to end, a reload on the person's side returns to the case,
the counsellor closes with an outcome, the person sees the end and rates it with one tap. Both
views have no axe violations, keep the CSP, and no frame either browser sent has the plaintext."""

from __future__ import annotations

import os
import shutil
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from server.app import STAFF
from server.clock import FakeClock
from tests.client.leakscan import file_blobs, find
from tests.client.test_counsellor_conversation import Capture, captured
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import REPO_ROOT, OpenPeer, Peer

__all__ = ["captured"]  # the log fixture of the Python conversation test

COUNSELLOR = "Kaisa Kuraattori"
TO_PERSON = "canary-to-person-7f3a: I am here with you"
TO_COUNSELLOR = "canary-to-counsellor-91bd: thank you for coming"
AFTER_RELOAD = "canary-after-reload-c2e8: still here"

LOGIN = """async ([username, password, totp]) => {
  const body = totp ? {username, password, totp} : {username, password};
  const resp = await fetch('/api/staff/login', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  return {status: resp.status, body: await resp.json()};
}"""


async def sign_in_counsellor(open_peer: OpenPeer, url: str) -> Peer:
    """Password, the TOTP enrolment answer, then the code at the server's (fake) time."""
    staff = await open_peer(url, path="/staff.html", width=1280)
    page: Any = staff.page
    first = await page.evaluate(LOGIN, [COUNSELLOR, GOOD_PASSWORD, None])
    assert first["status"] == 403 and first["body"]["error"] == "totp_enrol", first
    secret = parse_qs(urlparse(first["body"]["totp_uri"]).query)["secret"][0]
    done = await page.evaluate(LOGIN, [COUNSELLOR, GOOD_PASSWORD, pyotp.TOTP(secret).at(EVENING)])
    assert done["status"] == 200 and done["body"]["role"] == "counsellor", done
    await page.goto(url + "/staff.html")
    await page.wait_for_selector("main[data-view=counsel] section.counsel-duty")
    # One "Sign out" on the page, in its header (the console had a second one).
    assert await page.get_by_role("button", name="Sign out").count() == 1
    return staff


async def open_request_view(peer: Peer) -> None:
    page: Any = peer.page
    menu = page.locator("#menu-button")
    if await menu.is_visible() and await menu.get_attribute("aria-expanded") != "true":
        await menu.click()
    await page.click("#pro-button")
    await page.wait_for_selector("main[data-view=case] #case-ask")


async def assert_accessible(peer: Peer, axe: str) -> None:
    violations = await axe_violations(peer.page, axe)
    assert violations == [], violations


async def test_a_person_and_a_counsellor_talk_through_a_case(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer, captured: Capture) -> None:
    axe = axe_source()
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    staff = await sign_in_counsellor(open_peer, server.url)
    console: Any = staff.page
    await console.fill("#counsel-capacity", "2")
    await console.click("#counsel-toggle")
    await console.wait_for_selector("p.duty-state.on")

    peer = await open_peer(server.url, width=360, height=740)
    person: Any = peer.page
    await peer.sign_in("Aada")
    await open_request_view(peer)
    await person.click("#case-ask")
    position = person.locator("p.case-position")
    await position.wait_for()
    assert "number 1 in the queue" in (await position.text_content() or "")
    code = await person.evaluate("localStorage.getItem('iltapiiri.case.code')")
    assert code and len(code.strip('"')) == 32
    await assert_accessible(peer, axe)
    await peer.screenshot("case-request-360")

    # The console: the case in the queue with a waiting time that ticks, then claimed.
    item = console.locator(".queue-list li").first
    await item.wait_for()
    assert "Level" in (await item.text_content() or "")
    first_wait = await item.locator(".waited").text_content()
    await console.wait_for_function(
        "(w) => document.querySelector('.queue-list li .waited').textContent !== w", arg=first_wait)
    await assert_accessible(staff, axe)
    await item.locator("button.claim").click()
    panel = console.locator("section.counsel-session")
    await panel.wait_for()
    assert "Aada" in (await panel.locator("h2").text_content() or "")
    assert await console.locator(".queue-list li").count() == 0

    here = person.locator("p.case-here")
    await here.wait_for()
    assert COUNSELLOR in (await here.text_content() or "")

    # Both ways, end to end.
    await panel.locator("textarea.counsel-text").fill(TO_PERSON)
    await panel.locator("form.composer button[type=submit]").click()
    await person.wait_for_selector(f"ol.case-log li.theirs >> text={TO_PERSON}")
    await person.fill("#case-text", TO_COUNSELLOR)
    await person.click("main[data-view=case] form.composer button[type=submit]")
    await console.wait_for_selector(f"section.counsel-session li.theirs >> text={TO_COUNSELLOR}")
    await assert_accessible(peer, axe)
    await assert_accessible(staff, axe)
    await peer.screenshot("case-session-360")
    await staff.screenshot("counsellor-console")
    await console.set_viewport_size({"width": 360, "height": 740})
    wide = await console.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 361).slice(0, 8)
      .map((e) => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))""")
    assert await console.evaluate("document.documentElement.scrollWidth") <= 360, wide
    await assert_accessible(staff, axe)
    await staff.screenshot("counsellor-console-360")
    await console.set_viewport_size({"width": 1280, "height": 780})

    # A reload returns the person to their case (the code is on the device), and it goes on.
    await person.reload()
    await here.wait_for()
    assert COUNSELLOR in (await here.text_content() or "")
    await panel.locator("textarea.counsel-text").fill(AFTER_RELOAD)
    await panel.locator("form.composer button[type=submit]").click()
    await person.wait_for_selector(f"ol.case-log li.theirs >> text={AFTER_RELOAD}")

    # The counsellor closes with an outcome; the person sees the end and rates with one tap.
    await panel.locator("select.outcome").select_option("supported")
    await panel.locator("button.close-case").click()
    await console.locator("section.counsel-session").wait_for(state="detached")
    await person.wait_for_selector("p.case-ended")
    await assert_accessible(peer, axe)
    await person.click("fieldset.case-rating button[data-rating='4']")
    await person.wait_for_selector("main[data-view=case] p.muted >> text=Thank you")
    assert await person.evaluate("localStorage.getItem('iltapiiri.case.code')") is None

    for who in (peer, staff):
        assert not await who.csp_violations(), await who.csp_violations()
        assert not who.page_errors, who.page_errors
        for frame in who.frames_sent:
            for canary in (TO_PERSON, TO_COUNSELLOR, AFTER_RELOAD):
                assert canary.split(":")[0] not in frame, "plaintext left a browser"
    # And the canary search finds none of it anywhere the server wrote (SQLite, its files,
    # the log at DEBUG), while it finds what it must (esc9: the browser run searched frames only).
    blobs = list(file_blobs([server.data_dir]))
    blobs.append(("log", "\n".join(captured.lines).encode()))
    assert find(b"case.claimed", blobs), "the log was not searched"
    assert find(b"Aada", blobs), "the store was not searched"
    for canary in (TO_PERSON, TO_COUNSELLOR, AFTER_RELOAD):
        assert find(canary.split(":")[0].encode(), blobs) == [], canary
    # ./scripts/screenshots.sh sets ILTAPIIRI_SCREENSHOTS=docs/screenshots to refresh the README's.
    target = os.environ.get("ILTAPIIRI_SCREENSHOTS")
    for name in ("case-request-360", "case-session-360", "counsellor-console",
                 "counsellor-console-360") if target else ():
        shutil.copy(REPO_ROOT / "test-artifacts" / "screenshots" / f"{name}.png",
                    REPO_ROOT / target / f"{name}.png")
    await peer.context.close()
    await staff.context.close()
