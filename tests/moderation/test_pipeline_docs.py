"""docs/moderation.md names every sanction kind, alert state and event, code, notice and setting."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from moderation.alerts import REFUSALS, AlertEvent, AlertState
from moderation.notices import NOTICE_PARAMS
from moderation.sanctions import SanctionKind

ROOT = Path(__file__).resolve().parents[2]
MOD = (ROOT / "docs" / "moderation.md").read_text(encoding="utf-8")


def codes_in(path: str) -> set[str]:
    return set(re.findall(r'RuleError\(\s*"([a-z_]+)"', (ROOT / path).read_text(encoding="utf-8")))


def test_moderation_doc_names_every_kind_state_notice_code_and_setting() -> None:
    for name in [*SanctionKind, *AlertState, *AlertEvent]:
        assert name.value in MOD, name
    for code in set(REFUSALS.values()) | codes_in("moderation/authorise.py"):
        assert f"`{code}`" in MOD, code
    for key in NOTICE_PARAMS:
        if key.startswith("refusal."):
            continue  # documented as refusal.<code>
        assert f"`{key}`" in MOD, key
    data = tomllib.loads((ROOT / "config" / "moderation.toml").read_text(encoding="utf-8"))
    for key in data["alerts"]:
        assert f"alerts.{key}" in MOD, key
