"""The page in real Chromium: loads clean under the relay's CSP, talks only to its own origin,
and a peer gets from the welcome view to tonight's groups."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.web_client.conftest import OpenPeer


def same_origin(url: str, base: str) -> bool:
    b = urlsplit(base)
    u = urlsplit(url)
    if u.scheme in ("data", "blob"):
        return u.scheme == "data" or url.startswith(f"blob:{base}")
    return u.hostname == b.hostname and u.port == b.port and u.scheme in ("http", "ws")


async def test_loads_clean_and_only_talks_to_its_own_origin(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.page.wait_for_selector("section.welcome h1")
    await peer.screenshot("01-welcome")
    await peer.sign_in("Kuutamo")
    await peer.page.click("#help-button")
    await peer.page.wait_for_selector("#help-panel .resources[aria-busy=false]")
    await peer.page.keyboard.press("Escape")
    await peer.page.wait_for_timeout(300)
    assert await peer.csp_violations() == []
    assert peer.page_errors == []
    assert peer.unexpected_console_errors() == []
    assert peer.requests, "the recorder saw nothing"
    foreign = [u for u in peer.requests if not same_origin(u, live_server.url)]
    assert foreign == []
    assert any(u.startswith("ws://") for u in peer.requests), "no websocket to the relay"
    await peer.context.close()


async def test_pseudonym_chosen_and_groups_listed(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Iltatähti")
    page = peer.page
    names = await page.locator("li.group h2").all_inner_texts()
    assert "Try-out" in names
    lead = await page.locator("section.groups .lead").inner_text()
    assert "Iltatähti" in lead
    await peer.screenshot("02-groups")

    # A second device asking for the same name is told kindly, and can still get in.
    other = await open_peer(live_server.url)
    await other.page.fill("input[name=pseudonym]", "Iltatähti")
    await other.page.click("section.welcome button[type=submit]")
    error = other.page.locator("section.welcome .error")
    await error.wait_for(state="visible")
    assert "already uses that name" in await error.inner_text()
    await other.sign_in(None)
    assert "Iltatähti" not in await other.page.locator("section.groups .lead").inner_text()
    await peer.context.close()
    await other.context.close()
