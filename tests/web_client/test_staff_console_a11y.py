"""The staff consoles as signed in, in real Chromium over a real server: a moderator and,
separately, a counsellor, each brought to the console's busy states, with axe-core (WCAG 2.2's
24 px target size switched on) at every state, at 1280 px and at 360 px. At 360 px the page does
not scroll sideways and Tab reaches every control, each wholly in view when it has the focus.
By keyboard: from the console's first focus Tab reaches the duty switch, the alert's
"Acknowledge" and a message's actions; Escape closes the action dialog (and the hand-off dialog)
and the focus is back on the button that opened it, also when the list it sat in was drawn
again meanwhile; "Acknowledge" and a carried-out action keep the focus in place."""

from __future__ import annotations

from typing import Any

from client import PeerClient
from server.app import STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_counsellor_console import COUNSELLOR, sign_in_counsellor
from tests.web_client.test_staff_console import CRISIS_EN, MODERATOR, go_on_duty, open_room

WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 360, "height": 740}
FIRST = "Hei kaikki, tänään oli raskas päivä."
# Marks the focused element and says what it is ("again" once Tab came round to a marked one),
# and whether, focused, it is wholly inside the viewport's width.
MARK = """() => { const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (e.dataset.tabbed) return 'again';
  e.dataset.tabbed = '1';
  const box = e.getBoundingClientRect();
  const out = box.left < 0 || box.right > window.innerWidth + 0.5
    ? ` outside ${Math.round(box.left)}..${Math.round(box.right)}` : '';
  return [e.tagName.toLowerCase(), e.dataset.focusKey || '', e.getAttribute('aria-label') || '',
          (e.textContent || '').trim().slice(0, 40), e.closest('.msg-actions') ? 'msg-action' : '',
          e.closest('li.msg') ? e.closest('li.msg').dataset.seq : ''].join('|') + out; }"""
