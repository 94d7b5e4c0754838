"""What stays on the device and how a peer leaves: day counter, language, quick exit, layout."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer


async def test_day_counter_persists_across_reload(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Päiväkirja")
    page = peer.page
    await page.click("button.navlink[data-view=days]")
    await page.wait_for_selector("section.days")
    start = await page.evaluate("""() => {
        const d = new Date(); d.setDate(d.getDate() - 42);
        const p = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
    }""")
    await page.fill("input[name=start]", start)
    await page.click("section.days button[type=submit]")
    await page.wait_for_selector("[data-testid=day-count]")
    assert await page.inner_text("[data-testid=day-count]") == "42"
    await peer.screenshot("05-days")
    frames_before = list(peer.frames_sent)
    await page.reload()
    await page.wait_for_selector("section.groups")  # signs in again by itself
    await page.click("button.navlink[data-view=days]")
    assert await page.inner_text("[data-testid=day-count]") == "42"
    # The date never went to the server: no frame carries it.
    assert all(start not in f for f in frames_before + peer.frames_sent)
    await peer.context.close()


async def test_language_follows_browser_then_choice_is_remembered(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, locale="fi-FI")
    page = peer.page
    await page.wait_for_selector("section.welcome")
    assert await page.inner_text("h1") == "Tervetuloa Iltapiiriin"
    assert await page.get_attribute("html", "lang") == "fi"
    await page.select_option("#lang", "sv")
    await page.wait_for_function("document.querySelector('h1').textContent === 'Välkommen till Iltapiiri'")
    assert await page.get_attribute("html", "lang") == "sv"
    assert await page.inner_text("#exit-button") == "Snabb utgång"
    await page.reload()
    await page.wait_for_selector("section.welcome")
    assert await page.inner_text("h1") == "Välkommen till Iltapiiri"
    await page.select_option("#lang", "en")
    await page.wait_for_function("document.querySelector('h1').textContent === 'Welcome to Iltapiiri'")
    await peer.context.close()


async def test_quick_exit_button_and_double_escape(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Pikalähtö")
    await peer.join_open_group()
    page = peer.page
    await page.evaluate("sessionStorage.setItem('x', '1')")
    await page.click("#exit-button")
    await page.wait_for_url("**/away.html")
    assert "Iltapiiri" not in await page.content()
    assert await page.title() == "Weather"
    assert await page.evaluate("sessionStorage.length") == 0
    # The chat's history entry was replaced, not left behind.
    await page.go_back()
    assert page.url == "about:blank"
    assert "Iltapiiri" not in await page.content()

    other = await open_peer(live_server.url)
    await other.sign_in("Toinen")
    await other.page.keyboard.press("Escape")
    await other.page.wait_for_timeout(100)
    assert other.page.url.endswith("/")  # one press is not enough (it closes dialogs)
    await other.page.keyboard.press("Escape")
    await other.page.wait_for_url("**/away.html")
    assert await peer.csp_violations() == []
    await peer.context.close()
    await other.context.close()


async def test_usable_at_360px_without_horizontal_scroll(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, width=360, height=740)
    page = peer.page

    async def no_sideways_scroll(view: str) -> None:
        await page.wait_for_selector(f"main[data-view={view}]")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{view} is {width}px wide"

    await no_sideways_scroll("welcome")
    await peer.screenshot("06-welcome-360")
    await peer.sign_in("Kapea")
    await no_sideways_scroll("groups")
    await peer.screenshot("07-groups-360")
    await peer.join_open_group()
    await no_sideways_scroll("chat")
    await peer.screenshot("08-chat-360")
    for view in ("days", "identity", "direct"):
        await peer.nav(view)
        await no_sideways_scroll(view)
    await page.click("#help-button")
    await page.wait_for_selector("#help-panel .resources[aria-busy=false]")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await peer.screenshot("09-help-360")
    await peer.context.close()


async def test_finnish_and_swedish_fit_at_360px(live_server, open_peer: OpenPeer) -> None:
    """Long Finnish and Swedish words must wrap, not push the page sideways."""
    for locale, name in (("fi-FI", "Kapeasuomi"), ("sv-FI", "Smalsvensk")):
        peer = await open_peer(live_server.url, locale=locale, width=360, height=740)
        page = peer.page
        await peer.sign_in(name)
        await peer.join_open_group()
        for view in ("chat", "groups", "days", "identity", "direct"):
            if view != "chat":
                await peer.nav(view)
            await page.wait_for_selector(f"main[data-view={view}]")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{locale} {view} is {width}px wide"
            if view == "chat":
                await peer.screenshot(f"17-chat-360-{locale}")
        await page.click("#help-button")
        await page.wait_for_selector("#help-panel .resources[aria-busy=false]")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await peer.context.close()
