"""The 1:1 chat, second pass (issue 12): it has the group chat's layout (the list scrolls on its
own, the composer is pinned, "new messages below", delivery states), and either side can end
it: the other is told through an end-to-end encrypted control message, both drop its messages,
and either can ask again."""

from __future__ import annotations

import pytest

from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_chat_layout import LAYOUT
from tests.web_client.test_interop import TIMEOUT_MS, wait_ready

OPEN_DIRECT = "(name) => window.iltapiiri.router.show('direct', { peer: name })"

FILL = """([peer, n]) => {
  const d = window.iltapiiri.directs; const c = d.get(peer);
  for (let i = 0; i < n; i += 1) {
    const message = { id: `x-${i}`, ts: Date.now(), sender: peer, mine: false, text: `rivi ${i}` };
    c.messages.push(message);
    d.fire('message', { convo: c, message });
  }
}"""


async def open_chat(open_peer: OpenPeer, url: str, width: int = 1280, height: int = 800,
                    names: tuple[str, str] = ("Aliisa", "Bertta")) -> tuple[Peer, Peer]:
    """Alice asks Bertta for a 1:1 chat and Bertta accepts: both see the composer."""
    alice = await open_peer(url, width=width, height=height)
    bertta = await open_peer(url)
    await alice.sign_in(names[0])
    await bertta.sign_in(names[1])
    await wait_ready(alice)
    await wait_ready(bertta)
    await alice.page.evaluate(OPEN_DIRECT, names[1])
    await alice.page.click(f"section.direct button.primary >> text=Ask {names[1]}")
    await bertta.page.wait_for_function(
        "() => window.iltapiiri.directs.list().some((c) => c.state === 'incoming')", timeout=TIMEOUT_MS)
    await bertta.page.evaluate(OPEN_DIRECT, names[0])
    await bertta.page.click("section.direct button.primary >> text=Yes, let")
    await alice.page.wait_for_selector("section.direct form.composer", timeout=TIMEOUT_MS)
    return alice, bertta


async def say(peer: Peer, text: str) -> None:
    await peer.page.fill("section.direct textarea[name=message]", text)
    await peer.page.press("section.direct textarea[name=message]", "Enter")


@pytest.mark.parametrize(("width", "height"), [(360, 740), (640, 400)])
async def test_the_private_chat_is_laid_out_like_the_group_chat(
        live_server, open_peer: OpenPeer, width: int, height: int) -> None:
    alice, bertta = await open_chat(open_peer, live_server.url, width, height)
    page = alice.page
    await say(alice, "hei Bertta")
    # My message shows its delivery state, as in a group.
    await page.wait_for_selector("section.direct li.msg.mine .delivery[data-state=delivered]", timeout=TIMEOUT_MS)
    await page.evaluate(FILL, ["Bertta", 40])
    await page.wait_for_timeout(100)
    g = await page.evaluate(LAYOUT)
    where = f"{width}x{height}: {g}"
    assert await page.locator("section.direct.chat-layout").count() == 1
    assert g["pageScrollW"] <= width and g["pageScrollH"] <= height + 1, where
    assert g["listScrolls"] and g["atBottom"], where
    assert g["input"]["bottom"] <= height and height - g["input"]["bottom"] < 80, where
    assert g["exit"]["right"] <= width and g["exit"]["top"] >= 0, where
    # The end control is in view, beside the chat's name.
    end = await page.locator("section.direct .end-button").bounding_box()
    assert end and end["y"] >= 0 and end["y"] + end["height"] <= height, where
    await alice.screenshot(f"43-direct-{width}x{height}")

    # Scrolled up: a new message does not pull the list down; "new messages below" says so.
    await page.evaluate("() => { document.querySelector('ol.messages').scrollTop = 0; }")
    await say(bertta, "tässä vielä yksi")
    await page.wait_for_selector("li.msg.theirs >> text=tässä vielä yksi", state="attached", timeout=TIMEOUT_MS)
    button = page.locator("button.new-below")
    await button.wait_for(state="visible")
    assert await page.evaluate("() => document.querySelector('ol.messages').scrollTop") < 50
    await button.click()
    await button.wait_for(state="hidden")
    assert (await page.evaluate(LAYOUT))["atBottom"]
    await alice.context.close()
    await bertta.context.close()


