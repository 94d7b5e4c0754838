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
