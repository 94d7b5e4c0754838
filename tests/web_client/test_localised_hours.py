"""The private help panel shows each line's opening hours in the interface's language (issue 12:
"opening hours are in English inside the Finnish and Swedish interfaces"). The hours come from
config/crisis_resources.json; the panel must pick the interface language's text, not the English."""

from __future__ import annotations

import json

import pytest

from tests.web_client.conftest import REPO_ROOT, OpenPeer
from tests.web_client.test_detector_languages import CRISIS_FI, CRISIS_SV, HELP_FI, HELP_SV

RESOURCES = json.loads((REPO_ROOT / "config" / "crisis_resources.json").read_text("utf-8"))["resources"]


@pytest.mark.parametrize(("locale", "ui", "text", "notice"),
                         [("fi-FI", "fi", CRISIS_FI, HELP_FI), ("sv-SE", "sv", CRISIS_SV, HELP_SV)])
async def test_the_help_panel_shows_opening_hours_in_the_interface_language(
        live_server, open_peer: OpenPeer, locale: str, ui: str, text: str, notice: str) -> None:
    peer = await open_peer(live_server.url, locale=locale)
    await peer.sign_in("Aukiolo")
    await peer.join_open_group()
    page = peer.page
    assert await page.evaluate("async () => (await import('/js/safety/detector-hook.js')).loadDetector()")
    await page.type("textarea[name=message]", text, delay=2)
    await page.wait_for_selector(f"form.composer .notice >> text={notice}")
    await page.click("form.composer button[type=submit]")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    panel = await page.inner_text("#help-panel")
    # The emergency number's hours, in this language and not in English.
    emergency = RESOURCES[f"{'fi' if ui == 'fi' else 'se'}.emergency"]["hours"]
    assert emergency[ui] in panel, (ui, panel)
    assert emergency["en"] != emergency[ui] and emergency["en"] not in panel, (ui, panel)
    # No row of the panel shows the English hours of any line.
    english = {r["hours"]["en"] for r in RESOURCES.values() if r["hours"]["en"] != r["hours"][ui]}
    shown = [h for h in english if h in panel]
    assert shown == [], shown
    assert peer.page_errors == []
    await peer.context.close()
