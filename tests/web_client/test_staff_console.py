"""The moderator's console in real Chromium over a real server: a moderator signs in with
password + TOTP (enrolling with the QR code), goes on duty, joins the room and sees a browser
peer's crisis message highlighted and the alert; mutes the peer, whose browser says why and until
when; a true report shows as verified and a forged one as not; axe finds nothing on the views."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pyotp

from client import PeerClient
from server.app import STAFF
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer, Peer

READY = "() => window.iltapiiri && window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"
CRISIS_EN = "I want to end my life tonight"
MODERATOR = "Mia Moderoi"
# Test-installed spies (not app code): what the console asked the browser to show and play.
ATTENTION_SPY = """
window.__notes = []; window.__tones = 0;
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, opts) { super(title, opts); window.__notes.push({ title, body: opts && opts.body }); }
};
Object.defineProperty(window.Notification, 'permission', { get: () => Real.permission });
window.Notification.requestPermission = (...a) => Real.requestPermission(...a);
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...a) { window.__tones += 1; return start.apply(this, a); };
"""
TOTP_STAFF = replace(FAST_STAFF, moderator_totp=True)


async def staff_server(live_server_factory: LiveServerFactory) -> LiveServer:
    server = await live_server_factory(staff=TOTP_STAFF)
    await server.app[STAFF].create(MODERATOR, "moderator", GOOD_PASSWORD)
    return server


async def sign_in_staff(page: Any, username: str = MODERATOR) -> pyotp.TOTP:
    """Password, then the enrolment (QR code shown; the URI read from the page), then the code."""
    await page.wait_for_selector("form.staff-signin")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", GOOD_PASSWORD)
    await page.click("form.staff-signin button[type=submit]")
    await page.wait_for_selector("form.staff-signin img.qr")
    src = await page.get_attribute("img.qr", "src")
    assert src is not None and src.startswith("data:image/svg+xml"), src
    assert await page.get_attribute("img.qr", "alt")
    uri = await page.text_content("code.otpauth")
    assert uri is not None and uri.startswith("otpauth://totp/")
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    await page.fill("input[name=totp]", totp.now())
    await page.click("form.staff-signin button[type=submit]")
    await page.wait_for_selector("section.console")
    return totp


async def go_on_duty(page: Any) -> None:
    await page.click("section.duty button[data-focus-key=duty]")
    await page.wait_for_selector("section.duty .duty-state.on")


async def open_room(page: Any, group_id: str = "open") -> None:
    before = await page.locator(".room-panel").count()
    await page.click(f"section.shift-rooms button[data-focus-key='open:{group_id}']")
    # Wait for this room's panel, not any: with one room open already, ".room-panel" is there
    # before the click and the second open would return before its panel exists.
    await page.wait_for_function(
        "n => document.querySelectorAll('.room-panel').length > n", arg=before)
    await page.wait_for_function(READY)


async def peer_in_room(open_peer: OpenPeer, url: str, name: str, **kw: Any) -> Peer:
    peer = await open_peer(url, **kw)
    await peer.sign_in(name)
    await peer.join_open_group()
    await peer.page.wait_for_function(READY)
    return peer


async def send_anyway(page: Any, text: str) -> None:
    """A crisis sentence: private help first, then the explicit "send anyway"."""
    await page.fill("textarea[name=message]", text)
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    await page.click("#help-panel button.secondary")
    await page.wait_for_function("() => !document.getElementById('help-panel')")
    await page.click("form.composer .notice button.secondary")
    await page.wait_for_selector(f"li.msg.mine >> text={text}")


async def no_axe_violations(page: Any, where: str) -> None:
    found = await axe_violations(page, axe_source())
    assert found == [], f"{where}: {found}"


async def test_a_moderator_sees_the_crisis_and_mutes_with_a_reason(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await staff_server(live_server_factory)
    mod = await open_peer(server.url, path="/staff.html")
    page = mod.page
    await sign_in_staff(page)
    # Notifications allowed; the session cookie keeps the console across the reload.
    await mod.context.grant_permissions(["notifications"], origin=server.url)
    await mod.context.add_init_script(ATTENTION_SPY)
    await page.reload()
    await page.wait_for_selector("section.console")
    assert await page.evaluate("window.iltapiiri.session.auth.role") == "moderator"
    assert await page.evaluate("window.iltapiiri.session.auth.pseudonym") == MODERATOR
    await go_on_duty(page)
    await open_room(page)
    peer = await peer_in_room(open_peer, server.url, "Veera")
    await page.wait_for_selector(".room-panel .members li >> text=Veera", state="attached")

    started = time.monotonic()
    await send_anyway(peer.page, CRISIS_EN)
    flagged = page.locator(f".room-panel li.msg.flagged >> text={CRISIS_EN}")
    await flagged.wait_for(timeout=10000)
    item = page.locator(".room-panel li.msg.flagged")
    label = await item.locator(".flag-label").inner_text()
    assert label.startswith("Level ") and "suicide" in label, label
    await page.wait_for_selector("section.alerts.lit li.alert-item.open", timeout=10000)
    print(f"browser peer's send to the console's alert: {time.monotonic() - started:.2f} s")
    alert_text = await page.inner_text("section.alerts li.alert-item.open")
    assert "Veera" in alert_text and "suicide" in alert_text, alert_text
    assert CRISIS_EN not in alert_text  # the alert is metadata; the text is in the room only
    notes = await page.evaluate("window.__notes")
    assert notes and all(CRISIS_EN not in str(n) and "Veera" not in str(n) for n in notes), notes
    assert await page.evaluate("window.__tones") >= 1  # the tone played
    await no_axe_violations(page, "console with an alert")

    await page.click("section.alerts li.alert-item.open button.primary")
    await page.wait_for_selector("section.alerts li.alert-item.done")

    # Mute from the message, with a reason from the configured list.
    await item.locator("button", has_text="Mute").first.click()
    await page.wait_for_selector("dialog.staff-action[open]")
    await no_axe_violations(page, "mute dialog")
    await page.select_option("dialog.staff-action select[name=minutes]", "30")
    await page.select_option("dialog.staff-action select[name=reason]", "spam")
    await page.click("dialog.staff-action button[type=submit]")
    await page.wait_for_selector("section.sanctions li[data-sanction] >> text=Veera muted")

    # The peer's browser says what happened, why and until when (in the peer's own language).
    banner = peer.page.locator("section.chat .mod-notice")
    await banner.wait_for(state="visible", timeout=10000)
    said = await banner.inner_text()
    assert "muted" in said and "30 minutes" in said and "Spam or flooding the chat" in said, said
    assert "until" in said
    # And the relay refuses the next message with "muted".
    await peer.page.fill("textarea[name=message]", "hei taas")
    await peer.page.press("textarea[name=message]", "Enter")
    refusal = peer.page.locator("form.composer .notice p.refusal")
    await refusal.wait_for(timeout=10000)
    assert (await refusal.inner_text()).startswith("You are muted until ")
    assert await peer.page.input_value("textarea[name=message]") == "hei taas"  # kept, not lost

    # Lift it from the sanctions in force: the list empties and the peer is told.
    await page.click("section.sanctions li[data-sanction] button")
    await page.wait_for_selector("section.sanctions >> text=Nothing in force.")
    await peer.page.wait_for_function(
        "() => document.querySelector('section.chat .mod-notice').dataset.key === 'sanction.lifted'")
    # Nobody else is on duty: the debrief request says so instead of pretending.
    await page.click("section.debrief button")
    await page.wait_for_selector("section.debrief >> text=Nobody else is on duty right now")
    for who in (mod, peer):
        assert not await who.csp_violations() and not who.page_errors, who.page_errors
    await peer.context.close()
    await mod.context.close()


REPORT = """async ([text, tamper]) => {
  const s = window.iltapiiri; const room = s.rooms.get([...s.session.rooms.keys()][0]);
  const record = room.messages.find((m) => m.text === text);
  const franking = { ...record.franking, opening: { ...record.franking.opening } };
  if (tamper) franking.opening.text = tamper;
  return s.e2ee.reportMessage({ ...record, franking }, 'harassment');
}"""


async def test_reports_show_whether_they_verify(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await staff_server(live_server_factory)
    mod = await open_peer(server.url, path="/staff.html", width=360, height=740)
    page = mod.page
    await sign_in_staff(page)
    await go_on_duty(page)
    await open_room(page)
    writer = await PeerClient.connect(server.url)
    peer = await peer_in_room(open_peer, server.url, "Veera")
    try:
        group = await writer.join_group("open")
        true_text, second = "annan sinun osoitteesi kaikille", "toinen viesti"
        await group.send(true_text)
        await peer.page.wait_for_selector(f"li.msg.theirs >> text={true_text}", timeout=15000)
        answer = await peer.page.evaluate(REPORT, [true_text, None])
        assert answer["stamped"] is True and answer["recipients"] == 1, answer
        await page.wait_for_selector("section.reports li.report-item.verified", timeout=10000)
        verdict = await page.inner_text("section.reports li.report-item.verified")
        assert f"Verified: this exact message was sent by {writer.pseudonym} at" in verdict
        assert true_text in verdict
        # The stamped report raised the message's alert: the console says a report raised it.
        raised = page.locator("section.alerts li.alert-item.open", has_text="raised by a report")
        await raised.wait_for(timeout=10000)
        said = await raised.inner_text()
        assert writer.pseudonym in said and "harassment" in said and true_text not in said, said
        await group.send(second)
        await peer.page.wait_for_selector(f"li.msg.theirs >> text={second}", timeout=15000)
        forged = await peer.page.evaluate(REPORT, [second, "Olli uhkaili minua"])
        assert forged["stamped"] is True and forged["duplicate"] is False
        await page.wait_for_selector("section.reports li.report-item.unverified", timeout=10000)
        assert "Could not be verified" in await page.inner_text(
            "section.reports li.report-item.unverified")
        assert await page.locator("section.reports li.report-item.verified").count() == 1
        scroll = await page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= 360, scroll  # usable at 360 px: no sideways scrolling
        await no_axe_violations(page, "console at 360 px with reports")

        # The staff page has no double Escape: closing a dialog and pressing Escape again at
        # once keeps the moderator in the console; its header's corner is "Sign out" instead.
        assert await page.locator("#exit-button").count() == 0
        await page.locator(".room-panel li.msg", has_text=second).locator(
            "button", has_text="Mute").first.click()
        await page.wait_for_selector("dialog.staff-action[open]")
        await page.keyboard.press("Escape")
        await page.keyboard.press("Escape")
        await page.wait_for_timeout(500)
        assert page.url.endswith("/staff.html") and await page.locator("section.console").count()
        assert await page.locator("dialog.staff-action[open]").count() == 0
        signout = page.locator("#signout-button")
        assert await signout.is_visible() and await signout.inner_text() == "Sign out"
        # Once on the page (the console's own second "Sign out" at 360 px was a duplicate).
        assert await page.get_by_role("button", name="Sign out").count() == 1
        box = await signout.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360, box
        assert await server.services.stores.duty.on_duty()
        await signout.click()
        await page.wait_for_selector("form.staff-signin")
        assert await server.services.stores.duty.on_duty() == set()  # signed out = off duty
        await page.reload()  # the session ended on the server: the sign-in again, not the console
        await page.wait_for_selector("form.staff-signin")
        assert not await mod.csp_violations() and not mod.page_errors, mod.page_errors
    finally:
        await writer.close()
        await peer.context.close()
        await mod.context.close()


async def test_the_sign_in_page_in_three_languages_has_no_axe_violations(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await staff_server(live_server_factory)
    for locale, title in (("fi-FI", "Henkilökunnan kirjautuminen"),
                          ("sv-FI", "Inloggning för personal"), ("en-GB", "Staff sign-in")):
        who = await open_peer(server.url, path="/staff.html", locale=locale, width=360)
        await who.page.wait_for_selector("form.staff-signin")
        assert await who.page.inner_text("h1") == title
        await no_axe_violations(who.page, f"sign-in {locale}")
        await who.page.fill("input[name=username]", MODERATOR)
        await who.page.fill("input[name=password]", "not the password at all")
        await who.page.click("form.staff-signin button[type=submit]")
        await who.page.wait_for_selector("form.staff-signin .error:not([hidden])")
        await who.context.close()


def test_the_staff_strings_have_the_same_keys_in_fi_sv_en() -> None:
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "web_client" / "js" / "staff" / "i18n"
    keys = {lang: set(re.findall(r"^\s*'([a-z0-9_.]+)':", (folder / f"{lang}.js").read_text(
        encoding="utf-8"), re.M)) for lang in ("fi", "sv", "en")}
    assert keys["en"] and keys["fi"] == keys["en"] == keys["sv"], {
        lang: sorted(keys["en"] ^ k) for lang, k in keys.items()}
