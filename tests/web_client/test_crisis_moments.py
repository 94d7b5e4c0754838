"""Crisis moments (issue 12): the private help prompt is seen where the eye is, "send anyway" is
an explicit choice, the help button says what it does today, and the report dialog starts at the
report, not at the quick exit."""

from __future__ import annotations

import asyncio

import pytest

from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_chat import sent_events

CRISIS_EN = "I want to end my life tonight"
UNSENT_EN = "Your message has not been sent"
READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"

PROMPT = """() => {
  const n = document.querySelector('form.composer .notice');
  const ta = document.querySelector('textarea[name=message]');
  const r = n.getBoundingClientRect(), t = ta.getBoundingClientRect();
  return { hidden: n.hidden, role: n.getAttribute('role'), text: n.innerText,
           top: r.top, bottom: r.bottom, taTop: t.top, height: window.innerHeight,
           focusIn: n.contains(document.activeElement),
           scroll: document.documentElement.scrollWidth, width: window.innerWidth };
}"""


async def _in_chat(open_peer: OpenPeer, url: str, name: str, width: int, height: int) -> Peer:
    peer = await open_peer(url, width=width, height=height)
    await peer.sign_in(name)
    await peer.join_open_group()
    await peer.page.wait_for_function(READY)
    assert await peer.page.evaluate(
        "async () => (await import('/js/safety/detector-hook.js')).loadDetector()")
    return peer


# 1280x800 desktop, a 360x740 phone, and the desktop at 200 % zoom (640x400 CSS pixels).
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740), (640, 400)])
async def test_the_help_prompt_is_seen_and_send_anyway_is_a_choice(
        live_server, open_peer: OpenPeer, width: int, height: int) -> None:
    peer = await _in_chat(open_peer, live_server.url, "Kirjoittaja", width, height)
    page = peer.page
    # Fill and press Enter at once: the prompt comes from the send, not from the typing check.
    await page.fill("textarea[name=message]", CRISIS_EN)
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    await page.click("#help-panel button.secondary")
    await page.wait_for_function("() => !document.getElementById('help-panel')")
    await page.wait_for_function(
        "() => document.querySelector('form.composer .notice').contains(document.activeElement)",
        timeout=5000)
    p = await page.evaluate(PROMPT)
    where = f"{width}x{height}: {p}"
    assert not p["hidden"] and p["role"] in ("alert", "status"), where
    assert UNSENT_EN in p["text"], where  # why the text is still there
    assert p["bottom"] <= p["taTop"] + 1, where  # above the composer's text
    assert p["top"] >= 0 and p["bottom"] <= p["height"], where  # in view
    assert p["scroll"] <= p["width"], where  # no sideways scrolling
    await peer.screenshot(f"40-crisis-prompt-{width}x{height}")

    # The next Enter does not send: the choice is still waiting.
    await page.focus("textarea[name=message]")
    await page.press("textarea[name=message]", "Enter")
    await asyncio.sleep(0.6)
    assert "room.send" not in sent_events(peer), where
    assert await page.locator("#help-panel").count() == 0  # and help does not pop up again
    assert await page.input_value("textarea[name=message]") == CRISIS_EN
    assert await page.evaluate(
        "() => document.querySelector('form.composer .notice').contains(document.activeElement)")

    # "Send anyway" is the explicit choice that sends.
    await page.click("form.composer .notice button.secondary")
    await page.wait_for_selector(f"li.msg.mine >> text={CRISIS_EN}")
    # The item shows before the frame leaves (it is encrypted first): wait for the relay's answer.
    await page.wait_for_selector("li.msg.mine p.delivery[data-state=delivered]", timeout=15000)
    assert sent_events(peer).count("room.send") == 1
    await peer.context.close()


PRO = """() => ({ pro: document.querySelector('#help-panel .professional').innerText,
                   button: document.getElementById('help-button').innerText })"""


@pytest.mark.parametrize(("locale", "soon"), [("en-GB", "Soon"), ("fi-FI", "Pian"), ("sv-SE", "Snart")])
async def test_the_help_button_says_what_it_does_now(
        live_server, open_peer: OpenPeer, locale: str, soon: str) -> None:
    """The professional section offers what exists now: with the counsellor queue (issue 11) a
    request button, never a "soon"; 112 and the crisis lines stay in the same panel."""
    peer = await open_peer(live_server.url, locale=locale)
    page = peer.page
    await page.wait_for_selector("section.welcome")
    await page.click("#help-button")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    got = await page.evaluate(PRO)
    assert soon not in got["pro"], got
    assert await page.locator("#help-panel .professional #help-pro-request").count() == 1, got
    # The button's label promises nothing that is not there ("talk to a professional").
    assert len(got["button"]) <= 12, got
    assert await page.locator("#help-panel a.call[href='tel:112']").count() >= 1
    await peer.context.close()


async def test_the_rules_do_not_promise_a_professional_one_tap_away(live_server, open_peer: OpenPeer) -> None:
    for locale, words in [("en-GB", "one tap away"), ("fi-FI", "yhden napautuksen"), ("sv-SE", "ett tryck bort")]:
        peer = await open_peer(live_server.url, locale=locale)
        await peer.sign_in(None)
        await peer.page.click("li.group[aria-labelledby='group-open'] button.primary")
        await peer.page.wait_for_selector("section.rules")
        text = await peer.page.inner_text("section.rules")
        assert words not in text and "112" in text, (locale, text)
        await peer.context.close()


async def test_the_report_dialog_starts_at_the_report(live_server, open_peer: OpenPeer) -> None:
    alice = await _in_chat(open_peer, live_server.url, "Aamukaste", 1280, 800)
    bob = await _in_chat(open_peer, live_server.url, "Iltarusko", 1280, 800)
    await bob.page.fill("textarea[name=message]", "hei vaan")
    await bob.page.press("textarea[name=message]", "Enter")
    await alice.page.wait_for_selector("li.msg.theirs >> text=hei vaan", timeout=15000)
    page = alice.page
    await page.click("li.msg.theirs button[aria-label^='Report']")
    await page.wait_for_selector("dialog[open]")
    focused = await page.evaluate(
        "() => ({ name: document.activeElement.name, type: document.activeElement.type })")
    assert focused == {"name": "report-reason", "type": "radio"}, focused
    # The quick exit is still in the dialog, one Shift+Tab away (not the first stop).
    assert await page.locator("dialog[open] .dialog-exit").count() == 1
    await page.keyboard.press("Shift+Tab")
    assert await page.evaluate("() => document.activeElement.classList.contains('dialog-exit')")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # sends the report (or says it cannot yet): no exit
    await page.wait_for_selector("dialog[open] p[role=status]:not(:empty)")
    assert "away.html" not in page.url
    await alice.context.close()
    await bob.context.close()
