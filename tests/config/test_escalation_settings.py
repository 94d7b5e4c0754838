"""config/escalation.toml parses into a validated policy; mistakes fail with bad_config."""

from __future__ import annotations

import pytest

from config.escalation import (
    DEFAULT_ESCALATION_FILE,
    DEFAULT_RESOURCES_FILE,
    EscalationConfigError,
    load_escalation_settings,
    parse_escalation_settings,
    resource_ids,
)
from escalation.policy import Notify

TEXT = DEFAULT_ESCALATION_FILE.read_text(encoding="utf-8")
KNOWN = resource_ids(DEFAULT_RESOURCES_FILE.read_text(encoding="utf-8"))


def test_the_packaged_file_loads_and_its_alternatives_exist() -> None:
    p = load_escalation_settings()
    four = p.level(4)
    assert four.realert_after_seconds == 60 and four.notify == (Notify.DUTY, Notify.SUPERVISOR)
    assert p.level(3).realert_after_seconds == 300
    assert "fi.emergency" in four.alternatives
    assert p.hours.timezone == "Europe/Helsinki" and p.retention_days == 90
    assert p.estimate_window_seconds == 3600 and p.health_window_seconds == 12 * 3600
    assert p.hours.weekly[0][0].start == 17 * 60 and p.hours.weekly[0][0].crosses_midnight


@pytest.mark.parametrize(("old", "new", "match"), [
    ('alternatives = ["fi.ehyt", "fi.peluuri", "fi.mieli.fi"]', 'alternatives = ["fi.nowhere"]', "unknown resources"),
    ('alternatives = ["fi.ehyt", "fi.peluuri", "fi.mieli.fi"]', "alternatives = []", "alternatives"),
    ('notify = ["duty"]', 'notify = ["police"]', "notify"),
    ('mon = ["17:00-01:00"]', 'mon = ["5pm-1am"]', "HH:MM-HH:MM"),
    ('mon = ["17:00-01:00"]', 'mon = ["17:00-17:00"]', "empty"),
    ('mon = ["17:00-01:00"]', 'mon = ["17:00-24:30"]', "24:00"),
    ('mon = ["17:00-01:00"]', 'monday = ["17:00-01:00"]', "unknown days"),
    ('timezone = "Europe/Helsinki"', 'timezone = "Europe/Atlantis"', "time zone"),
    ("retention_days = 90", "retention_days = 0", "retention_days"),
    ("retention_days = 90", "retention_days = 9.5", "retention_days"),
    ("[levels.1]", "[levels.5]", "unknown levels"),
    ("realert_after_seconds = 60", "realert_after_seconds = 1", "realert_after_seconds"),
    ("offer_seconds = 45", "offer_seconds = \"45\"", "offer_seconds"),
    ("[service]", "[servic]", r"\[service\]"),
])
def test_mistakes_in_the_file_are_named(old: str, new: str, match: str) -> None:
    assert old in TEXT
    with pytest.raises(EscalationConfigError, match=match) as info:
        parse_escalation_settings(TEXT.replace(old, new, 1), known_resources=KNOWN)
    assert info.value.code == "bad_config"


def test_a_missing_level_is_refused() -> None:
    cut = TEXT[: TEXT.index("[levels.1]")]
    with pytest.raises(EscalationConfigError, match=r"levels\.1"):
        parse_escalation_settings(cut, known_resources=KNOWN)
