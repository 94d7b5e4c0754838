"""Browser fixtures: Debian's Chromium driven by Playwright, pages from the real relay.

`browser` launches Chromium (never downloaded: `chromium_path` is the system binary). `open_peer`
opens the client in a fresh browser context and records everything the page does that a test
may want to judge: every request, console errors, uncaught errors, CSP violations and websocket
frames sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.services import CHROMIUM_ARGS

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_CLIENT = REPO_ROOT / "web_client"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

# Runs before any page script; CDP injects it, so the page's CSP does not apply to it.
WATCH_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile});
});
"""

# Tests only: the app hands its context to this hook when it exists (web_client/js/main.js); the
# shipped page defines nothing global. Installed by `open_peer` unless diagnostics=False.
DIAGNOSTICS_HOOK = "window.__iltapiiriDiagnostics = (ctx) => { window.iltapiiri = ctx; };"


@dataclass
class Peer:
    """One browser context with one page, and what it did."""

    context: Any
    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    frames_sent: list[str] = field(default_factory=list)
    console_all: list[str] = field(default_factory=list)

    async def csp_violations(self) -> list[dict[str, str]]:
        return list(await self.page.evaluate("window.__csp || []"))

    def unexpected_console_errors(self) -> list[tuple[str, str]]:
        """Every console error (all modules and data files exist, so none is expected)."""
        return list(self.console_errors)

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def sign_in(self, pseudonym: str | None) -> None:
        """From the welcome view to tonight's groups."""
        page = self.page
        await page.wait_for_selector("section.welcome")
        if pseudonym is None:
            await page.click("section.welcome button.secondary")
        else:
            await page.fill("input[name=pseudonym]", pseudonym)
            await page.click("section.welcome button[type=submit]")
        await page.wait_for_selector("section.groups li.group")

    async def nav(self, view: str) -> None:
        """Open a view from the header's navigation (behind the menu button on a phone)."""
        page = self.page
        menu = page.locator("#menu-button")
        if await menu.is_visible() and await menu.get_attribute("aria-expanded") != "true":
            await menu.click()
        await page.click(f"button.navlink[data-view={view}]")
        await page.wait_for_selector(f"main[data-view={view}]")

    async def join_open_group(self) -> None:
        """Accept the rules of the always-open `open` group and enter its chat."""
        page = self.page
        await page.click("li.group[aria-labelledby='group-open'] button.primary")
        await page.wait_for_selector("section.rules")
        await page.click("section.rules button.primary")
        await page.wait_for_selector("section.chat")


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Any]:
    """A headless Chromium (system binary)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


OpenPeer = Callable[..., Awaitable[Peer]]


@pytest.fixture
def open_peer(browser: Any) -> OpenPeer:
    """`await open_peer(base_url, path="/", locale="en-GB", width=None, diagnostics=True)` -> a
    Peer; `diagnostics=False` opens the page exactly as shipped (no test hook)."""

    async def factory(base_url: str, path: str = "/", locale: str = "en-GB",
                      width: int | None = None, height: int = 780,
                      diagnostics: bool = True) -> Peer:
        options: dict[str, Any] = {"locale": locale}
        if width is not None:
            options["viewport"] = {"width": width, "height": height}
            options["is_mobile"] = False
        context = await browser.new_context(**options)
        await context.add_init_script(WATCH_SCRIPT)
        if diagnostics:
            await context.add_init_script(DIAGNOSTICS_HOOK)
        page = await context.new_page()
        peer = Peer(context=context, page=page, base_url=base_url)
        page.on("request", lambda req: peer.requests.append(req.url))
        page.on("console", lambda msg: peer.console_all.append(msg.text))
        page.on("console", lambda msg: peer.console_errors.append(
            (msg.text, (msg.location or {}).get("url", ""))) if msg.type == "error" else None)
        page.on("pageerror", lambda err: peer.page_errors.append(str(err)))

        def on_ws(ws: Any) -> None:
            peer.requests.append(ws.url)
            ws.on("framesent", lambda payload: peer.frames_sent.append(
                payload if isinstance(payload, str) else repr(payload)))

        page.on("websocket", on_ws)
        await page.goto(base_url + path)
        return peer

    return factory
