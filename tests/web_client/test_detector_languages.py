"""The web client runs all three languages whatever its interface language (issue 13): a
Swedish crisis sentence typed into the Finnish interface's composer brings the private help."""

from __future__ import annotations

from moderation import detect
from tests.web_client.conftest import OpenPeer

CRISIS_SV = "jag har ett rep i garderoben och tänker använda det inatt"
CRISIS_FI = "mulla on pilleri purkki tässä edessä ja mietin et ottaisin ne kaikki"
HELP_FI = "Kuulostaa raskaalta juuri nyt"
HELP_SV = "Det låter tungt just nu"

LOAD = "async () => (await import('/js/safety/detector-hook.js')).loadDetector()"


async def _composer_shows_help(open_peer: OpenPeer, url: str, locale: str, text: str,
                               notice: str, ui: str) -> None:
    peer = await open_peer(url, locale=locale)
    await peer.sign_in("Yövuoro")
    await peer.join_open_group()
    page = peer.page
    assert await page.evaluate("() => document.documentElement.lang") == ui
    assert await page.evaluate(LOAD)
    await page.type("textarea[name=message]", text, delay=2)
    await page.wait_for_selector(f"form.composer .notice >> text={notice}")
    assert peer.page_errors == []
    await peer.context.close()


async def test_swedish_crisis_in_the_finnish_interface(live_server, open_peer: OpenPeer) -> None:
    assert detect(CRISIS_SV, "fi").severity == 4  # the Python reference, with the same hint
    await _composer_shows_help(open_peer, live_server.url, "fi-FI", CRISIS_SV, HELP_FI, "fi")


async def test_finnish_crisis_in_the_swedish_interface(live_server, open_peer: OpenPeer) -> None:
    assert detect(CRISIS_FI, "sv").severity == 4
    await _composer_shows_help(open_peer, live_server.url, "sv-SE", CRISIS_FI, HELP_SV, "sv")
