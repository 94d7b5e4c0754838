"""tests/vectors/detect.json is what the Python detector produces today (the JS port replays it)."""

from __future__ import annotations

import json

from tests.moderation.make_vectors import VECTORS, build, render


def test_vectors_are_current() -> None:
    assert VECTORS.read_text("utf-8") == render(build()), (
        "detector output changed: review, then python -m tests.moderation.make_vectors"
    )


def test_vectors_cover_enough() -> None:
    data = json.loads(VECTORS.read_text("utf-8"))
    vectors = data["vectors"]
    assert data["count"] == len(vectors) >= 150
    assert sum(v["expected"]["severity"] == 4 for v in vectors) >= 20
    assert sum(any(ord(ch) > 0xFFFF for ch in v["text"]) for v in vectors) >= 5
    assert {m["rule"].split(".")[0] for v in vectors for m in v["expected"]["matches"]} >= {
        "en", "fi", "sv", "pii", "combo"}
