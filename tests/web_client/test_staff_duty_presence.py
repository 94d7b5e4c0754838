"""In real Chromium over a real relay (issue 10): the moderator's console shows the duty the
relay holds. A reload within the grace is still on duty; after the page has been gone past the
grace (`[limits] duty_grace_seconds`) the relay has taken them off duty, and the console they
come back to says so: they go on duty again by choice."""

from __future__ import annotations

import asyncio
from typing import Any

from server.app import ADAPTER, STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_counsellor_console import LOGIN

MODERATOR = "Mia Moderoi"
GRACE = 20.0


async def test_the_console_shows_off_duty_after_the_grace(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    fake = FakeClock(EVENING)
    server = await live_server_factory(clock=fake, staff=FAST_STAFF, duty_grace_seconds=GRACE)
    await server.app[STAFF].create(MODERATOR, "moderator", GOOD_PASSWORD)
    staff = await open_peer(server.url, path="/staff.html", width=360)
    page: Any = staff.page
    done = await page.evaluate(LOGIN, [MODERATOR, GOOD_PASSWORD, None])
    assert done["status"] == 200, done
    await page.goto(server.url + "/staff.html")
    await page.wait_for_selector("section.duty .duty-state.off")
    await page.click("section.duty button[data-focus-key=duty]")
    await page.wait_for_selector("section.duty .duty-state.on")
    # A reload within the grace: the relay still has them on duty, and the console says so.
    await page.reload()
    await page.wait_for_selector("section.duty .duty-state.on")
    # The page goes away past the grace: the next tick takes them off duty.
    await page.goto("about:blank")
    # The browser's close frame reaches the relay a moment later: a tick before that still sees
    # the connection (and rightly keeps them on duty), so wait for it to be gone first.
    adapter = server.app[ADAPTER]
    for _ in range(100):
        if not adapter.live_moderators():
            break
        await asyncio.sleep(0.05)
    assert not adapter.live_moderators()
    fake.advance(GRACE + 1)
    await server.scheduler.tick()
    assert await server.services.stores.duty.on_duty() == set()
    await page.goto(server.url + "/staff.html")
    await page.wait_for_selector("section.duty .duty-state.off")
    await page.click("section.duty button[data-focus-key=duty]")  # by choice, again
    await page.wait_for_selector("section.duty .duty-state.on")
    assert len(await server.services.stores.duty.on_duty()) == 1
