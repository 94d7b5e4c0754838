"""Unread counts (issue 12): per group room and per 1:1 chat, on the navigation, the phone's menu
button and the chats list, the total in the tab title, cleared when the chat is viewed; the
optional sound and browser notification (off by default; the notification never says who
wrote or what). The Notification spy is the test's own, installed over the browser's."""

from __future__ import annotations

from client import PeerClient
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_interop import TIMEOUT_MS, wait_ready

SPY = """() => {
  window.__notes = [];
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) { window.__notes.push({ title, options: options || {} }); super(title, options); }
  };
}"""
TITLE = "() => document.title"


async def badge(peer: Peer, view: str) -> str:
    loc = peer.page.locator(f"button.navlink[data-view={view}] .unread-badge")
    return await loc.inner_text() if await loc.count() else ""


async def test_unread_counts_title_sound_and_a_notification_without_content(
        live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Ystava")
    try:
        alice = await open_peer(live_server.url, width=360, height=740)
        page = alice.page
        await alice.context.grant_permissions(["notifications"], origin=live_server.url)
        await page.evaluate(SPY)
        await alice.sign_in("Aliisa")
        await wait_ready(alice)
        await alice.join_open_group()
        group = await py.join_group("open")
        await page.wait_for_selector("li.msg.system >> text=Python Ystava joined", timeout=TIMEOUT_MS)
        # In view: a message in the open chat is not unread.
        await group.send("näen tämän heti")
        await page.wait_for_selector("li.msg.theirs >> text=näen tämän heti", timeout=TIMEOUT_MS)
        assert not (await page.evaluate(TITLE)).startswith("(")

        await alice.nav("days")
        await group.send("eka")
        await group.send("toka")
        await page.wait_for_function("() => document.title.startsWith('(2) ')", timeout=TIMEOUT_MS)
        assert await page.get_attribute("#menu-button", "data-unread") == "2"
        assert "2 unread" in (await page.get_attribute("#menu-button", "aria-label") or "")
        assert await badge(alice, "groups") == "2"
        # Said in words to a screen reader (the number badge itself is aria-hidden).
        assert (await page.text_content("button.navlink[data-view=groups] .nav-extra") or "").strip() == "(2 unread)"
        # Off by default: no sound, no notification.
        assert await page.evaluate("() => window.__notes.length") == 0
        assert await page.evaluate("() => window.iltapiiri.unread.beeps || 0") == 0

        # Turned on in settings (the browser's permission is asked then; granted here).
        await alice.nav("settings")
        await page.check("#alert-sound")
        await page.check("#alert-notify")
        assert await page.is_checked("#alert-notify")
        assert await page.evaluate("() => JSON.parse(localStorage.getItem('iltapiiri.alerts'))") == {
            "sound": True, "notify": True}

        dm = await py.open_direct("Aliisa")
        await dm.send("salainen sisältö")
        await page.wait_for_function("() => document.title.startsWith('(3) ')", timeout=TIMEOUT_MS)
        notes = await page.evaluate("() => window.__notes")
        assert len(notes) == 1, notes
        shown = repr(notes)
        assert notes[0]["title"] == "New message in Iltapiiri"
        assert "salainen" not in shown and "Python" not in shown and "Ystava" not in shown, shown
        assert await page.evaluate("() => window.iltapiiri.unread.beeps") == 1

        # The chats list says which chat; viewing it clears its count, and only its count.
        await alice.nav("direct")
        assert await page.inner_text("ul.convo-list .unread-badge") == "1"
        await page.click("ul.convo-list button >> text=Python Ystava")
        await page.wait_for_selector("li.msg.theirs >> text=salainen sisältö")
        await page.wait_for_function("() => document.title.startsWith('(2) ')")
        assert await badge(alice, "direct") == ""
        await alice.nav("groups")
        # The groups list says it beside the room too.
        back = page.locator("li.group[aria-labelledby='group-open'] button.primary")
        assert await back.locator(".unread-badge").inner_text() == "2"
        assert "(2 unread)" in (await back.text_content() or "")
        await back.click()
        await page.wait_for_selector("section.chat li.msg.theirs >> text=toka")
        await page.wait_for_function("() => !document.title.startsWith('(')")
        assert await page.get_attribute("#menu-button", "data-unread") == ""
        assert page.url.startswith(live_server.url)
        await alice.context.close()
    finally:
        await py.close()
