"""A chat that works like one on a phone (issue 12): a one-row header with the navigation in a
menu, the message list scrolling on its own with the newest message in view, the composer
pinned to the bottom, "new messages below" when scrolled up, quick exit one tap away, no
sideways scrolling at 200 % zoom; themes; right-to-left messages; the moderator badge."""

from __future__ import annotations

import pytest

from client import StaffClient
from tests.server.mod_harness import STAFF_PASSWORD, staff_token
from tests.web_client.conftest import OpenPeer, Peer

READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"

LAYOUT = """() => {
  const r = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const b = e.getBoundingClientRect(); return { top: b.top, bottom: b.bottom, left: b.left, right: b.right }; };
  const list = document.querySelector('ol.messages');
  return { header: r('#top'), brand: r('.brand'), help: r('#help-button'), exit: r('#exit-button'),
           menu: r('#menu-button'), input: r('textarea[name=message]'), send: r('form.composer button[type=submit]'),
           list: r('ol.messages'), height: window.innerHeight, width: window.innerWidth,
           pageScrollH: document.scrollingElement.scrollHeight, pageScrollW: document.scrollingElement.scrollWidth,
           listScrolls: list.scrollHeight > list.clientHeight,
           atBottom: list.scrollHeight - list.scrollTop - list.clientHeight < 2 };
}"""

FILL = """(n) => {
  const s = window.iltapiiri; const room = s.rooms.get([...s.session.rooms.keys()][0]);
  for (let i = 0; i < n; i += 1) {
    s.rooms.add(room, { id: `x-${i}`, ts: Date.now(), sender: 'Iltarusko', mine: false,
      text: `viesti numero ${i}` });
  }
}"""


def mid(r: dict) -> float:
    return (r["top"] + r["bottom"]) / 2


async def _two_in_chat(open_peer: OpenPeer, url: str, width: int, height: int) -> tuple[Peer, Peer]:
    alice = await open_peer(url, width=width, height=height)
    bob = await open_peer(url)
    await alice.sign_in("Aamukaste")
    await bob.sign_in("Iltarusko")
    await alice.join_open_group()
    await bob.join_open_group()
    await alice.page.wait_for_function(READY)
    await bob.page.wait_for_function(READY)
    return alice, bob


@pytest.mark.parametrize(("width", "height"), [(360, 740), (640, 400), (1280, 800)])
async def test_the_chat_is_laid_out_like_a_chat(live_server, open_peer: OpenPeer, width: int, height: int) -> None:
    alice, bob = await _two_in_chat(open_peer, live_server.url, width, height)
    page = alice.page
    await page.evaluate(FILL, 40)
    await page.wait_for_timeout(100)
    g = await page.evaluate(LAYOUT)
    where = f"{width}x{height}: {g}"
    # The page does not scroll, sideways or down: the message list does, newest in view.
    assert g["pageScrollW"] <= width and g["pageScrollH"] <= height + 1, where
    assert g["listScrolls"] and g["atBottom"], where
    # The composer is pinned at the bottom, in view; the quick exit on screen.
    assert g["input"]["bottom"] <= height and g["send"]["bottom"] <= height, where
    assert height - g["input"]["bottom"] < 80, where
    assert g["exit"]["right"] <= width and g["exit"]["top"] >= 0, where
    if width < 1000:
        # One compact row: name, help, menu, quick exit.
        assert g["header"]["bottom"] - g["header"]["top"] <= 64, where
        for key in ("help", "exit", "menu"):
            assert abs(mid(g[key]) - mid(g["brand"])) < 12, (key, where)
    await alice.screenshot(f"41-chat-{width}x{height}")

    # Scrolled up to read: a new message does not pull the list down, a button says so.
    await page.evaluate("() => { document.querySelector('ol.messages').scrollTop = 0; }")
    await bob.page.fill("textarea[name=message]", "uusi viesti alhaalla")
    await bob.page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.theirs >> text=uusi viesti alhaalla", state="attached",
                                 timeout=15000)
    button = page.locator("button.new-below")
    await button.wait_for(state="visible")
    assert await page.evaluate("() => document.querySelector('ol.messages').scrollTop") < 50
    await button.click()
    await button.wait_for(state="hidden")
    assert (await page.evaluate(LAYOUT))["atBottom"]

    # "My identity" is reachable from the header (in the menu on a phone).
    await alice.nav("identity")
    assert await page.evaluate("() => document.scrollingElement.scrollWidth") <= width
    await alice.context.close()
    await bob.context.close()


