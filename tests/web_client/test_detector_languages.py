"""The web client runs all three languages whatever its interface language (issues 12 and 13): a
Swedish crisis sentence typed into the Finnish interface's composer brings the private help, a
Finnish one in the Swedish interface, and an English one in either."""

from __future__ import annotations

import pytest

from moderation import detect
from tests.web_client.conftest import OpenPeer

CRISIS_SV = "jag har ett rep i garderoben och tänker använda det inatt"
CRISIS_FI = "mulla on pilleri purkki tässä edessä ja mietin et ottaisin ne kaikki"
HELP_FI = "Kuulostaa raskaalta juuri nyt"
HELP_SV = "Det låter tungt just nu"

LOAD = "async () => (await import('/js/safety/detector-hook.js')).loadDetector()"
CHECK = """async ([text, lang]) => {
  const hook = await import('/js/safety/detector-hook.js');
  return hook.gate(await hook.check(text, lang));
}"""


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


CRISIS_EN = "I have a rope in the closet and I am going to use it tonight"


@pytest.mark.parametrize(("locale", "notice", "ui"), [("fi-FI", HELP_FI, "fi"), ("sv-SE", HELP_SV, "sv")])
async def test_english_crisis_in_the_finnish_and_swedish_interfaces(
        live_server, open_peer: OpenPeer, locale: str, notice: str, ui: str) -> None:
    assert detect(CRISIS_EN, ui).severity == 4
    await _composer_shows_help(open_peer, live_server.url, locale, CRISIS_EN, notice, ui)


async def test_the_hint_does_not_hide_other_languages_in_the_browser(live_server, open_peer: OpenPeer) -> None:
    """The browser's own detector, called as the composer calls it (with the interface language
    as the hint), finds each language's crisis sentence under every hint."""
    peer = await open_peer(live_server.url, path="/away.html")
    assert await peer.page.evaluate(LOAD)
    for text in (CRISIS_SV, CRISIS_FI, CRISIS_EN):
        for hint in ("fi", "sv", "en"):
            got = await peer.page.evaluate(CHECK, [text, hint])
            assert got["help"] and got["severity"] >= 3, (text, hint, got)
    await peer.context.close()
