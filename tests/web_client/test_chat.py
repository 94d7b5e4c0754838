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

    # End to end: Bob reads Alice's words; the relay only ever saw ciphertext.
    text = "hei kaikki, ensimmäinen ilta täällä"
    await alice.page.wait_for_function("window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    await bob.page.wait_for_function("window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    await alice.page.fill("textarea[name=message]", text)
    await alice.page.press("textarea[name=message]", "Enter")
    await alice.page.wait_for_selector(f"li.msg.mine >> text={text}")
    await bob.page.wait_for_selector(f"li.msg.theirs >> text={text}", timeout=15000)
    assert await alice.page.input_value("textarea[name=message]") == ""
    assert "room.send" in sent_events(alice)
    assert all("ensimmäinen" not in f for f in alice.frames_sent)
    # Nor does any console line on either side carry the words.
    assert all("ensimmäinen" not in line for line in alice.console_all + bob.console_all)
    # The report button's franking data is kept with the message Bob sees.
    franking = await bob.page.evaluate("""() => {
        const s = window.iltapiiri; const room = [...s.session.rooms.keys()][0];
        const m = s.rooms.get(room).messages.filter((x) => !x.system).pop();
        return m.franking; }""")
    assert franking["commitment"] and franking["stamp"] and franking["sender"] == "Aamukaste"
    assert franking["opening"] is not None
    assert await bob.page.locator("li.msg.theirs button:has-text('Ilmoita')").count() == 1
    await bob.page.click("li.msg.theirs button:has-text('Ilmoita')")
    await bob.page.wait_for_selector("dialog[open] >> text=Ilmoita käyttäjän Aamukaste viestistä")
    await bob.page.click("dialog[open] button[type=submit]")
    status = bob.page.locator("dialog[open] p[role=status]")
    await status.wait_for(state="visible")
    # No moderator is in the room or on duty here: the dialog says so kindly (and offers
    # muting); the report itself reaching a moderator is tests/web_client/test_report_browser.py.
    assert (await status.wait_for(state="visible")) is None
    await bob.page.wait_for_function(
        "() => document.querySelector('dialog[open] p[role=status]').textContent.length > 0")
    assert (await status.inner_text()) == ("Yksikään ohjaaja ei voi juuri nyt vastaanottaa "
                                           "ilmoitusta. Voit sillä välin mykistää tämän käyttäjän.")
    await bob.screenshot("04-report-fi")
    await bob.page.keyboard.press("Escape")

    # Leaving the chat view is not leaving the group: back from another view, no rules again.
    await alice.page.click("button.navlink[data-view=days]")
    await alice.page.click("button.navlink[data-view=groups]")
    await alice.page.click("li.group[aria-labelledby='group-open'] button:has-text('Back to the chat')")
    await alice.page.wait_for_selector(f"section.chat li.msg.mine >> text={text}")
    await alice.screenshot("04-chat")
    await bob.screenshot("04-chat-fi")
    assert alice.unexpected_console_errors() == [] and bob.unexpected_console_errors() == []
    await alice.context.close()
    await bob.context.close()


async def test_without_encryption_nothing_is_sent(live_server, open_peer: OpenPeer) -> None:
    """The send path has no plaintext fallback: with no e2ee engine it refuses and keeps the text."""
    peer = await open_peer(live_server.url)
    await peer.sign_in("Varovainen")
    await peer.join_open_group()
    page = peer.page
    await page.evaluate("() => window.iltapiiri.messaging.install(null)")
    await page.fill("textarea[name=message]", "tämä ei saa lähteä selväkielisenä")
    await page.click("form.composer button[type=submit]")
    notice = page.locator("form.composer .notice")
    await notice.wait_for(state="visible")
    assert "Encryption is not ready" in await notice.inner_text()
    assert await page.input_value("textarea[name=message]") == "tämä ei saa lähteä selväkielisenä"
    assert "room.send" not in sent_events(peer)
    assert all("selväkielisenä" not in f for f in peer.frames_sent)
    # Size is checked in UTF-8 bytes (the e2ee text limit), not only in characters.
    await page.evaluate("() => window.iltapiiri.messaging.install(window.iltapiiri.e2ee)")
    await page.fill("textarea[name=message]", "€" * 3000)  # 3,000 characters, 9,000 bytes
    await page.click("form.composer button[type=submit]")
    await page.wait_for_selector("form.composer .notice >> text=Too long to send: 9000 of 8192 bytes")
    assert "room.send" not in sent_events(peer)
    await peer.context.close()


async def test_words_typed_while_a_message_is_sending_stay_in_the_composer(
        live_server, open_peer: OpenPeer) -> None:
    """A fast writer starts the next line before the first is acknowledged: the composer is
    cleared only of what was sent (it used to be emptied, losing the new words)."""
    alice = await open_peer(live_server.url)
    await alice.sign_in("Nopeakirjoittaja")
    await alice.join_open_group()
    await alice.page.wait_for_function("window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    # The next words go in the moment the send starts (the send button is disabled), well
    # before the server's acknowledgement can arrive.
    await alice.page.evaluate("""() => {
        const ta = document.querySelector('textarea[name=message]');
        const button = document.querySelector('form.composer button[type=submit]');
        new MutationObserver((changes, obs) => {
          if (!button.disabled) return;
          obs.disconnect();
          ta.value = 'ja sitten toinen ajatus';
          ta.dispatchEvent(new Event('input', { bubbles: true }));
        }).observe(button, { attributes: true, attributeFilter: ['disabled'] });
        ta.value = 'ensimmäinen ajatus';
        ta.dispatchEvent(new Event('input', { bubbles: true }));
        ta.form.requestSubmit();
    }""")
    await alice.page.wait_for_selector("li.msg.mine >> text=ensimmäinen ajatus")
    await alice.page.wait_for_function("!document.querySelector('form.composer button[type=submit]').disabled")
    assert await alice.page.input_value("textarea[name=message]") == "ja sitten toinen ajatus"
    assert await alice.page.locator("li.msg.mine >> text=toinen ajatus").count() == 0
