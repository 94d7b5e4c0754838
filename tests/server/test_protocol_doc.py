"""docs/protocol.md and the code agree: every event, push, error code and limit."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

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


def _documented_codes() -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", DOC.split("## Error codes", 1)[1].split("##", 1)[0]))


def _raised(node: ast.AST) -> set[str]:
    """The codes of `ApiError("code", ...)` written in this tree."""
    return {call.args[0].value for call in ast.walk(node) if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name) and call.func.id == "ApiError"
            and call.args and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)}


def test_every_error_code_the_server_raises_is_documented() -> None:
    server = Path(__file__).resolve().parents[2] / "server"
    raised = {code: path.relative_to(server.parent) for path in server.rglob("*.py")
              for code in _raised(ast.parse(path.read_text(encoding="utf-8")))}
    assert len(raised) > 40  # the scan sees the handlers
    missing = {code: str(path) for code, path in raised.items() if code not in _documented_codes()}
    assert not missing, f"raised but not in '## Error codes': {missing}"


# The codes any event can answer, said once above the tables ("Errors" columns list the rest).
ANY_EVENT = {"bad_request", "too_large", "rate_limited", "not_authenticated", "internal"}
STAFF_AND_CASE = re.compile(
    r"^(mod|alert|flag|report|case|cases|counsellor|team_key|staff)\b|^room\.read_only_self$")


def _calls(node: ast.AST) -> list[ast.Call]:
    """The calls in this tree, less those under a `try` that catches ApiError and does not
    raise it again (an offer that fails is skipped, not answered)."""
    if isinstance(node, ast.Try) and any(
            h.type is not None and "ApiError" in ast.unparse(h.type) and not any(
                isinstance(r, ast.Raise) and r.exc is None for r in ast.walk(h))
            for h in node.handlers):
        return [c for part in (node.handlers, node.orelse, node.finalbody) for n in part
                for c in _calls(n)]
    own = [node] if isinstance(node, ast.Call) else []
    return own + [c for child in ast.iter_child_nodes(node) for c in _calls(child)]


def _codes_of(fn: Any, seen: set[Any]) -> set[str]:
    """ApiError codes `fn` raises itself or through the server's own functions it calls
    (`helper(...)` or `module.helper(...)`; not what the pure models refuse, which
    `rule_error` passes on under the model's code)."""
    fn = inspect.unwrap(getattr(fn, "__func__", fn))
    if fn in seen or not inspect.isfunction(fn) or not fn.__module__.startswith("server."):
        return set()
    seen.add(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    found = _raised(tree)
    for call in _calls(tree):
        if isinstance(call.func, ast.Name):
            found |= _codes_of(fn.__globals__.get(call.func.id), seen)
        elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            module = fn.__globals__.get(call.func.value.id)
            if inspect.ismodule(module):
                found |= _codes_of(getattr(module, call.func.attr, None), seen)
    return found


def test_staff_and_case_events_list_their_error_codes() -> None:
    rows = {m[0]: m[1] for m in re.findall(r"^\| `([a-z._]+)` \|(.*)$", DOC, flags=re.MULTILINE)}
    documented = _documented_codes()
    checked = [name for name in ROUTES if STAFF_AND_CASE.match(name)]
    assert len(checked) > 20, checked
    for name in checked:
        cells = re.split(r"(?<!\\)\|", rows[name].strip().removesuffix("|"))
        assert len(cells) == 3, f"{name}: its row needs request | reply | errors"
        listed = set(re.findall(r"`([a-z_]+)`", cells[2]))
        assert listed <= documented, f"{name}: {sorted(listed - documented)} not in Error codes"
        event = ROUTES[name]
        raised = (_codes_of(event.rule, set()) | _codes_of(event.decode, set())) - ANY_EVENT
        assert raised <= listed, f"{name} can answer {sorted(raised - listed)}: not in its row"
