"""Keyboard and screen-reader pass over the chat views.

- A chat log must grow by the new message only: a redraw that replaces the
  log makes a screen reader read the whole conversation again (or nothing), and a redraw that
  replaces the composer throws away a half-written reply and the keyboard focus.
- Focus goes to the new view's heading on navigation, and stays on the control a person used
  when only that part of the page changes (mute, block, language).
- The quick exit (Escape twice) works while typing in the composer.
"""

from __future__ import annotations

from client import PeerClient
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_interop import (
    TIMEOUT_MS,
    open_direct_view,
    ready_in_open_group,
    see_message,
    wait_ready,
)

WATCH_LOG = """(selector) => {
  const log = document.querySelector(selector);
  log.dataset.watched = '1';
  window.__log = { added: [], removed: 0 };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) window.__log.added.push(n.textContent);
      window.__log.removed += r.removedNodes.length;
    }
  }).observe(log, { childList: true });
}"""

FOCUSED = """() => { const el = document.activeElement;
  return { tag: el.tagName.toLowerCase(), name: el.getAttribute('name'), id: el.id,
           label: el.getAttribute('aria-label'), pressed: el.getAttribute('aria-pressed'),
           text: el.textContent.trim().slice(0, 60), view: document.querySelector('main').dataset.view }; }"""


CLOSE_ROOM = """() => window.iltapiiri.session.fire('group.closed',
  { room: [...window.iltapiiri.session.rooms.keys()][0], reason: 'ended' })"""


async def focused(peer: Peer) -> dict[str, str | None]:
    return dict(await peer.page.evaluate(FOCUSED))


async def log_changes(peer: Peer) -> dict[str, object]:
    return dict(await peer.page.evaluate("() => { const l = window.__log; window.__log = { added: [], removed: 0 }; return l; }"))


async def test_the_group_log_grows_by_one_message_and_mute_keeps_focus_and_draft(
        live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Kertoja")
    try:
        group = await py.join_group("open")
        peer = await ready_in_open_group(open_peer, live_server.url, "Kuuntelija")
        page = peer.page
        await group.send("ensimmäinen")
        await see_message(peer, "ensimmäinen")
        await page.evaluate(WATCH_LOG, "section.chat ol.messages")

        # A half-written reply with the focus in the composer; a message arrives meanwhile.
        await page.focus("textarea[name=message]")
        await page.keyboard.type("kirjoitan vielä")
        await group.send("toinen")
        await see_message(peer, "toinen")
        changes = await log_changes(peer)
        assert changes["removed"] == 0 and len(changes["added"]) == 1 and "toinen" in changes["added"][0]
        assert await page.input_value("textarea[name=message]") == "kirjoitan vielä"
        assert (await focused(peer))["name"] == "message"

        # Mute by keyboard: the focus stays on the same (now "Unmute") button; the log and the
        # draft are the same ones (no redraw of the whole view).
        await page.click(".members-box summary")
        await page.focus("button[aria-label='Mute: Python Kertoja']")
        await page.keyboard.press("Enter")
        now = await focused(peer)
        assert (now["label"], now["pressed"]) == ("Unmute: Python Kertoja", "true"), now
        assert await page.locator("section.chat ol.messages[data-watched]").count() == 1
        assert await page.input_value("textarea[name=message]") == "kirjoitan vielä"
        await page.keyboard.press("Enter")
        now = await focused(peer)
        assert (now["label"], now["pressed"]) == ("Mute: Python Kertoja", "false"), now
        assert (await log_changes(peer))["removed"] == 0

        # The night ends while someone is typing: the goodbye takes the focus, not <body>.
        await page.focus("textarea[name=message]")
        await page.evaluate(CLOSE_ROOM)
        await page.wait_for_selector("section.chat .goodbye")
        now = await focused(peer)
        assert (now["tag"], now["text"]) == ("h2", "Thank you for tonight"), now
        assert peer.unexpected_console_errors() == []
        await peer.context.close()
    finally:
        await py.close()


async def test_the_private_chat_log_grows_by_one_message_and_keeps_the_draft(
        live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Kaveri")
    try:
        peer = await open_peer(live_server.url)
        page = peer.page
        await peer.sign_in("Kahdenkesken")
        await wait_ready(peer)
        dm = await py.open_direct("Kahdenkesken")
        await dm.send("hei sinä")
        await open_direct_view(peer, "Python Kaveri")
        await see_message(peer, "hei sinä")
        await page.evaluate(WATCH_LOG, "section.direct ol.messages")

        await page.focus("section.direct textarea[name=message]")
        await page.keyboard.type("puolikas vastaus")
        await dm.send("toinen viesti")
        await see_message(peer, "toinen viesti")
        changes = await log_changes(peer)
        assert changes["removed"] == 0 and len(changes["added"]) == 1, changes
        assert "toinen viesti" in changes["added"][0]
        assert await page.locator("section.direct ol.messages[data-watched]").count() == 1
        assert await page.input_value("section.direct textarea[name=message]") == "puolikas vastaus"
        assert (await focused(peer))["name"] == "message"

        # Sending with Enter: the composer empties and keeps the focus for the next line.
        await page.keyboard.press("Enter")
        await page.wait_for_selector("section.direct li.msg.mine >> text=puolikas vastaus", timeout=TIMEOUT_MS)
        assert (await dm.next_message(timeout=15)).text == "puolikas vastaus"
        changes = await log_changes(peer)
        assert changes["removed"] == 0 and len(changes["added"]) == 1, changes
        assert (await focused(peer))["name"] == "message"
        assert await page.input_value("section.direct textarea[name=message]") == ""

        # Mute (for yourself, under the chat's options) keeps the focus on its button.
        await page.click("section.direct .tools-box summary")
        await page.focus("section.direct .tools button[aria-pressed]")
        await page.keyboard.press("Enter")
        now = await focused(peer)
        assert now["pressed"] == "true" and now["text"] == "Unmute", now
        assert peer.unexpected_console_errors() == []
        await peer.context.close()
    finally:
        await py.close()


async def test_focus_follows_the_views_and_stays_on_the_language_menu(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Nappaimisto")
    assert (await focused(peer))["tag"] == "h1"
    for view in ("days", "identity", "direct", "groups"):
        await page.focus(f"button.navlink[data-view={view}]")
        await page.keyboard.press("Enter")
        await page.wait_for_selector(f"main[data-view={view}]")
        now = await focused(peer)
        assert (now["tag"], now["view"]) == ("h1", view), now
    await peer.join_open_group()
    assert (await focused(peer))["tag"] == "h1"
    await page.focus("section.chat .chat-head button.secondary")
    await page.keyboard.press("Enter")  # Leave
    await page.wait_for_selector("main[data-view=groups]")
    now = await focused(peer)
    assert (now["tag"], now["view"]) == ("h1", "groups"), now
    # Changing the language redraws the header and the view; the menu keeps the focus.
    await page.focus("#lang")
    await page.select_option("#lang", "sv")
    await page.wait_for_function("document.documentElement.lang === 'sv'")
    assert (await focused(peer))["id"] == "lang"
    await peer.context.close()


async def test_escape_twice_leaves_from_the_composer(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Pakotie")
    await peer.join_open_group()
    await page.focus("textarea[name=message]")
    await page.keyboard.type("tätä ei saa jäädä näkyviin")
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")
    await page.wait_for_selector("h1 >> text=Weather notes", timeout=TIMEOUT_MS)
    assert "tätä ei saa" not in await page.content()
    assert "/away.html" in page.url
    await peer.context.close()
