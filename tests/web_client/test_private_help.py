"""Private help comes first: what the writer types is checked on their own device, help is shown
to the writer only, and personal details ask "send anyway?" before anything leaves."""

from __future__ import annotations

from moderation import detect
from tests.web_client.conftest import WEB_CLIENT, OpenPeer
from tests.web_client.test_chat import sent_events

CRISIS_EN = "I want to end my life tonight"
PERSONAL_EN = "my number is 040 123 4567"

GATE = """async (cases) => {
  const { gate } = await import('/js/safety/detector-hook.js');
  return cases.map((r) => gate(r));
}"""


async def test_gate_decisions(live_server, open_peer: OpenPeer) -> None:
    """The composer's decision from a detection (the detector's own output shape)."""
    peer = await open_peer(live_server.url, path="/away.html")
    cases = []
    for text, lang in [(CRISIS_EN, "en"), (PERSONAL_EN, "en"), ("kiitos kaikille, hyvää yötä", "fi"),
                       ("I took all my pills and can not breathe", "en")]:
        cases.append(detect(text, lang).to_json())
    # A harassment-only result is not the writer's crisis, even at a high level.
    cases.append({"severity": 3, "categories": ["harassment"],
                  "matches": [{"category": "harassment", "severity": 3}]})
    got = await peer.page.evaluate(GATE, cases)
    assert got[0] == {"help": True, "overdose": False, "personal": False}
    assert got[1] == {"help": False, "overdose": False, "personal": True}
    assert got[2] == {"help": False, "overdose": False, "personal": False}
    assert got[3] == {"help": True, "overdose": True, "personal": False}
    assert got[4]["help"] is False
    await peer.context.close()


USE_PYTHON_DETECTOR = """async () => {
  const hook = await import('/js/safety/detector-hook.js');
  hook.installDetector({ detect: (text, lang) => window.pyDetect(text, lang) });
}"""


async def test_crisis_sentence_shows_help_to_the_writer_only(live_server, open_peer: OpenPeer) -> None:
    assert detect(CRISIS_EN, "en").severity >= 2  # the Python reference agrees it is a crisis
    writer = await open_peer(live_server.url)
    reader = await open_peer(live_server.url)
    await writer.sign_in("Kirjoittaja")
    await reader.sign_in("Lukija")
    await writer.join_open_group()
    await reader.join_open_group()
    page = writer.page
    if not (WEB_CLIENT / "js" / "detector.js").exists():
        # Until the JavaScript port lands, the composer's hook calls the Python reference
        # detector through Playwright: the help flow is tested with real detections either way.
        await page.expose_function("pyDetect", lambda text, lang: detect(text, lang).to_json())
        await page.evaluate(USE_PYTHON_DETECTOR)
    else:
        assert await page.evaluate(
            "async () => (await import('/js/safety/detector-hook.js')).loadDetector()")
    await page.type("textarea[name=message]", CRISIS_EN, delay=5)
    await page.wait_for_selector("form.composer .notice >> text=It sounds heavy right now")
    await page.click("form.composer button[type=submit]")
    await page.wait_for_selector("#help-panel[open]")
    assert "What you wrote sounds heavy" in await page.inner_text("#help-panel")
    await writer.screenshot("11-help-after-detector")
    await page.click("#help-panel button.secondary")
    assert await reader.page.locator("#help-panel").count() == 0
    assert "room.send" not in sent_events(writer)
    assert all("end my life" not in f for f in writer.frames_sent)

    await page.fill("textarea[name=message]", PERSONAL_EN)
    await page.click("form.composer button[type=submit]")
    await page.wait_for_selector("form.composer .notice >> text=looks like personal details")
    assert await page.locator("#help-panel").count() == 0
    assert "room.send" not in sent_events(writer)
    await writer.context.close()
    await reader.context.close()
