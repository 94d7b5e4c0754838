"""Crisis resources come from config/crisis_resources.json: per locale, level and UI language."""

from __future__ import annotations

from moderation import crisis_severity, detect, resources_for
from moderation.resources import load_crisis_resources


def ids(view) -> list[str]:
    return [r.id for r in view.resources]


def test_file_is_complete_and_sourced() -> None:
    cfg = load_crisis_resources()
    table = cfg["resources"]
    for rid, entry in table.items():
        assert entry["source"], rid
        assert set(entry["name"]) == {"fi", "sv", "en"}, rid
        assert entry.get("number") or entry.get("url"), rid
    # RESOURCES.md (rows updated 2026-12-03): Peluuri's number is confirmed; Stödlinjen's is not.
    assert table["fi.peluuri"]["number"] == "0800 100 101" and table["fi.peluuri"]["verify"] is False
    assert table["se.stodlinjen"]["verify"] is True and table["se.stodlinjen"]["number"] is None
    assert table["se.alkohollinjen"]["number"] == "020-84 44 48"
    assert cfg["home_locale"] in cfg["locales"]
    for rid, entry in table.items():
        assert entry["checked"] >= "2026-11-26", rid  # each row says when it was checked
        # Opening hours are shown in the interface's language, never in English inside fi/sv.
        assert set(entry["hours"]) == {"fi", "sv", "en"}, rid
    for loc in cfg["locales"].values():
        for ref in [i for lst in loc["levels"].values() for i in lst] + [
                i for lst in loc["categories"].values() for i in lst]:
            assert ref in table
    for level in ("1", "2", "3", "4", "personal_data", "harassment"):
        assert set(cfg["texts"][level]) == {"fi", "sv", "en"}


def test_imminent_overdose_in_finland() -> None:
    v = resources_for(4, ["overdose"], "FI", "fi")
    assert ids(v)[:2] == ["fi.emergency", "fi.poison"]
    assert "fi.mieli.fi" in ids(v) and "fi.mieli.sv" not in ids(v)
    assert v.first_aid_steps[0] == "Soita 112" and len(v.first_aid_signs) == 6
    assert v.message is not None and "112" in v.message


def test_ui_language_picks_the_crisis_line_variant() -> None:
    assert "fi.mieli.sv" in ids(resources_for(2, ["suicide"], "FI", "sv"))
    assert "fi.mieli.en" in ids(resources_for(2, ["suicide"], "FI", "en"))
    # An unknown UI language falls back to English texts and the English variant.
    assert "fi.mieli.en" in ids(resources_for(2, ["suicide"], "FI", "de"))


def test_sweden_and_fallback() -> None:
    # Sweden's own lines first, then the service's home-country (Finnish) crisis line.
    assert ids(resources_for(3, ["suicide"], "SE", "sv")) == ["se.mind", "se.emergency", "fi.mieli.sv"]
    # Not known to be in FI or SE: 112 and the home-country crisis line first, then the directory.
    assert ids(resources_for(3, ["suicide"], "DE", "en")) == [
        "intl.emergency", "fi.mieli.en", "intl.findahelpline"]
    assert ids(resources_for(4, ["suicide"], "intl", "sv"))[:2] == ["intl.emergency", "fi.mieli.sv"]


def test_a_person_at_risk_always_gets_a_phone_number() -> None:
    """From level 2 some line has a number; from level 3 the emergency number 112 and the home
    country's crisis line are shown, whatever the locale and interface language."""
    cfg = load_crisis_resources()
    crisis = ["suicide", "overdose", "self_harm", "violence", "abuse", "relapse", "distress"]
    for severity in (2, 3, 4):
        for locale in ("FI", "SE", "intl", "DE", "US"):
            for lang in ("fi", "sv", "en", "de"):
                for cat in crisis:
                    view = resources_for(severity, [cat], locale, lang)
                    numbers = [r.number for r in view.resources if r.number]
                    assert numbers, (severity, locale, lang, cat)
                    if severity >= 3:
                        assert "112" in numbers, (severity, locale, lang, cat)
                        home_lines = {i for i in cfg["locales"][cfg["home_locale"]]["levels"][
                            str(severity)] if cfg["resources"][i]["group"] == "crisis_line"}
                        assert home_lines & set(ids(view)), (severity, locale, lang, cat)


def test_sweden_has_alcohol_and_gambling_lines_and_hours_are_localised() -> None:
    v = resources_for(1, ["relapse"], "SE", "sv")
    assert {"se.alkohollinjen", "se.stodlinjen"} <= set(ids(v))
    fi = resources_for(2, ["relapse"], "FI", "fi")
    peluuri = next(r for r in fi.resources if r.id == "fi.peluuri")
    assert peluuri.number == "0800 100 101" and peluuri.hours == "arkisin klo 12–18"
    assert next(r for r in v.resources if r.id == "se.mind").hours == "öppettider: mind.se"


def test_personal_data_and_harassment_only_warn() -> None:
    d = detect("sen numero on 040 123 4567")
    v = resources_for(crisis_severity(d), d.categories, "FI", "fi")
    assert v.resources == () and v.message is None and len(v.warnings) == 1
    d2 = detect("tapa ittes")
    assert crisis_severity(d2) == 0
    assert resources_for(d2.severity, d2.categories, "FI", "fi").resources == ()


def test_no_first_aid_below_high_or_without_overdose() -> None:
    assert resources_for(2, ["overdose"], "FI", "en").first_aid_steps == ()
    assert resources_for(4, ["suicide"], "FI", "en").first_aid_steps == ()
    assert resources_for(0, [], "FI", "en").resources == ()