async def test_a_message_without_a_connection_says_not_sent_and_retries(
        live_server, open_peer: OpenPeer) -> None:
    alice, bertta = await open_chat(open_peer, live_server.url)
    page = alice.page
    # The relay does not answer in time: the message stays, "not sent", with a retry.
    await page.evaluate("""() => { const m = window.iltapiiri.messaging; m.realSend = m.sendDirectText;
      m.sendDirectText = async () => { throw { code: 'timeout' }; }; }""")
    await say(alice, "menikö tämä perille")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=failed] >> text=Not sent", timeout=TIMEOUT_MS)
    assert await page.input_value("section.direct textarea[name=message]") == ""
    await page.evaluate("() => { const m = window.iltapiiri.messaging; m.sendDirectText = m.realSend; }")
    await page.click("li.msg.mine button:has-text('Retry')")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]", timeout=TIMEOUT_MS)
    await bertta.page.wait_for_selector("li.msg.theirs >> text=menikö tämä perille", timeout=TIMEOUT_MS)
    assert await page.locator("li.msg.mine").count() == 1
    await alice.context.close()
    await bertta.context.close()


async def test_either_side_can_end_the_chat_and_start_again(live_server, open_peer: OpenPeer) -> None:
    alice, bertta = await open_chat(open_peer, live_server.url)
    await say(alice, "salainen lause yksi")
    await bertta.page.wait_for_selector("li.msg.theirs >> text=salainen lause yksi", timeout=TIMEOUT_MS)
    await say(bertta, "vastaus kaksi")
    await alice.page.wait_for_selector("li.msg.theirs >> text=vastaus kaksi", timeout=TIMEOUT_MS)
    frames = len(alice.frames_sent)

    # A visible control, one explicit confirmation.
    await alice.page.click("section.direct .end-button")
    await alice.page.click("section.direct .end-chat button.danger")
    await alice.page.wait_for_selector("text=You ended the chat with Bertta.")
    # Bertta is told, by name, and the chat's messages leave both devices (page memory).
    await bertta.page.wait_for_selector("section.direct p.ended >> text=Aliisa ended the chat.", timeout=TIMEOUT_MS)
    for peer, name in ((alice, "Bertta"), (bertta, "Aliisa")):
        assert await peer.page.locator("li.msg").count() == 0
        assert await peer.page.evaluate("(n) => window.iltapiiri.directs.get(n).messages.length", name) == 0
        assert await peer.page.evaluate("(n) => window.iltapiiri.directs.get(n).state", name) == "ended"
        assert await peer.page.locator("form.composer").count() == 0
    # The end went as an encrypted direct envelope: nothing readable on the wire.
    ended = alice.frames_sent[frames:]
    assert any('"direct.send"' in f for f in ended), ended
    assert all("dm_end" not in f and "ended" not in f for f in ended), ended

    # Bertta starts again later; Alice accepts; the new chat opens empty.
    await bertta.page.click("section.direct button.primary >> text=Ask Aliisa again")
    await alice.page.wait_for_selector("section.direct button:has-text('Yes, let')", timeout=TIMEOUT_MS)
    await alice.page.click("section.direct button:has-text('Yes, let')")
    await bertta.page.wait_for_selector("section.direct form.composer", timeout=TIMEOUT_MS)
    await say(bertta, "uusi alku")
    await alice.page.wait_for_selector("li.msg.theirs >> text=uusi alku", timeout=TIMEOUT_MS)
    assert await alice.page.locator("li.msg").count() == 1
    await alice.context.close()
    await bertta.context.close()


async def test_typing_shows_on_the_other_side_without_content(live_server, open_peer: OpenPeer) -> None:
    alice, bertta = await open_chat(open_peer, live_server.url)
    note = alice.page.locator("section.direct p.typing")
    assert await note.is_hidden()
    frames = len(bertta.frames_sent)
    await bertta.page.type("section.direct textarea[name=message]", "kirjoitan jotain pitkää")
    await note.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert await note.inner_text() == "Bertta is typing…"
    assert await note.get_attribute("role") == "status"
    typing = [f for f in bertta.frames_sent[frames:] if '"direct.typing"' in f]
    # Throttled (one per few seconds, not one per key) and content-free.
    assert 1 <= len(typing) <= 2, typing
    assert all("kirjoitan" not in f and "pitk" not in f for f in bertta.frames_sent[frames:])
    assert all(f.endswith('{"to":"Aliisa"}]') for f in typing), typing
    # The message itself ends it at once.
    await bertta.page.press("section.direct textarea[name=message]", "Enter")
    await alice.page.wait_for_selector("li.msg.theirs >> text=kirjoitan jotain pitkää", timeout=TIMEOUT_MS)
    assert await note.is_hidden()
    await alice.context.close()
    await bertta.context.close()
