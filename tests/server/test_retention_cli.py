"""`python -m server admin retention` (issue 15): every figure it prints comes from the running
settings: change a setting and the statement changes with it, in-process and end to end."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from config.settings import Settings, load_settings, parse_settings
from escalation.policy import EscalationPolicy
from server.admin.retention import report as report_for
from tests.escalation.helpers import POLICY
from tests.fixtures.server import REPO_ROOT


def report(settings: Settings, escalation: EscalationPolicy = POLICY) -> str:
    return report_for(settings, escalation)


def settings_text(**tables: dict[str, int]) -> dict[str, object]:
    return {name: dict(values) for name, values in tables.items()}


def test_the_figures_follow_the_settings(tmp_path: Path) -> None:
    base = report(parse_settings({}, tmp_path))
    assert "7 days (inbox.ttl_days)" in base
    assert "reserved 30 days after last use" in base
    assert "12 hours after sign-in" in base and "2 hours idle" in base
    changed = report(parse_settings(settings_text(
        inbox={"ttl_days": 3, "max_per_recipient": 42, "max_per_sender": 7},
        identity={"pseudonym_window_days": 11, "new_key_binding_minutes": 25},
        staff={"session_hours": 5, "session_idle_minutes": 45, "invite_hours": 10}), tmp_path))
    assert "3 days (inbox.ttl_days), at most 42 per recipient, 7 per sender" in changed
    assert "reserved 11 days after last use" in changed
    assert "25 minutes for a key that never published keys" in changed
    assert "5 hours after sign-in (staff.session_hours) or 45 minutes idle" in changed
    assert "10 hours (staff.invite_hours)" in changed
    assert "7 days" not in changed and "30 days" not in changed


def test_cases_are_kept_for_the_escalation_retention_and_erasure_drops_the_name(
        tmp_path: Path) -> None:
    settings = parse_settings({}, tmp_path)
    text = report(settings, replace(POLICY, retention_days=45))
    assert "until 45 days after the case finished (escalation service.retention_days)" in text
    assert "outcome person_erased" in text and "kept without the pseudonym (named erased:)" in text
    assert "until the same 45 days" in text
    assert "cases without the pseudonym" in text.rsplit("erasure:", 1)[1]
    assert "45 days" not in report(settings, replace(POLICY, retention_days=90))


def test_every_group_night_is_listed_with_its_length(tmp_path: Path) -> None:
    settings = load_settings(None)
    text = report(settings)
    for group in settings.groups:
        assert f"night of {group.id}:" in text
    groups = tmp_path / "groups.toml"
    groups.write_text('[[group]]\nid = "yo"\nname = "Yö"\ntopic = "t"\nlanguage = "fi"\n'
                      'days = ["mon"]\nstart = "23:00"\nduration_minutes = 120\n', encoding="utf-8")
    one = report(parse_settings({"server": {"groups_file": "groups.toml"}}, tmp_path))
    assert "night of yo: lobby 15 min before 23:00, ends 2 hours later" in one
    assert "night of alkoholi" not in one


def test_the_command_prints_the_settings_of_its_config_file(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[inbox]\nttl_days = 4\n[identity]\npseudonym_window_days = 9\n",
                      encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "server", "admin", "retention", "--config",
                          str(config)], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "4 days (inbox.ttl_days)" in run.stdout
    assert "reserved 9 days after last use" in run.stdout
    assert "[audit log]" in run.stdout and "[cases]" in run.stdout
    assert "90 days after the case finished" in run.stdout  # config/escalation.toml


def test_the_replay_window_is_stated_on_redis(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from server.api import redis_replay

    embedded = report(parse_settings({}, tmp_path))
    assert "[replay window]" not in embedded
    on_redis = replace(parse_settings({}, tmp_path), redis_url="redis://127.0.0.1:1/0")
    text = report(on_redis)
    assert "[replay window] the last ~1000 group pushes of each room" in text
    assert "1 hour after the room's last push" in text
    assert "deleted when its night ends and when a member erases themselves" in text
    monkeypatch.setattr(redis_replay, "REPLAY_WINDOW", 50)
    assert "the last ~50 group pushes" in report(on_redis)
    monkeypatch.setattr(redis_replay, "ENABLED", False)
    assert "[replay window] off (ILTAPIIRI_FANOUT_REPLAY=0)" in report(on_redis)
