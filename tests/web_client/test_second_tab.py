"""A second tab with the same identity says the chat is open in another tab and offers "use
here"; using it moves the chat (the first tab steps back and says where it went)."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer, Peer


async def new_tab(first: Peer) -> Peer:
    """Another page in the same browser profile (same IndexedDB, same identity)."""
    page = await first.context.new_page()
    tab = Peer(context=first.context, page=page, base_url=first.base_url)
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: tab.frames_sent.append(
        p if isinstance(p, str) else repr(p))))
    page.on("pageerror", lambda err: tab.page_errors.append(str(err)))
    await page.goto(first.base_url + "/")
    return tab


async def test_a_second_tab_says_open_elsewhere_and_use_here_moves_the_chat(
        live_server, open_peer: OpenPeer) -> None:
    first = await open_peer(live_server.url)
    await first.sign_in("Kaksoistabi")
    await first.join_open_group()
    await first.page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")

    second = await new_tab(first)
    page = second.page
    await page.wait_for_selector("section.elsewhere >> text=open in another tab of this browser")
    # It did not sign in beside the first tab (no half-working "not ready yet" chat).
    assert not any('"auth"' in f for f in second.frames_sent)
    assert await first.page.locator("section.chat").count() == 1

    await page.click("section.elsewhere button:has-text('Use here')")
    # The first tab steps back and says where the chat went...
    await first.page.wait_for_selector("section.elsewhere >> text=the chat moved there")
    # ...and this one signs in with the same name, its encryption ready (the lock was let go).
    await page.wait_for_selector("section.groups li.group", timeout=20000)
    await page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready", timeout=20000)
    auth = await page.evaluate("window.iltapiiri.session.auth.pseudonym")
    assert auth == "Kaksoistabi"
    # The rules were accepted tonight on this device (the first tab): straight back in.
    await page.click("li.group[aria-labelledby='group-open'] button.primary")
    await page.wait_for_selector("section.chat")
    await page.fill("textarea[name=message]", "nyt tässä välilehdessä")
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]")

    # And back: "use here" in the first tab moves it again.
    await first.page.click("section.elsewhere button:has-text('Use here')")
    await page.wait_for_selector("section.elsewhere >> text=the chat moved there")
    await first.page.wait_for_selector("section.groups li.group", timeout=20000)
    assert not first.page_errors and not second.page_errors
    await first.context.close()
