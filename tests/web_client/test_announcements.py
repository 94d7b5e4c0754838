"""What a screen reader hears in a chat, and a draft across a language switch.

- A new message is announced as "sender: text" only: the log itself is not a live region (a live
  log reads each new item whole, its "Talk privately" and "Report" button labels and time too);
  a visually hidden announcer gets just the words.
- Switching the language redraws the chat: the half-written reply, the caret and the focus stay.
"""

from __future__ import annotations

from client import PeerClient
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_interop import (
    open_direct_view,
    ready_in_open_group,
    see_message,
    wait_ready,
)

LIVE_REGIONS = """(root) => [...document.querySelectorAll(`${root} [aria-live], ${root} [role=log],
  ${root} [role=status], ${root} [role=alert]`)]
  .filter((el) => el.getAttribute('aria-live') !== 'off')
  .map((el) => ({ cls: el.className, text: el.textContent }))"""


async def spoken(peer: Peer, root: str) -> list[str]:
    return list(await peer.page.evaluate(
        "(root) => [...document.querySelectorAll(`${root} .announcer p`)].map((p) => p.textContent)", root))


async def test_a_group_message_is_announced_as_sender_and_text_only(live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Kertoja")
    try:
        group = await py.join_group("open")
        peer = await ready_in_open_group(open_peer, live_server.url, "Kuulija")
        page = peer.page
        await group.send("hyvää iltaa kaikille")
        await see_message(peer, "hyvää iltaa kaikille")
        await page.wait_for_function(
            "() => [...document.querySelectorAll('section.chat .announcer p')].length > 0")
        said = await spoken(peer, "section.chat")
        assert said[-1] == "Python Kertoja: hyvää iltaa kaikille", said
        # Nothing else in the chat speaks by itself: not the log with its buttons.
        regions = await page.evaluate(LIVE_REGIONS, "section.chat")
        live_with_buttons = [r for r in regions if "Report" in r["text"] or "Talk privately" in r["text"]]
        assert live_with_buttons == [], regions
        assert await page.get_attribute("section.chat ol.messages", "role") is None
        # My own message is shown, not announced back to me.
        await page.fill("textarea[name=message]", "kiitos samoin")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("section.chat li.msg.mine >> text=kiitos samoin")
        assert all("kiitos samoin" not in s for s in await spoken(peer, "section.chat"))
        await peer.context.close()
    finally:
        await py.close()


async def test_a_private_message_is_announced_as_sender_and_text_only(live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Kaveri")
    try:
        peer = await open_peer(live_server.url)
        await peer.sign_in("Kahden Kesken")
        await wait_ready(peer)
        dm = await py.open_direct("Kahden Kesken")
        await dm.send("ensimmäinen")
        await open_direct_view(peer, "Python Kaveri")
        await see_message(peer, "ensimmäinen")
        await dm.send("oletko siellä?")
        await see_message(peer, "oletko siellä?")
        assert (await spoken(peer, "section.direct"))[-1] == "Python Kaveri: oletko siellä?"
        assert await peer.page.get_attribute("section.direct ol.messages", "aria-live") is None
        await peer.context.close()
    finally:
        await py.close()


SET_LANGUAGE = """async (lang) => (await import('/js/i18n.js')).setLanguage(lang)"""
CARET = """() => { const el = document.activeElement;
  return { name: el.getAttribute('name'), start: el.selectionStart, end: el.selectionEnd }; }"""


async def test_switching_language_keeps_the_draft_caret_and_focus(live_server, open_peer: OpenPeer) -> None:
    peer = await ready_in_open_group(open_peer, live_server.url, "Kielivaihto")
    page = peer.page
    await page.focus("textarea[name=message]")
    await page.keyboard.type("puoliksi kirjoitettu ajatus")
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("ArrowLeft")
    await page.evaluate(SET_LANGUAGE, "fi")
    await page.wait_for_selector("section.chat form.composer button[type=submit] >> text=Lähetä")
    assert await page.input_value("textarea[name=message]") == "puoliksi kirjoitettu ajatus"
    caret = await page.evaluate(CARET)
    assert caret == {"name": "message", "start": 25, "end": 25}, caret
    # With the header's language menu too (the focus stays on the menu there).
    await page.select_option("#lang", "sv")
    await page.wait_for_selector("section.chat form.composer button[type=submit] >> text=Skicka")
    assert await page.input_value("textarea[name=message]") == "puoliksi kirjoitettu ajatus"
    # Sent, the draft is gone for good: another redraw shows an empty composer.
    await page.focus("textarea[name=message]")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("section.chat li.msg.mine >> text=puoliksi kirjoitettu ajatus")
    await page.evaluate(SET_LANGUAGE, "en")
    await page.wait_for_selector("section.chat form.composer button[type=submit] >> text=Send")
    assert await page.input_value("textarea[name=message]") == ""
    assert peer.unexpected_console_errors() == []
    await peer.context.close()


SEND_THEN_SWITCH = """async (lang) => {
  const box = document.querySelector('textarea[name=message]');
  box.focus();
  box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
  // Redrawn in the same task: the send is certainly still in flight when the view is replaced.
  (await import('/js/i18n.js')).setLanguage(lang);
}"""


async def test_a_send_finishing_after_a_redraw_clears_the_new_composer(live_server, open_peer: OpenPeer) -> None:
    """A language switch while a message is on its way must not leave the sent words in the
    composer drawn after it (where the next Enter would send them twice)."""
    peer = await ready_in_open_group(open_peer, live_server.url, "Kesken lähetyksen")
    page = peer.page
    await page.focus("textarea[name=message]")
    await page.keyboard.type("lähtee juuri nyt")
    await page.evaluate(SEND_THEN_SWITCH, "sv")
    await page.wait_for_selector("section.chat li.msg.mine >> text=lähtee juuri nyt")
    await page.wait_for_selector("section.chat form.composer button[type=submit] >> text=Skicka")
    await page.wait_for_function(
        "() => document.querySelector('textarea[name=message]').value === ''", timeout=5000)
    await page.evaluate(SET_LANGUAGE, "en")
    await page.wait_for_selector("section.chat form.composer button[type=submit] >> text=Send")
    assert await page.input_value("textarea[name=message]") == ""
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
