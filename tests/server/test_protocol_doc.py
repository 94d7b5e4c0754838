"""docs/protocol.md and the code agree: every event, push, error code and limit."""

from __future__ import annotations

import re
from pathlib import Path

from server import limits
from server.api.socket import ROUTES
from server.wire.errors import ERROR_CODES
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


def test_settings_limits_match() -> None:
    rows = {
        "one sender's envelopes in one inbox": f"{limits.DEFAULT_INBOX_MAX_PER_SENDER} unexpired",
        "inbox per recipient": f"{limits.DEFAULT_INBOX_MAX_PER_RECIPIENT} unexpired",
        "time to complete `auth`": f"{limits.DEFAULT_AUTH_TIMEOUT_SECONDS:g} s",
        "connections per identity key": f"{limits.DEFAULT_MAX_CONNECTIONS_PER_KEY}, all processes",
        "transports not signed in": f"{limits.DEFAULT_MAX_UNAUTHENTICATED}, "
                                    f"{limits.DEFAULT_MAX_UNAUTHENTICATED_PER_SOURCE} per source",
    }
    for row, value in rows.items():
        assert f"| {row} | {value}" in DOC, row


def test_every_metric_is_documented() -> None:
    from server.metrics import Metrics

    text = Metrics().render(open_rooms=0, inbox_size=0, members=0)
    for name in re.findall(r"^# TYPE (\w+) ", text, flags=re.MULTILINE):
        assert f"`{name}" in DOC, name


def test_guard_limits_match() -> None:
    from server.api import guard as sio_guard

    assert (f"every event shares one bucket of {limits.PREAUTH_RATE:g}/s burst "
            f"{limits.PREAUTH_BURST:g}") in DOC
    assert f"more than {limits.STRIKE_BURST:g} such refusals" in DOC
    assert f"(refilled at {limits.STRIKE_RATE:g}/s)" in DOC
    assert (f"| JSON in a packet | integers {sio_guard.MAX_JSON_INT_DIGITS} digits, depth "
            f"{sio_guard.MAX_JSON_DEPTH} |") in DOC
