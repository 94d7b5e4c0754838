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
