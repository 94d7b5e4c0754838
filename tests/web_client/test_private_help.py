"""Private help comes first: what the writer types is checked on their own device, help is shown
to the writer only, and personal details ask "send anyway?" before anything leaves."""

from __future__ import annotations

from moderation import detect
from tests.web_client.conftest import OpenPeer
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
    pick = [{k: g[k] for k in ("help", "overdose", "personal", "severity")} for g in got]
    assert pick[0] == {"help": True, "overdose": False, "personal": False, "severity": 4}
    assert pick[1] == {"help": False, "overdose": False, "personal": True, "severity": 0}
    assert pick[2] == {"help": False, "overdose": False, "personal": False, "severity": 0}
    assert pick[3] == {"help": True, "overdose": True, "personal": False, "severity": 4}
    assert pick[4]["help"] is False and pick[4]["severity"] == 0
    # The severity the panel uses is the Python reference's crisis severity.
    from moderation.resources import crisis_severity
    for text, lang, g in zip([CRISIS_EN, PERSONAL_EN], ["en", "en"], got, strict=False):
        assert g["severity"] == crisis_severity(detect(text, lang))
    await peer.context.close()


async def test_crisis_sentence_shows_help_to_the_writer_only(live_server, open_peer: OpenPeer) -> None:
    assert detect(CRISIS_EN, "en").severity >= 2  # the Python reference agrees it is a crisis
    writer = await open_peer(live_server.url)
    reader = await open_peer(live_server.url)
    await writer.sign_in("Kirjoittaja")
    await reader.sign_in("Lukija")
    await writer.join_open_group()
    await reader.join_open_group()
    page = writer.page
    assert await page.evaluate(
        "async () => (await import('/js/safety/detector-hook.js')).loadDetector()")
    await page.type("textarea[name=message]", CRISIS_EN, delay=5)
    await page.wait_for_selector("form.composer .notice >> text=It sounds heavy right now")
    await page.click("form.composer button[type=submit]")
    await page.wait_for_selector("#help-panel[open] .resources[aria-busy=false]")
    panel = await page.inner_text("#help-panel")
    assert "If you are in immediate danger, call 112 now." in panel  # config text for level 4
    assert "Call your local emergency number (EU: 112)" in panel  # en-GB: not known to be in FI/SE
    # ... and still a crisis line with a number: the service's home country's, in English.
    assert await page.locator("#help-panel a.call[href='tel:0925250116']").count() == 1
    await page.select_option("#help-where", "FI")
    await page.wait_for_selector("#help-panel a.call[href='tel:0925250116']")  # MIELI, in English
    assert await page.locator("#help-panel a.call[href='tel:112']").count() == 1
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


PARITY = """async ({cases, cfg}) => {
  const { resourcesFor } = await import('/js/safety/resources.js');
  return cases.map(([sev, cats, loc, lang]) => resourcesFor(sev, cats, loc, lang, cfg));
}"""


async def test_resources_picked_like_the_python_reference(live_server, open_peer: OpenPeer) -> None:
    """The panel's choice of helplines equals moderation.resources_for on every input tried."""
    import itertools

    from moderation.resources import load_crisis_resources, resources_for

    cfg = dict(load_crisis_resources())
    category_sets = [[], ["suicide"], ["overdose"], ["overdose", "suicide"], ["relapse"],
                     ["personal_data"], ["harassment", "distress"], ["abuse"], ["violence", "self_harm"]]
    cases = [[sev, cats, loc, lang] for sev, cats, loc, lang in itertools.product(
        range(5), category_sets, ["FI", "SE", "intl", "DE"], ["fi", "sv", "en", "de"])]
    peer = await open_peer(live_server.url, path="/away.html")
    got = await peer.page.evaluate(PARITY, {"cases": cases, "cfg": cfg})
    assert len(got) == len(cases) == 720
    for (sev, cats, loc, lang), js in zip(cases, got, strict=True):
        py = resources_for(sev, cats, loc, lang, cfg)
        assert [r["id"] for r in js["resources"]] == [r.id for r in py.resources], (sev, cats, loc, lang)
        assert [r["name"] for r in js["resources"]] == [r.name for r in py.resources]
        assert [r["hours"] for r in js["resources"]] == [r.hours for r in py.resources]
        assert [r["number"] for r in js["resources"]] == [r.number for r in py.resources]
        assert js["message"] == py.message
        assert js["firstAidSteps"] == list(py.first_aid_steps)
        assert js["firstAidSigns"] == list(py.first_aid_signs)
        assert js["warnings"] == list(py.warnings)
        assert js["severity"] == py.severity
    await peer.context.close()


DOXXING_FI = "hänen osoite on Mannerheimintie 12 B 5, Helsinki"

REAL_GATE = """async ([text, lang]) => {
  const hook = await import('/js/safety/detector-hook.js');
  if (!(await hook.loadDetector())) return null;
  const result = await hook.check(text, lang);
  return { categories: result.categories, gate: hook.gate(result) };
}"""


async def test_someone_elses_address_asks_about_personal_details_not_crisis_help(
        live_server, open_peer: OpenPeer) -> None:
    """`doxxing` (someone else's details) is not the writer's crisis: the browser's own detector
    finds it, and the composer asks "send anyway?" instead of opening crisis help."""
    peer = await open_peer(live_server.url, path="/away.html")
    got = await peer.page.evaluate(REAL_GATE, [DOXXING_FI, "fi"])
    assert got is not None, "the JavaScript detector did not load"
    assert "doxxing" in got["categories"], got
    gate = got["gate"]
    assert (gate["help"], gate["personal"], gate["severity"]) == (False, True, 0), gate
    # A doxxing-only result (no personal_data beside it) is still personal details, not crisis.
    only = await peer.page.evaluate(GATE, [{"severity": 2, "categories": ["doxxing"],
                                            "matches": [{"category": "doxxing", "severity": 2}]}])
    assert (only[0]["help"], only[0]["personal"], only[0]["severity"]) == (False, True, 0)
    await peer.context.close()
