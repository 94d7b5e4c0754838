"""A small synthetic detector data file for unit tests of pure logic (no lexicon coupling)."""

from __future__ import annotations

import copy
from typing import Any

from moderation import build_detector
from moderation.data import load_default_data
from moderation.engine import Detector


def base_data() -> dict[str, Any]:
    """The real tables and settings with an empty lexicon, idioms, cues and combinations, and
    no learned model (these detectors test the rules' logic)."""
    data = copy.deepcopy(load_default_data())
    data.pop("model", None)
    data["lexicon"] = []
    data["idioms"] = []
    data["combinations"] = []
    data["context_cues"] = {"past": {}, "recent": {}, "reported": {}}
    data["negation"]["pseudo"] = {}
    return data


def entry(id: str, patterns: list[str], severity: int = 3, negation: str = "negatable",
          category: str = "suicide", **extra: Any) -> dict[str, Any]:
    """One lexicon entry."""
    return {"id": id, "lang": ["en"], "category": category, "severity": severity,
            "negation": negation, "patterns": patterns, **extra}


def detector(lexicon: list[dict[str, Any]], **overrides: Any) -> Detector:
    """Compile a detector from the base data with the given lexicon and overrides."""
    data = base_data()
    data["lexicon"] = lexicon
    for key, value in overrides.items():
        data[key] = value
    return build_detector(data)
