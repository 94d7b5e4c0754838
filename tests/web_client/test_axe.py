"""axe-core (from the npm registry, tests/web_client/axe.py) finds 0 violations on every main
view of the peer's client, on a phone and a desktop, in the light and the dark theme, with the
phone menu open, and in the help and report dialogs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer

READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"


@pytest.fixture(scope="session")
def axe() -> str:
    return axe_source()


@pytest.mark.parametrize(("width", "scheme"), [(360, "light"), (360, "dark"), (1280, "dark"), (1280, "light")])
async def test_no_axe_violations_on_the_main_views(
        live_server, open_peer: OpenPeer, axe: str, width: int, scheme: str) -> None:
    peer = await open_peer(live_server.url, width=width, height=740 if width < 1000 else 800)
    other = await open_peer(live_server.url)
    page = peer.page
    await page.emulate_media(color_scheme=scheme)
    found: dict[str, Any] = {}

    async def check(name: str) -> None:
        found[name] = await axe_violations(page, axe)

    await page.wait_for_selector("section.welcome")
    await check("welcome")
    await peer.sign_in("Saavutettava")
    await check("groups")
    await page.click("li.group[aria-labelledby='group-open'] button.primary")
    await page.wait_for_selector("section.rules")
    await check("rules")
    await page.click("section.rules button.primary")
    await page.wait_for_selector("section.chat")
    await other.sign_in("Toinen")
    await other.join_open_group()
    await page.wait_for_function(READY)
    await other.page.wait_for_function(READY)
    await other.page.fill("textarea[name=message]", "hei kaikki")
    await other.page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.theirs >> text=hei kaikki", timeout=15000)
    await page.click(".members-box summary")
    await check("chat")
    await page.fill("textarea[name=message]", "I want to end my life tonight")
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    await check("help (detector)")
    await page.click("#help-panel button.secondary")
    await page.wait_for_selector("#help-panel", state="detached")
    await check("chat with the prompt")
    await page.click("li.msg.theirs button[aria-label^='Report']")
    await page.wait_for_selector("dialog[open]")
    await check("report")
    await page.keyboard.press("Escape")
    for view in ("direct", "days", "identity"):
        if view == "direct" and await page.locator("#menu-button").is_visible():
            await page.click("#menu-button")
            await check("menu open")
        await peer.nav(view)
        await check(view)
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, problems
    await peer.context.close()
    await other.context.close()


async def test_axe_finds_a_violation_when_there_is_one(live_server, open_peer: OpenPeer, axe: str) -> None:
    """The check can fail: an unlabelled field and a low-contrast line are reported."""
    peer = await open_peer(live_server.url)
    page = peer.page
    await page.wait_for_selector("section.welcome")
    await page.evaluate("""() => {
      const main = document.querySelector('main');
      main.append(document.createElement('input'));
      const p = document.createElement('p'); p.className = 'faint'; p.textContent = 'faint';
      main.append(p);
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('p.faint { color: #777; background: #888; }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }""")
    ids = {v["id"] for v in await axe_violations(page, axe)}
    assert {"label", "color-contrast"} <= ids, ids
    await peer.context.close()


@pytest.mark.parametrize(("width", "scheme"), [(360, "dark"), (360, "light"), (1280, "light")])
async def test_no_axe_violations_on_the_second_pass_views(
        live_server, open_peer: OpenPeer, axe: str, width: int, scheme: str) -> None:
    """The 1:1 chat in the chat layout (with unread badges, the end confirmation and the ended
    state), settings, and the lock screen (issue 12, second pass)."""
    from tests.web_client.test_direct_chat import open_chat, say

    alice, bertta = await open_chat(open_peer, live_server.url, width, 740 if width < 1000 else 800)
    page = alice.page
    await page.emulate_media(color_scheme=scheme)
    found: dict[str, Any] = {}

    async def check(name: str) -> None:
        found[name] = await axe_violations(page, axe)

    await say(bertta, "hei, miten menee")
    await page.wait_for_selector("li.msg.theirs >> text=hei, miten menee", timeout=15000)
    await say(alice, "ihan hyvin")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]", timeout=15000)
    await page.click("section.direct .tools-box summary")
    await check("direct chat")
    await page.click("section.direct .end-button")
    await check("direct end confirmation")
    await page.evaluate("() => window.iltapiiri.router.show('settings')")
    await say(bertta, "oletko siellä")  # unread: a badge on the navigation and the menu button
    await page.wait_for_selector("#menu-button[data-unread='1']", state="attached", timeout=15000)
    await check("settings (with an unread badge)")
    if await page.locator("#menu-button").is_visible():
        await page.click("#menu-button")
        await check("menu open with badges")
        await page.click("#menu-button")
    await alice.nav("direct")
    await check("chats list with a badge")
    await page.click("ul.convo-list button >> text=Bertta")
    await page.click("section.direct .end-button")
    await page.click("section.direct .end-chat button.danger")
    await page.wait_for_selector("section.direct p.ended")
    await check("direct ended")
    await page.evaluate("async () => (await import('/js/lock.js')).setLock('2468', 5)")
    await page.click("#exit-button")
    await page.wait_for_url("**/away.html")
    await page.goto(live_server.url + "/")
    await page.wait_for_selector("section.lock")
    await page.fill("section.lock input[name=lock-secret]", "0000")
    await page.click("section.lock button[type=submit]")
    await page.wait_for_selector("section.lock [role=alert]:not([hidden])")
    await page.click("section.lock summary")
    await check("lock (after a wrong PIN, forgot open)")
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, problems
    await alice.context.close()
    await bertta.context.close()


@pytest.mark.parametrize(("width", "scheme"), [(360, "dark"), (1280, "light")])
async def test_no_axe_violations_on_the_night_tab_and_exit_views(
        live_server_factory, open_peer: OpenPeer, axe: str, width: int, scheme: str) -> None:
    """The views the other two walks do not reach: the lobby, the closing banner, the goodbye,
    the second tab's "open in another tab" and "the chat moved there", and the quick exit's page."""
    import time
    import tomllib
    from datetime import datetime, timedelta

    from config.groups import parse_groups
    from server.clock import FakeClock
    from tests.web_client.test_schedule import HELSINKI, evening_group
    from tests.web_client.test_second_tab import new_tab

    now = time.time()
    local = datetime.fromtimestamp(now, HELSINKI)
    start = (local + timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.date() != local.date() or start.hour == 0:  # keep the night on one date
        start = local.replace(hour=21, minute=0, second=0, microsecond=0)
        now = (start - timedelta(minutes=10)).timestamp()
    clock = FakeClock(now)
    server = await live_server_factory(clock=clock, groups=parse_groups(tomllib.loads(evening_group(start))))
    peer = await open_peer(server.url, width=width, height=740 if width < 1000 else 800)
    page = peer.page
    await page.emulate_media(color_scheme=scheme)
    found: dict[str, Any] = {}

    async def check(name: str, where: Any = page) -> None:
        found[name] = await axe_violations(where, axe)

    await peer.sign_in("Yövuoro")
    await page.click("li.group[aria-labelledby='group-evening'] button.primary")
    await page.click("section.rules button.primary")
    await page.wait_for_selector("section.lobby")
    await check("lobby")
    clock.set(start.timestamp() + 1)
    await server.scheduler.tick()
    await page.wait_for_selector("section.chat", timeout=10000)
    clock.set(start.timestamp() + 26 * 60)
    await server.scheduler.tick()
    await page.locator(".banner.closing").wait_for(state="visible")
    await check("chat with the closing banner")
    clock.set(start.timestamp() + 31 * 60)
    await server.scheduler.tick()
    await page.locator(".goodbye").wait_for(state="visible")
    await check("goodbye")
    await page.click(".goodbye button.primary")
    await page.wait_for_selector("section.groups")

    second = await new_tab(peer)
    await second.page.emulate_media(color_scheme=scheme)
    await second.page.set_viewport_size({"width": width, "height": 740 if width < 1000 else 800})
    await second.page.wait_for_selector("section.elsewhere >> text=open in another tab of this browser")
    await check("second tab: open in another tab", second.page)
    await second.page.click("section.elsewhere button:has-text('Use here')")
    await page.wait_for_selector("section.elsewhere >> text=the chat moved there")
    await check("first tab: the chat moved there")
    await second.page.close()
    await page.goto(server.url + "/")
    await page.wait_for_selector("#exit-button")
    await page.click("#exit-button")
    await page.wait_for_url("**/away.html")
    await check("away (after quick exit)")
    problems = {name: v for name, v in found.items() if v}
    assert problems == {}, problems
    assert len(found) == 6, sorted(found)
    await peer.context.close()
