"""docs/escalation.md names every state, event, outcome, refusal code and setting."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from escalation.case import CaseState, Outcome
from escalation.machine import CaseEvent

ROOT = Path(__file__).resolve().parents[2]
ESC = (ROOT / "docs" / "escalation.md").read_text(encoding="utf-8")


def codes_in(path: str) -> set[str]:
    return set(re.findall(r'RuleError\(\s*"([a-z_]+)"', (ROOT / path).read_text(encoding="utf-8")))


def test_escalation_doc_names_every_state_event_outcome_and_refusal() -> None:
    for name in [*CaseState, *CaseEvent, *Outcome]:
        assert name.value in ESC, name
    for code in codes_in("escalation/machine.py") - {"bad_source"}:
        assert f"`{code}`" in ESC, code


def test_escalation_doc_names_every_setting() -> None:
    data = tomllib.loads((ROOT / "config" / "escalation.toml").read_text(encoding="utf-8"))
    for key in data["service"]:
        assert key in ESC, key
    for key in data["levels"]["4"]:
        assert f"levels.N.{key}" in ESC, key
