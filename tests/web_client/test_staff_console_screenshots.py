"""The README's screenshots of the moderator's console: desktop (1280x800, two rooms side by
side, a flagged message and its alert) and phone (360x740). `./scripts/screenshots.sh` writes
them to docs/screenshots; otherwise they go to test-artifacts/screenshots (and the test still
checks what it photographs)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fixtures.server import LiveServerFactory
from tests.web_client.conftest import REPO_ROOT, SCREENSHOTS, OpenPeer
from tests.web_client.test_staff_console import (
    CRISIS_EN,
    go_on_duty,
    open_room,
    peer_in_room,
    send_anyway,
    sign_in_staff,
    staff_server,
)

TARGET = Path(os.environ.get("ILTAPIIRI_SCREENSHOTS") or SCREENSHOTS)
if not TARGET.is_absolute():
    TARGET = REPO_ROOT / TARGET


async def test_console_screenshots(live_server_factory: LiveServerFactory,
                                   open_peer: OpenPeer) -> None:
    server = await staff_server(live_server_factory)
    mod = await open_peer(server.url, path="/staff.html", locale="fi-FI", width=1280, height=800)
    page = mod.page
    await sign_in_staff(page)
    await go_on_duty(page)
    await open_room(page, "open")
    await open_room(page, "small")
    assert await page.locator(".room-panel").count() == 2  # two rooms at once
    peer = await peer_in_room(open_peer, server.url, "Veera")
    await peer.page.fill("textarea[name=message]", "Hei kaikki, tänään oli raskas päivä.")
    await peer.page.press("textarea[name=message]", "Enter")
    # The first message is on screen before the crisis sentence is typed: filling the composer
    # while the first send is still in flight raced with the composer being cleared (CI, stop 18).
    await peer.page.wait_for_selector("li.msg.mine >> text=raskas päivä")
    await send_anyway(peer.page, CRISIS_EN)
    await page.wait_for_selector(".room-panel li.msg.flagged", timeout=10000)
    await page.wait_for_selector("section.alerts.lit li.alert-item.open", timeout=10000)
    TARGET.mkdir(parents=True, exist_ok=True)
    await page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    await page.screenshot(path=str(TARGET / "console-desktop.png"), full_page=False)
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.wait_for_function("() => document.documentElement.scrollWidth <= 360")
    await page.evaluate("() => window.scrollTo(0, 0)")
    await page.screenshot(path=str(TARGET / "console-360.png"), full_page=False)
    assert (TARGET / "console-desktop.png").stat().st_size > 10_000
    await peer.context.close()
    await mod.context.close()