# Every control a person could use on the page as drawn now (not hidden, not disabled): how
# many, and those Tab did not reach.
CONTROLS = """() => {
  const all = [...document.querySelectorAll(
    "button, a[href], input, select, textarea, summary, [tabindex]:not([tabindex='-1'])")]
    .filter((e) => !e.disabled && e.getClientRects().length
      && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[hidden], [inert]')
      && !(e.closest('details:not([open])') && !e.matches('details:not([open]) > summary')));
  const name = (e) => `${e.tagName.toLowerCase()}.${e.className}:${(e.getAttribute('aria-label')
    || e.textContent || e.name || e.id).trim().slice(0, 40)}`;
  return { count: all.length, unreached: all.filter((e) => !e.dataset.tabbed).map(name) };
}"""
WIDER = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 8)
  .map((e) => `${e.tagName}.${e.className}:${Math.round(e.getBoundingClientRect().right)}`)"""


UNMARK = "() => document.querySelectorAll('[data-tabbed]').forEach((e) => { delete e.dataset.tabbed; })"


async def accessible(page: Any, where: str) -> None:
    found = await axe_violations(page, axe_source(), ("target-size",))
    assert found == [], f"{where}: {found}"


async def tab_walk(page: Any, start: str, limit: int = 250) -> list[str]:
    """Focus `start`, then Tab until the focus comes round again: what it visited, in order."""
    await page.evaluate(UNMARK)
    await page.focus(start)
    await page.evaluate(MARK)
    seen: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        what = await page.evaluate(MARK)
        if what == "again":
            return seen
        if what is not None:
            seen.append(what)
    raise AssertionError(f"Tab did not come round in {limit} steps: {seen[-5:]}")


async def usable_narrow(page: Any, where: str, start: str) -> None:
    """At 360 px: no sideways scroll, every control reached by Tab and in view when focused,
    and axe (with target size) finds nothing."""
    await page.set_viewport_size(NARROW)
    await page.wait_for_function("() => window.innerWidth === 360")
    scroll = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], f"{where}: sideways scroll {scroll}: {await page.evaluate(WIDER)}"
    outside = [d for d in await tab_walk(page, start) if " outside " in d]
    assert outside == [], f"{where}: focused but not wholly in view: {outside}"
    controls = await page.evaluate(CONTROLS)
    assert controls["count"] > 5, controls
    assert controls["unreached"] == [], f"{where}: {controls['unreached']}"
    await accessible(page, f"{where} at 360 px")
    await page.set_viewport_size(WIDE)


async def sign_in_moderator(open_peer: OpenPeer, url: str) -> Any:
    mod = await open_peer(url, path="/staff.html", width=WIDE["width"], height=WIDE["height"])
    page = mod.page
    await page.wait_for_selector("form.staff-signin")
    await page.fill("input[name=username]", MODERATOR)
    await page.fill("input[name=password]", GOOD_PASSWORD)
    await page.click("form.staff-signin button[type=submit]")
    await page.wait_for_selector("section.console")
    return mod


async def test_the_moderator_console_busy_is_accessible_and_works_by_keyboard(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(staff=FAST_STAFF)
    await server.app[STAFF].create(MODERATOR, "moderator", GOOD_PASSWORD)
    mod = await sign_in_moderator(open_peer, server.url)
    page = mod.page
    writer = await PeerClient.connect(server.url)
    reporter = await PeerClient.connect(server.url)
    try:
        await accessible(page, "signed in, off duty")
        await usable_narrow(page, "signed in, off duty", "section.console h1")
        await go_on_duty(page)
        await open_room(page)
        await accessible(page, "on duty, in a room")

        written = await writer.join_group("open")
        heard = await reporter.join_group("open")
        await written.send(FIRST)
        await written.send(CRISIS_EN)
        await page.wait_for_selector(f".room-panel li.msg.flagged >> text={CRISIS_EN}",
                                     timeout=15000)
        await page.wait_for_selector("section.alerts.lit li.alert-item.open", timeout=10000)
        await accessible(page, "a room with messages and an alert")

        first = await heard.next_message(timeout=15)
        assert first.text == FIRST
        answer = await heard.report(first, "harassment")
        assert answer["recipients"] == 1, answer
        await page.wait_for_selector("section.reports li.report-item.verified", timeout=10000)
        await accessible(page, "a report opened")

        # Keyboard, from the console's first focus (its heading, where the view puts it).
        await page.click(".room-panel details.members-box summary")
        order = await tab_walk(page, "section.console h1")
        duty = next(i for i, d in enumerate(order) if d.split("|")[1] == "duty")
        ack = next(i for i, d in enumerate(order) if d.split("|")[1].startswith("ack:"))
        action = next(i for i, d in enumerate(order) if d.split("|")[4] == "msg-action")
        assert duty < ack < action, order

        # Escape closes the action dialog; the focus is back on the button that opened it.
        await page.focus(".room-panel li.msg.flagged .msg-actions button >> text=Mute")
        await page.evaluate(UNMARK)
        opener = await page.evaluate(MARK)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("dialog.staff-action[open]")
        await accessible(page, "the action form open")
        await page.set_viewport_size(NARROW)
        await accessible(page, "the action form open at 360 px")
        box = await page.evaluate("() => document.querySelector('dialog.staff-action')"
                                  ".getBoundingClientRect().right")
        assert box <= 360, box
        await page.set_viewport_size(WIDE)
        await page.keyboard.press("Escape")
        await page.wait_for_selector("dialog.staff-action", state="detached")
        await page.evaluate(UNMARK)
        assert await page.evaluate(MARK) == opener

        # The same from the member list while someone joins: the list is drawn again under the
        # dialog, and the focus comes back to the new twin of the button that opened it. (No
        # pause between the dialogs: the staff page has no double-Escape quick exit.)
        await page.focus(f".room-panel .members button[data-focus-key='mute:{writer.pseudonym}']")
        await page.evaluate(UNMARK)
        opener = await page.evaluate(MARK)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("dialog.staff-action[open]")
        newcomer = await PeerClient.connect(server.url)
        await newcomer.join_group("open")
        await page.wait_for_selector(f".room-panel .members li >> text={newcomer.pseudonym}",
                                     state="attached", timeout=10000)
        await page.keyboard.press("Escape")
        await page.wait_for_selector("dialog.staff-action", state="detached")
        await page.evaluate(UNMARK)
        assert await page.evaluate(MARK) == opener
        await newcomer.close()

        # The hand-off dialog gives the focus back the same way.
        await page.focus(f".room-panel .members button[data-focus-key='handoff:{writer.pseudonym}']")
        await page.evaluate(UNMARK)
        opener = await page.evaluate(MARK)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("dialog.staff-handoff[open]")
        await accessible(page, "the hand-off dialog open")
        await page.keyboard.press("Escape")
        await page.wait_for_selector("dialog.staff-handoff", state="detached")
        await page.evaluate(UNMARK)
        assert await page.evaluate(MARK) == opener

        # A mute carried out: the sanction is listed with its Lift button, the focus is back on
        # the Mute that opened the dialog.
        await page.focus(f".room-panel .members button[data-focus-key='mute:{writer.pseudonym}']")
        await page.evaluate(UNMARK)
        opener = await page.evaluate(MARK)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("dialog.staff-action[open]")
        await page.click("dialog.staff-action button[type=submit]")
        await page.wait_for_selector("section.sanctions li[data-sanction]", timeout=10000)
        await page.wait_for_selector("dialog.staff-action", state="detached")
        await page.evaluate(UNMARK)
        assert await page.evaluate(MARK) == opener
        await accessible(page, "a sanction in force")

        await usable_narrow(page, "the busy console", "section.console h1")

        # "Acknowledge" by keyboard: the focus stays on the alert (now saying who took it).
        await page.focus("section.alerts li.alert-item.open button.primary")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("section.alerts li.alert-item.done")
        where = await page.evaluate("() => { const e = document.activeElement;"
                                    " return [e.tagName, e.closest('li.alert-item') !== null,"
                                    " e.textContent.trim()]; }")
        assert where[1] and "Acknowledged" in where[2], where
        await accessible(page, "an acknowledged alert")
        assert not await mod.csp_violations() and not mod.page_errors, mod.page_errors
    finally:
        await writer.close()
        await reporter.close()
        await mod.context.close()


async def test_the_counsellor_console_busy_is_accessible(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    person = await PeerClient.connect(server.url)
    staff = await sign_in_counsellor(open_peer, server.url)
    console: Any = staff.page
    try:
        await console.set_viewport_size(WIDE)
        await accessible(console, "signed in, away")
        await console.fill("#counsel-capacity", "2")
        await console.click("#counsel-toggle")
        await console.wait_for_selector("p.duty-state.on")
        await accessible(console, "available")
        await usable_narrow(console, "available", "main h1")

        esc = await person.request_counsellor(reason="alcohol", level=3)
        item = console.locator(".queue-list li").first
        await item.wait_for()
        await accessible(console, "a case in the queue")
        await usable_narrow(console, "a case in the queue", "main h1")

        await item.locator("button.claim").click()
        panel = console.locator("section.counsel-session")
        await panel.wait_for()
        await esc.wait_for_counsellor(timeout=10)
        await accessible(console, "a case claimed, its session panel")
        await panel.locator("textarea.case-notes").fill("soitettiin yhdessä kriisipuhelimeen")
        await console.fill("#notes-case", esc.case_code)
        await console.click("button.read-notes")
        await console.wait_for_selector("section.counsel-notes p[role=status]:not(:empty)")
        await accessible(console, "the notes box")
        await usable_narrow(console, "a claimed case and the notes box", "main h1")
        assert not await staff.csp_violations() and not staff.page_errors, staff.page_errors
    finally:
        await person.close()
        await staff.context.close()
