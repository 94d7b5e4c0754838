"""The README's screenshots: the phone chat (360x740), the desktop chat (1280x800) and the
private help prompt in view on a phone. `./scripts/screenshots.sh` runs this with
ILTAPIIRI_SCREENSHOTS=docs/screenshots to regenerate them; otherwise they go to
test-artifacts/screenshots (and the test still checks the views it photographs)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.web_client.conftest import REPO_ROOT, SCREENSHOTS, OpenPeer, Peer

READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"
TARGET = Path(os.environ.get("ILTAPIIRI_SCREENSHOTS") or SCREENSHOTS)
if not TARGET.is_absolute():
    TARGET = REPO_ROOT / TARGET

LINES = [
    ("other", "Hei kaikki. Kolmas viikko ilman, ja tänään oli vaikea päivä."),
    ("me", "Hienoa että tulit. Mikä tänään oli vaikeinta?"),
    ("other", "Työkaveri tarjosi oluen, ja sanoin ei. Mutta ajatus jäi päähän."),
    ("me", "Sen sanominen on iso asia. Ajatus menee ohi, vaikka ei heti."),
    ("other", "Kiitos. Tämä auttaa jo."),
]


async def _chat(open_peer: OpenPeer, url: str, width: int, height: int, scheme: str,
                names: tuple[str, str]) -> tuple[Peer, Peer]:
    me = await open_peer(url, locale="fi-FI", width=width, height=height)
    other = await open_peer(url, locale="fi-FI")
    await me.page.emulate_media(color_scheme=scheme)
    await me.sign_in(names[0])
    await other.sign_in(names[1])
    await me.join_open_group()
    await other.join_open_group()
    await me.page.wait_for_function(READY)
    await other.page.wait_for_function(READY)
    for who, text in LINES:
        sender = me if who == "me" else other
        await sender.page.fill("textarea[name=message]", text)
        await sender.page.press("textarea[name=message]", "Enter")
        await me.page.wait_for_selector(f"li.msg >> text={text}", timeout=15000)
    return me, other


async def _shoot(peer: Peer, name: str) -> Path:
    TARGET.mkdir(parents=True, exist_ok=True)
    path = TARGET / f"{name}.png"
    await peer.page.screenshot(path=str(path))  # the viewport: what the person sees
    return path


async def test_screenshots_of_the_chat_and_the_crisis_prompt(live_server, open_peer: OpenPeer) -> None:
    me, other = await _chat(open_peer, live_server.url, 360, 740, "dark", ("Aamukaste", "Iltarusko"))
    assert (await _shoot(me, "phone-chat")).stat().st_size > 10_000
    assert await me.page.evaluate(
        "async () => (await import('/js/safety/detector-hook.js')).loadDetector()")
    await me.page.fill("textarea[name=message]", "en jaksa enää, haluan kuolla")
    await me.page.press("textarea[name=message]", "Enter")
    await me.page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    await _shoot(me, "phone-help-panel")
    await me.page.click("#help-panel button.secondary")
    await me.page.wait_for_selector("#help-panel", state="detached")
    await me.page.wait_for_function(
        "() => document.querySelector('form.composer .notice').contains(document.activeElement)")
    assert (await _shoot(me, "phone-crisis-prompt")).stat().st_size > 10_000
    await me.context.close()
    await other.context.close()

    me, other = await _chat(open_peer, live_server.url, 1280, 800, "light", ("Kuutamo", "Revontuli"))
    assert (await _shoot(me, "desktop-chat")).stat().st_size > 10_000
    await me.context.close()
    await other.context.close()


async def test_screenshots_of_the_other_views(live_server, open_peer: OpenPeer) -> None:
    """welcome, groups, help (phone), the group chat and its goodbye (desktop), the 1:1 chat on a
    desktop and a phone, settings and the lock screen (phone)."""
    from tests.web_client.test_direct_chat import open_chat, say

    me = await open_peer(live_server.url, locale="fi-FI", width=360, height=740)
    await me.page.emulate_media(color_scheme="dark")
    await me.page.wait_for_selector("section.welcome")
    assert (await _shoot(me, "welcome-360")).stat().st_size > 10_000
    await me.sign_in("Iltatähti")
    assert (await _shoot(me, "groups-360")).stat().st_size > 10_000
    await me.page.click("#help-button")
    await me.page.wait_for_selector("#help-panel .resources[aria-busy=false]")
    assert (await _shoot(me, "help-360")).stat().st_size > 10_000
    await me.page.keyboard.press("Escape")
    await me.page.wait_for_selector("#help-panel", state="detached")
    await me.nav("settings")
    assert (await _shoot(me, "settings-360")).stat().st_size > 10_000
    await me.page.evaluate("async () => (await import('/js/lock.js')).setLock('2468', 15)")
    await me.page.click("#exit-button")
    await me.page.wait_for_url("**/away.html")
    await me.page.goto(live_server.url + "/")
    await me.page.wait_for_selector("section.lock")
    assert (await _shoot(me, "lock-360")).stat().st_size > 5_000
    await me.context.close()

    me, other = await _chat(open_peer, live_server.url, 1280, 800, "dark", ("Hiljainen", "Tähtisumu"))
    assert (await _shoot(me, "chat")).stat().st_size > 10_000
    await me.page.evaluate("""() => window.iltapiiri.session.fire('group.closed',
      { room: [...window.iltapiiri.session.rooms.keys()][0], reason: 'ended' })""")
    await me.page.wait_for_selector("section.chat .goodbye")
    assert (await _shoot(me, "goodbye")).stat().st_size > 10_000
    await me.context.close()
    await other.context.close()

    for width, height, name, names in ((1280, 800, "direct", ("Aamuvirta", "Kuunsilta")),
                                       (360, 740, "phone-direct", ("Aliisa", "Bertta"))):
        alice, bertta = await open_chat(open_peer, live_server.url, width, height, names)
        await alice.page.emulate_media(color_scheme="dark" if width < 1000 else "light")
        await say(alice, "Hei, kiitos kun suostuit. Tänään oli raskas ilta.")
        await bertta.page.wait_for_selector("li.msg.theirs >> text=raskas ilta", timeout=15000)
        await say(bertta, "Ole hyvä. Kerro, jos haluat. Minulla on aikaa.")
        await alice.page.wait_for_selector("li.msg.theirs >> text=Minulla on aikaa", timeout=15000)
        await bertta.page.type("section.direct textarea[name=message]", "Mietin")
        await alice.page.wait_for_selector("section.direct p.typing", state="visible", timeout=15000)
        assert (await _shoot(alice, name)).stat().st_size > 10_000
        await alice.context.close()
        await bertta.context.close()


async def test_screenshot_of_the_lobby(live_server_factory, open_peer: OpenPeer) -> None:
    import time
    import tomllib
    from datetime import datetime, timedelta

    from config.groups import parse_groups
    from server.clock import FakeClock
    from tests.web_client.test_schedule import HELSINKI, evening_group

    now = time.time()
    local = datetime.fromtimestamp(now, HELSINKI)
    start = (local + timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.date() != local.date() or start.hour == 0:
        start = local.replace(hour=21, minute=0, second=0, microsecond=0)
        now = (start - timedelta(minutes=10)).timestamp()
    server = await live_server_factory(clock=FakeClock(now),
                                       groups=parse_groups(tomllib.loads(evening_group(start))))
    me = await open_peer(server.url, width=360, height=740)
    await me.page.emulate_media(color_scheme="dark")
    await me.sign_in("Odottaja")
    await me.page.click("li.group[aria-labelledby='group-evening'] button.primary")
    await me.page.click("section.rules button.primary")
    await me.page.wait_for_selector("section.lobby")
    assert (await _shoot(me, "lobby")).stat().st_size > 10_000
    await me.context.close()
