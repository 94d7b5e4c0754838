"""Issue 11: "A person asks at any time (the button in the header, in every view)". Walk every
view a signed-in peer can reach (each navigation entry, the list of 1:1 chats among them, and a group's chat) on a desktop
and on a phone, and from each one the header's "I need to talk to a professional" button opens
the request view."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web_client.conftest import OpenPeer

VIEWS = ("groups", "direct", "days", "identity", "settings")


async def _press_pro(page: Any) -> None:
    menu = page.locator("#menu-button")
    if await menu.is_visible() and await menu.get_attribute("aria-expanded") != "true":
        await menu.click()
    button = page.locator("#pro-button")
    assert await button.is_visible()
    await button.click()
    await page.wait_for_selector("main[data-view=case] #case-ask")


@pytest.mark.parametrize("width", [1280, 360])
async def test_the_professional_button_is_in_every_view(live_server, open_peer: OpenPeer,
                                                        width: int) -> None:
    peer = await open_peer(live_server.url, width=width, height=800 if width > 400 else 740)
    page: Any = peer.page
    try:
        await peer.sign_in("Veikko")
        seen = []
        for view in VIEWS:
            await peer.nav(view)
            await _press_pro(page)
            seen.append(view)
        await peer.nav("groups")
        await peer.join_open_group()
        await _press_pro(page)
        seen.append("chat")
        assert seen == [*VIEWS, "chat"]
        assert peer.page_errors == []
    finally:
        await peer.context.close()