async def test_themes_follow_the_device_and_the_switch_is_remembered(
        live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await page.wait_for_selector("section.welcome")
    bg = "() => getComputedStyle(document.body).backgroundColor"
    await page.emulate_media(color_scheme="dark")
    dark = await page.evaluate(bg)
    await page.emulate_media(color_scheme="light")
    light = await page.evaluate(bg)
    assert dark != light, (dark, light)
    assert light == "rgb(250, 247, 242)" and dark == "rgb(29, 26, 43)"
    # The switch overrides the device, and the choice is kept on this device.
    await page.select_option("#theme", "dark")
    assert await page.evaluate(bg) == dark
    await page.reload()
    await page.wait_for_selector("section.welcome")
    assert await page.evaluate(bg) == dark
    assert await page.input_value("#theme") == "dark"
    await page.select_option("#theme", "auto")
    assert await page.evaluate(bg) == light
    await peer.context.close()


async def test_a_hebrew_or_arabic_message_reads_right_to_left(live_server, open_peer: OpenPeer) -> None:
    alice, bob = await _two_in_chat(open_peer, live_server.url, 1280, 800)
    for text in ("שלום לכולם, ערב טוב", "مساء الخير للجميع"):
        await bob.page.fill("textarea[name=message]", text)
        await bob.page.press("textarea[name=message]", "Enter")
        item = alice.page.locator(f"li.msg.theirs .msg-text >> text={text}")
        await item.wait_for(timeout=15000)
        assert await item.evaluate("(e) => e.matches(':dir(rtl)')"), text
        assert await item.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    # Finnish stays left to right; names carry dir=auto as well.
    assert await alice.page.locator("li.msg .sender[dir=auto]").count() >= 2
    await alice.page.click(".members-box summary")
    assert await alice.page.locator(".members .name[dir=auto]").count() == 2
    await alice.context.close()
    await bob.context.close()


FORGED_ROLES = """async () => {
  const s = window.iltapiiri; const id = [...s.session.rooms.keys()][0]; const room = s.rooms.get(id);
  const members = room.members.map((m) => ({ ...m, role: 'moderator' }));
  await s.rooms.onMembership({ room: id, epoch: room.epoch + 1, event: 'joined',
    pseudonym: members[0].pseudonym, identity_key: members[0].identity_key, role: 'moderator',
    members, at: Date.now(), sig: btoa(String.fromCharCode(...new Uint8Array(64))) });
}"""

KEY = """async () => {
  const { createIdentity } = await import('/js/identity/store.js');
  const id = await createIdentity();
  return id.publicKeyB64;
}"""


async def test_the_moderator_badge_comes_from_the_servers_member_list(
        live_server, open_peer: OpenPeer) -> None:
    """A staff moderator (a real account, signed in on the socket with its cookie) is marked in
    the member list and by their messages, because the signed membership says so; a peer is
    not, and a push whose roles are not signed leaves no badge at all."""
    await staff_token(live_server, "Olli Iltala")
    peer = await open_peer(live_server.url, locale="fi-FI")
    await peer.sign_in("Veera")
    await peer.join_open_group()
    await peer.page.wait_for_function(READY)
    staff = await StaffClient.login(live_server.url, "Olli Iltala", STAFF_PASSWORD)
    group = await staff.join_group("open")
    await group.send("tervetuloa kaikille")
    page = peer.page
    await page.wait_for_selector("li.msg.theirs >> text=tervetuloa kaikille", timeout=15000)
    assert await page.inner_text("li.msg.theirs .badge-moderator") == "ohjaaja"
    await page.click(".members-box summary")
    rows = await page.locator(".members li").all_inner_texts()
    mod_row = next(r for r in rows if "Olli Iltala" in r)
    peer_row = next(r for r in rows if "Veera" in r)
    assert "ohjaaja" in mod_row and "ohjaaja" not in peer_row, rows
    assert await page.locator(".members .badge-moderator").count() == 1
    # A membership push whose roles are not the server's signed word (Veera "moderator",
    # signature of nobody): the list takes the names, and no badge survives (protocol v2).
    await page.evaluate(FORGED_ROLES)
    await page.wait_for_function(
        "() => document.querySelectorAll('.members .badge-moderator').length === 0")
    rows = await page.locator(".members li").all_inner_texts()
    assert any("Veera" in r for r in rows) and not any("ohjaaja" in r for r in rows), rows
    await staff.close()
    await peer.context.close()
