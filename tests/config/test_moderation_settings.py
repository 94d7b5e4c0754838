"""config/moderation.toml parses into validated, frozen settings; bad files fail with bad_config."""

from __future__ import annotations

import pytest

from config.moderation_settings import (
    DEFAULT_MODERATION_FILE,
    ModerationConfigError,
    load_moderation_settings,
    parse_moderation_settings,
)

TEXT = DEFAULT_MODERATION_FILE.read_text(encoding="utf-8")


def test_the_packaged_file_loads() -> None:
    settings = load_moderation_settings()
    assert settings.alerts.resend_after_seconds == 60 and settings.alerts.load_cap == 3
    assert {"spam", "harassment", "personal_data"} <= settings.reason_codes


@pytest.mark.parametrize(("old", "new", "match"), [
    ("resend_after_seconds = 60", "resend_after_seconds = 1", "resend_after_seconds"),
    ("resend_after_seconds = 60", "resend_after_seconds = \"60\"", "resend_after_seconds"),
    ("load_cap = 3", "load_cap = 0", "load_cap"),
    ("load_cap = 3", "load_cap = 2.5", "load_cap"),
    ("pool_size = 1", "pool_size = true", "pool_size"),
    ("[reasons.spam]", "[reasons.Spam]", "reason code"),
    ('en = "Spam or flooding the chat"', "", "reason spam has no plain en"),
    ("[alerts]", "[alertz]", r"\[alerts\]"),
    ('"room.locked" = {', '"room.lockd" = {', "notice"),
    ("resend_after_seconds = 60", "resend_after_seconds = = 60", "not TOML"),
])
def test_mistakes_in_the_file_are_named(old: str, new: str, match: str) -> None:
    assert old in TEXT
    with pytest.raises(ModerationConfigError, match=match) as info:
        parse_moderation_settings(TEXT.replace(old, new, 1))
    assert info.value.code == "bad_config"
