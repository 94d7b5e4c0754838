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
    assert table["fi.peluuri"]["verify"] is True  # RESOURCES.md says "verify"
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
    assert ids(resources_for(3, ["suicide"], "SE", "sv")) == ["se.mind", "se.emergency"]
    assert ids(resources_for(3, ["suicide"], "DE", "en")) == ["intl.findahelpline", "intl.emergency"]
    assert ids(resources_for(3, ["suicide"], "intl", "en"))[0] == "intl.findahelpline"


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
