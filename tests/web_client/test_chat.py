"""Two browser peers in the always-open group; the send path refuses to send plaintext."""

from __future__ import annotations

import json

from tests.web_client.conftest import OpenPeer, Peer


def sent_events(peer: Peer) -> list[str]:
    """Names of the Socket.IO events this page sent ("42[<id>][\"name\", ...]" frames)."""
    names = []
    for frame in peer.frames_sent:
        if frame.startswith("42"):
            body = frame[2:].lstrip("0123456789")
            names.append(json.loads(body)[0])
    return names


async def test_two_peers_join_open_and_see_each_other(live_server, open_peer: OpenPeer) -> None:
    alice = await open_peer(live_server.url)
    bob = await open_peer(live_server.url, locale="fi-FI")
    await alice.sign_in("Aamukaste")
    await bob.sign_in("Iltarusko")
    await alice.page.click("li.group[aria-labelledby='group-open'] button.primary")
    await alice.page.wait_for_selector("section.rules")
    await alice.screenshot("03-rules")
    await alice.page.click("section.rules button.primary")
    await alice.page.wait_for_selector("section.chat")
    await bob.join_open_group()

    # Alice hears the server-signed membership push and now counts two people.
    await alice.page.wait_for_function(
        "document.querySelector('.chat-meta').textContent.startsWith('2 people')")
    await alice.page.wait_for_selector("li.msg.system >> text=Iltarusko joined")
    meta = await bob.page.locator(".chat-meta").inner_text()
    assert meta.startswith("2 paikalla"), meta
    await alice.page.click(".members-box summary")
    members = await alice.page.locator(".members li").all_inner_texts()
    assert any("Iltarusko" in m for m in members) and any("Aamukaste" in m for m in members)

    # Without the e2ee port the send path must refuse and put nothing on the wire.
    await alice.page.fill("textarea[name=message]", "hei kaikki, ensimmäinen ilta täällä")
    await alice.page.click("form.composer button[type=submit]")
    notice = alice.page.locator("form.composer .notice")
    await notice.wait_for(state="visible")
    assert "Encryption is not ready" in await notice.inner_text()
    assert await alice.page.input_value("textarea[name=message]") == "hei kaikki, ensimmäinen ilta täällä"
    assert "room.send" not in sent_events(alice)
    assert all("ensimmäinen" not in f for f in alice.frames_sent)
    assert "group.join" in sent_events(alice)
    await alice.screenshot("04-chat")
    await bob.screenshot("04-chat-fi")
    assert alice.unexpected_console_errors() == [] and bob.unexpected_console_errors() == []
    await alice.context.close()
    await bob.context.close()
