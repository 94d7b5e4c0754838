"""Iltapiiri moderation: the pure, data-driven crisis-language detector.

``detect(text, lang=None)`` uses the packaged ``config/detector.json``; build a ``Detector``
from other parsed data with ``build_detector(data)``. Nothing here does I/O after the data file
has been read once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from moderation.data import DataError, compile_data, load_default_data
from moderation.engine import Detector
from moderation.resources import crisis_severity, resources_for
from moderation.result import Detection, Match

__all__ = [
    "DataError",
    "Detection",
    "Detector",
    "Match",
    "build_detector",
    "crisis_severity",
    "default_detector",
    "detect",
    "resources_for",
]


def build_detector(data: dict[str, Any]) -> Detector:
    """Compile a detector from the parsed detector data (the JSON object)."""
    return Detector(compile_data(data))


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector built from the packaged config/detector.json (read once, then cached)."""
    return build_detector(load_default_data())


def detect(text: str, lang: str | None = None) -> Detection:
    """Severity 0-4, categories and matches for one message; ``lang`` is an optional hint."""
    return default_detector().detect(text, lang)
