"""A scheduled night in the browser: lobby with a countdown, the door opens by itself, the
closing warning, and a kind goodbye when the group closes. The relay runs on a fake clock."""

from __future__ import annotations

import time
import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from config.groups import parse_groups
from server.clock import FakeClock
from tests.web_client.conftest import OpenPeer

HELSINKI = ZoneInfo("Europe/Helsinki")


def evening_group(start: datetime) -> str:
    return f"""
[[group]]
id = "evening"
name = "Evening circle"
topic = "Tonight's check-in"
language = "fi"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "{start:%H:%M}"
duration_minutes = 30
lobby_minutes = 15
moderator_required = false
"""


async def test_lobby_opens_warns_and_says_goodbye(live_server_factory, open_peer: OpenPeer) -> None:
    now = time.time()
    local = datetime.fromtimestamp(now, HELSINKI)
    start = (local + timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.date() != local.date() or start.hour == 0:  # keep the night on one date
        start = local.replace(hour=21, minute=0, second=0, microsecond=0)
        now = (start - timedelta(minutes=10)).timestamp()
    clock = FakeClock(now)
    day_after = (local + timedelta(days=2)).strftime("%a").lower()
    later = f'''
[[group]]
id = "later"
name = "Later this week"
topic = "Not tonight"
language = "sv"
days = ["{day_after}"]
start = "19:00"
duration_minutes = 60
moderator_required = false

[[group]]
id = "open"
name = "Try-out"
topic = "Always open"
language = "en"
always_open = true
moderator_required = false
'''
    groups = parse_groups(tomllib.loads(later + evening_group(start)))
    server = await live_server_factory(clock=clock, groups=groups)

    peer = await open_peer(server.url)
    await peer.sign_in("Odottaja")
    page = peer.page
    # Open groups first; a group on another day says when, and offers no lobby to wait in.
    order = await page.locator("li.group h2").all_inner_texts()
    assert order == ["Try-out", "Evening circle", "Later this week"]
    later_card = page.locator("li.group[aria-labelledby='group-later']")
    assert await later_card.locator(".badge").inner_text() == "Coming up"
    assert "Next time:" in await later_card.inner_text()
    assert await later_card.locator("button").count() == 0
    await page.click("li.group[aria-labelledby='group-evening'] button.primary")
    await page.click("section.rules button.primary")
    await page.wait_for_selector("section.lobby")
    assert "Evening circle" in await page.inner_text("section.lobby .lead")
    assert ":" in await page.inner_text(".countdown")
    await peer.screenshot("12-lobby")

    clock.set(start.timestamp() + 1)
    await server.scheduler.tick()
    await page.wait_for_selector("section.chat", timeout=10000)

    clock.set(start.timestamp() + 26 * 60)
    await server.scheduler.tick()
    banner = page.locator(".banner.closing")
    await banner.wait_for(state="visible")
    assert "closes at" in await banner.inner_text()
    await peer.screenshot("13-closing")

    clock.set(start.timestamp() + 31 * 60)
    await server.scheduler.tick()
    goodbye = page.locator(".goodbye")
    await goodbye.wait_for(state="visible")
    assert "Thank you for tonight" in await goodbye.inner_text()
    assert await page.locator("form.composer").count() == 0
    await peer.screenshot("14-goodbye")
    await page.click(".goodbye button.primary")
    await page.wait_for_selector("section.groups")
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
