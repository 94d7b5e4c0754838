"""In real Chromium over a real relay, the moderator's warm hand-off from a live group: the
moderator (password sign-in, in the room as a member) hands a peer to a counsellor with a reason;
the peer's page asks in an alert dialog (focus on "yes", fi/sv/en strings) and nothing happens
until they answer; a "no" leaves them in the group and tells the moderator; a "yes" puts them in
the queue, a counsellor in a third browser claims and they talk end to end. No plaintext leaves a
browser, no axe violations, the CSP holds."""

from __future__ import annotations

from typing import Any

from server.app import STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_counsellor_console import COUNSELLOR, LOGIN, sign_in_counsellor

MODERATOR = "Mia Moderoi"
READY = "() => window.iltapiiri && window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"
TO_PERSON = "canary-handoff-to-person-4d1e: I am the counsellor, hello"
TO_COUNSELLOR = "canary-handoff-to-counsellor-8b2f: thank you"
SHARED = "canary-handoff-shared-61c9: I relapsed yesterday"
KEPT = "canary-handoff-kept-a07d: hello everyone"


async def sign_in_moderator(open_peer: OpenPeer, url: str) -> Peer:
    staff = await open_peer(url, path="/staff.html", width=1280)
    page: Any = staff.page
    done = await page.evaluate(LOGIN, [MODERATOR, GOOD_PASSWORD, None])
    assert done["status"] == 200 and done["body"]["role"] == "moderator", done
    await page.goto(url + "/staff.html")
    await page.wait_for_selector("section.console")
    await page.click("section.duty button[data-focus-key=duty]")
    await page.wait_for_selector("section.duty .duty-state.on")
    await page.click("section.shift-rooms button[data-focus-key='open:open']")
    await page.wait_for_selector(".room-panel")
    await page.wait_for_function(READY)
    return staff


async def hand_off(console: Any, name: str, reason: str = "suicide") -> None:
    box = console.locator(".room-panel details.members-box")
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    button = console.locator(f"button[data-focus-key='handoff:{name}']")
    await button.wait_for()
    await button.click()
    dialog = console.locator("dialog.staff-handoff")
    await dialog.wait_for()
    assert await console.evaluate("document.activeElement.name") == "reason"
    await dialog.locator("select[name=reason]").select_option(reason)
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")


async def live_text(page: Any, text: str) -> None:
    await page.wait_for_function(
        "(t) => [...document.querySelectorAll('[aria-live]')].some((e) => e.textContent.includes(t))",
        arg=text)


async def test_a_moderator_hands_a_peer_to_a_counsellor_only_with_consent(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    axe = axe_source()
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(MODERATOR, "moderator", GOOD_PASSWORD)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    counsellor = await sign_in_counsellor(open_peer, server.url)
    desk: Any = counsellor.page
    await desk.fill("#counsel-capacity", "2")
    await desk.click("#counsel-toggle")
    await desk.wait_for_selector("p.duty-state.on")
    mod = await sign_in_moderator(open_peer, server.url)
    console: Any = mod.page

    peer = await open_peer(server.url, width=360, height=740)
    person: Any = peer.page
    await peer.sign_in("Aada")
    await peer.join_open_group()
    await person.wait_for_function(READY)

    # First a "no": the person stays in the group, no case reaches the counsellors.
    await hand_off(console, "Aada")
    invite = person.locator("dialog.case-invite")
    await invite.wait_for()
    assert await invite.get_attribute("role") == "alertdialog"
    assert await person.evaluate("document.activeElement.dataset.answer") == "accept"
    assert await person.locator("main[data-view=chat], section.chat").count() > 0
    assert await person.evaluate("window.iltapiiri.cases.peerCase.status") is None
    assert await desk.locator(".queue-list li").count() == 0, "nobody moved before consent"
    assert await axe_violations(person, axe) == []
    await peer.screenshot("case-invite-360")
    await invite.locator("button[data-answer=decline]").click()
    await invite.wait_for(state="detached")
    await live_text(console, "said no")
    await person.wait_for_selector("section.chat")
    assert await person.evaluate("window.iltapiiri.cases.peerCase.status") is None
    assert await desk.locator(".queue-list li").count() == 0

    # Then a "yes", sharing one of her own group messages she ticks (esc9: the browser could
    # not choose messages to share): the request view with the honest place, the moderator told.
    for text in (KEPT, SHARED):
        await person.fill("textarea[name=message]", text)
        await person.press("textarea[name=message]", "Enter")
        await person.wait_for_selector(f"section.chat li.mine >> text={text}")
    await hand_off(console, "Aada")
    await invite.wait_for()
    picks = invite.locator("fieldset.case-share-pick li")
    assert await picks.all_text_contents() == [KEPT, SHARED]
    await picks.nth(1).locator("input.share-pick").check()
    assert await axe_violations(person, axe) == []
    await invite.locator("button[data-answer=accept]").click()
    await person.wait_for_selector("main[data-view=case] p.case-position")
    await live_text(console, "said yes")
    assert await console.locator(".room-panel").count() == 1, "the group goes on"
    assert await axe_violations(console, axe) == []

    item = desk.locator(".queue-list li").first
    await item.wait_for()
    await item.locator("button.claim").click()
    panel = desk.locator("section.counsel-session")
    await panel.wait_for()
    assert "Aada" in (await panel.locator("h2").text_content() or "")
    here = person.locator("p.case-here")
    await here.wait_for()
    assert COUNSELLOR in (await here.text_content() or "")
    # The ticked message reaches the counsellor end to end, first; the other one does not.
    await desk.wait_for_selector(f"section.counsel-session li.theirs >> text={SHARED}")
    context = dict(zip(await panel.locator("dl.case-context dt").all_text_contents(),
                       await panel.locator("dl.case-context dd").all_text_contents(), strict=True))
    assert context["Messages shared"] == "1", context
    assert await panel.locator(f"li >> text={KEPT}").count() == 0
    await panel.locator("textarea.counsel-text").fill(TO_PERSON)
    await panel.locator("form.composer button[type=submit]").click()
    await person.wait_for_selector(f"ol.case-log li.theirs >> text={TO_PERSON}")
    await person.fill("#case-text", TO_COUNSELLOR)
    await person.click("main[data-view=case] form.composer button[type=submit]")
    await desk.wait_for_selector(f"section.counsel-session li.theirs >> text={TO_COUNSELLOR}")

    for who in (peer, mod, counsellor):
        assert not await who.csp_violations(), await who.csp_violations()
        assert not who.page_errors, who.page_errors
        for frame in who.frames_sent:
            for canary in (TO_PERSON, TO_COUNSELLOR, SHARED, KEPT):
                assert canary.split(":")[0] not in frame, "plaintext left a browser"
    for who in (peer, mod, counsellor):
        await who.context.close()


def test_the_invitation_and_hand_off_strings_are_in_fi_sv_en() -> None:
    from tests.web_client.conftest import REPO_ROOT
    cases = (REPO_ROOT / "web_client/js/cases/strings.js").read_text()
    for key in ("case.invite_title", "case.invite_lead", "case.invite_accept",
                "case.invite_decline", "case.invite_declined"):
        assert cases.count(f"'{key}'") == 3, key
    for lang in ("en", "fi", "sv"):
        staff = (REPO_ROOT / f"web_client/js/staff/i18n/{lang}.js").read_text()
        for key in ("staff.handoff.short", "staff.handoff.title", "staff.handoff.state.requested",
                    "staff.handoff.state.declined", "staff.handoff.state.expired"):
            assert f"'{key}'" in staff, (lang, key)
