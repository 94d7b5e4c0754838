"""docs/protocol.md and the code agree: every event, push, error code and limit."""

from __future__ import annotations

import re
from pathlib import Path

from server import limits
from server.errors import ERROR_CODES
from server.sio_adapter import ROUTES
from tests.server.harness import PUSH_EVENTS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_every_event_is_documented_in_a_table() -> None:
    documented = set(re.findall(r"^\| `([a-z.]+)` \|", DOC, flags=re.MULTILINE))
    assert documented == set(ROUTES)


def test_every_push_is_documented() -> None:
    for event in PUSH_EVENTS:
        assert f"`{event}`" in DOC, event


def test_error_codes_match() -> None:
    section = DOC.split("## Error codes", 1)[1].split("##", 1)[0]
    documented = re.findall(r"`([a-z_]+)`", section)
    assert documented == list(ERROR_CODES)


def test_limits_match() -> None:
    for name, value in limits.PUBLIC_LIMITS.items():
        number = int(value) if float(value).is_integer() else value
        assert re.search(rf"`{name}` {number}\b", DOC), name
    assert str(limits.MAX_FRAME_BYTES) in DOC
