"""docs/protocol.md and the code agree: every event, push, error code and limit."""

from __future__ import annotations

import re
from pathlib import Path

from config.settings import DEFAULTS, load_settings
from server import limits
from server.api.routes import ROUTES
from server.wire.errors import ERROR_CODES
from tests.server.harness import PUSH_EVENTS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_every_event_is_documented_in_a_table() -> None:
    documented = set(re.findall(r"^\| `([a-z._]+)` \|", DOC, flags=re.MULTILINE))
    assert documented == set(ROUTES)


def test_every_push_is_documented() -> None:
    for event in PUSH_EVENTS:
        assert f"`{event}`" in DOC, event


def test_error_codes_match() -> None:
    section = DOC.split("## Error codes", 1)[1].split("##", 1)[0]
    documented = re.findall(r"`([a-z_]+)`", section)
    assert documented == list(ERROR_CODES)


def test_limits_match() -> None:
    for name, value in limits.public_limits(DEFAULTS.send_rate, DEFAULTS.send_burst).items():
        number = int(value) if float(value).is_integer() else value
        assert re.search(rf"`{name}` {number}\b", DOC), name
    assert str(limits.MAX_FRAME_BYTES) in DOC


def test_settings_limits_match() -> None:
    d = load_settings(None)  # what `python -m server` runs with no settings file
    rows = {
        "one sender's envelopes in one inbox": f"{d.inbox_max_per_sender} unexpired",
        "inbox per recipient": f"{d.inbox_max_per_recipient} unexpired",
        "time to complete `auth`": f"{d.auth_timeout_seconds:g} s",
        "connections per identity key": f"{d.max_connections_per_key}, all processes",
        "transports not signed in": f"{d.max_unauthenticated}, "
                                    f"{d.max_unauthenticated_per_source} per source",
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


def test_every_typed_push_is_documented_and_listened_for() -> None:
    from server.wire.case_pushes import CASE_PUSHES
    from server.wire.pushes import PUSHES

    events = {push.EVENT for push in PUSHES + CASE_PUSHES}
    assert events == set(PUSH_EVENTS)
    for event in events:
        assert f"`{event}`" in DOC, event
