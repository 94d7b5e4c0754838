"""Hypothesis fuzz over every socket event the server registers, on both stores.

The event list comes from the running server (`sio.handlers`), so a new event is fuzzed without
touching this file; reserved and unknown names are added. Each input is a raw frame
`42<id>[name, payload...]` with wrong types, missing and extra fields, lone surrogates, huge
integers, deep nesting and NaN, sent signed-in or not. Every one must be answered with
`{"ok": true, ...}` or a stable error code other than `internal`, and a bystander connected to
the same server must still be served afterwards.

A second pass aims at the moderation and data-rights events with their real shapes: a valid
request per event (`TEMPLATES`) with each field dropped, retyped or made huge/nested/invalid
UTF-8/invalid base64, extra fields added, sent by a peer or by a moderator who is in the room
signed in through a real staff account (so the checks past the role gate run too). A third posts hostile bodies (invalid UTF-8, wrong
content types, wrong JSON types) to the staff HTTP endpoints (login, redeem, logout): each gets a
stable error code with a 4xx status, never a 500.

The server runs in its own event loop on a thread: Hypothesis drives a synchronous test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server.api.guard import MAX_JSON_DEPTH
from server.api.staff_http import COOKIE_NAME
from server.app import SIO
from server.wire.errors import ERROR_CODES
from tests.fixtures.server import LiveServer, start_live_server
from tests.server.harness import Peer
from tests.server.mod_harness import staff_token
from tests.server.rawsocket import RawSocket
from tests.server.test_reserved_events import raw_auth

T = TypeVar("T")
RESERVED = ("connect", "disconnect", "*", "", "message", "error", "connect_error",
            "__proto__", "hello ", "HELLO", "auth\n", "\ud800")
# Field names the decoders read (wire.py), so mutations hit real fields as well as junk.
FIELDS = ("identity_key", "signature", "pseudonym", "dh_key", "dh_sig", "signed_prekey",
          "one_time_prekeys", "id", "key", "sig", "group_id", "room", "kind", "header", "body",
          "commitment", "to", "ids", "message_id", "source", "severity", "categories",
          "rule_ids", "alert_id", "on", "sanction_id", "minutes", "days", "seconds",
          "permanent", "reason_code", "reason_text", "appeal_note", "username", "password",
          "totp", "code")
MODERATORS = [(f"Fuzzvalvoja {i}", Ed25519PrivateKey.generate()) for i in range(6)]  # cycled
ROOM = "@room"  # replaced by tonight's room of `open`
# One valid request per moderation and data-rights event: the mutations start from these.
TEMPLATES: dict[str, dict[str, Any]] = {
    "flag": {"room": ROOM, "message_id": "1", "source": "moderator", "severity": 3,
             "categories": ["suicide"], "rule_ids": ["r1"], "pseudonym": "Sivustakatsoja"},
    "alert.ack": {"alert_id": "al-0000000000000000"},
    "mod.duty": {"on": True},
    "mod.sanction": {"kind": "slow_mode", "room": ROOM, "seconds": 5,
                     "reason_code": "disrespect"},
    "mod.lift": {"sanction_id": "sa-0000000000000000"},
    "room.read_only_self": {"room": ROOM},
    "identity.erase_challenge": {},
    "identity.erase": {"signature": "A" * 86 + "=="},
}
STAFF_PATHS = ("/api/staff/login", "/api/staff/redeem", "/api/staff/logout")
STATS = {"inputs": 0, "answered_ok": 0, "refused": 0}
CODES: Counter[str] = Counter()  # event:answer of the moderation pass


class Loop:
    """An event loop on a thread, running the server and the fuzz clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run `coro` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Target:
    """The fuzzed server, its event names and a bystander peer."""

    def __init__(self, loop: Loop, server: LiveServer, bystander: Peer, room: str,
                 staff_tokens: list[str]) -> None:
        self.loop = loop
        self.server = server
        self.bystander = bystander
        self.room = room  # tonight's room of `open`, where the bystander sits
        self.staff_tokens = staff_tokens  # session cookies of MODERATORS' staff accounts
        handlers = server.app[SIO].handlers["/"]
        self.events = sorted(e for e in handlers if e not in ("connect", "disconnect"))


@pytest.fixture(scope="module", params=["embedded", "redis"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Target]:
    overrides: dict[str, Any] = {}
    if request.param == "redis":
        import redis

        url = request.getfixturevalue("redis_server")
        client = redis.Redis.from_url(url)
        client.flushdb()
        client.close()
        overrides["redis_url"] = url
    loop = Loop()
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    server = loop.run(start_live_server(data_dir, **overrides))
    bystander = loop.run(Peer.connect(server.url, "Sivustakatsoja"))
    room = loop.run(bystander.call("group.join", {"group_id": "open"}))["room"]
    tokens = [loop.run(staff_token(server, name)) for name, _ in MODERATORS]
    try:
        yield Target(loop, server, bystander, room, tokens)
    finally:
        loop.run(bystander.close())
        loop.run(server.stop())
        loop.stop()
        print(f"\nfuzz[{request.param}]: {STATS} moderation pass: {dict(CODES)}")


def _text() -> st.SearchStrategy[str]:
    chars = st.characters(exclude_categories=())  # surrogates included
    return st.one_of(st.text(chars, max_size=12), st.sampled_from(
        ["\ud800", "a\udfffb", "group\n", "open", "open/2026-01-01", "x" * 300, "AAAA",
         "A" * 44, "QUJD", "0" * 32]))


def _leaf() -> st.SearchStrategy[str]:
    """JSON text of one value (JSON text, so huge integers and depth are not limited by the
    encoder)."""
    return st.one_of(
        st.none().map(lambda _: "null"), st.booleans().map(json.dumps),
        st.integers(-2**70, 2**70).map(str), st.floats(allow_nan=False).map(json.dumps),
        _text().map(json.dumps),
        st.integers(21, 5000).map(lambda n: "9" * n),
        st.integers(MAX_JSON_DEPTH, 3000).map(lambda n: "[" * n + "]" * n),
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "[]", "{}"]))


def _value() -> st.SearchStrategy[str]:
    return st.recursive(_leaf(), lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), _text()), inner, max_size=5)
        .map(lambda d: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in d.items()) + "}")),
        max_leaves=8)


def _payload() -> st.SearchStrategy[str]:
    """Mostly objects with the decoders' field names (missing, extra, wrong types)."""
    fields = st.dictionaries(st.sampled_from(FIELDS), _value(), max_size=6)
    obj = fields.map(lambda d: "{" + ",".join(f'"{k}":{v}' for k, v in d.items()) + "}")
    return st.one_of(obj, obj, _value())


def frames(events: list[str]) -> st.SearchStrategy[str]:
    """The JSON array of one event frame: [name, payload...]."""
    named = st.one_of(st.sampled_from(events), st.sampled_from(events),
                      st.sampled_from(RESERVED)).map(json.dumps)
    # A name that is not a string, or not even JSON (`[auth]`).
    odd = st.one_of(_leaf(), st.sampled_from(events), st.just("[auth"))
    return st.tuples(st.one_of(named, named, named, odd), st.lists(_payload(), max_size=2)).map(
        lambda t: "[" + ",".join([t[0], *t[1]]) + "]")


async def _probe(target: Target, frame: str, signed_in: bool) -> Any:
    raw = await RawSocket.open(target.server.url)
    try:
        if signed_in:
            assert (await raw_auth(raw, Ed25519PrivateKey.generate()))["ok"]
        return await raw.call_text(frame)
    finally:
        await raw.close()


def _check(target: Target, frame: str, signed_in: bool) -> None:
    STATS["inputs"] += 1
    reply = target.loop.run(_probe(target, frame, signed_in))
    assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), (frame, reply)
    if reply["ok"]:
        STATS["answered_ok"] += 1
    else:
        STATS["refused"] += 1
        assert reply["error"] in ERROR_CODES and reply["error"] != "internal", (frame, reply)
    if STATS["inputs"] % 10 == 0:  # the bystander's own rate limit is 10/s
        reply = target.loop.run(target.bystander.call("groups.list"))
        assert reply["ok"], reply


def test_every_event_answers_hostile_input_with_a_stable_code(target: Target) -> None:
    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(frame=frames(target.events), signed_in=st.booleans())
    # Regression cases (the audit's, and what this fuzz found; see docs/threat-model.md).
    @example(frame='["connect",{}]', signed_in=True)
    @example(frame="[auth]", signed_in=False)  # found by this fuzz: not JSON, no answer
    @example(frame='["disconnect"]', signed_in=False)
    @example(frame='["direct.send",{"to":"\\ud800"}]', signed_in=True)
    @example(frame='["auth",{"pseudonym":"a\\udfffb"}]', signed_in=False)
    @example(frame='["room.send",{"room":' + "9" * 5000 + "}]", signed_in=True)
    @example(frame='["keys.fetch",' + "[" * 1000 + "]" * 1000 + "]", signed_in=True)
    @example(frame='["room.send",{"kind":"group\\n"}]', signed_in=True)
    def fuzz(frame: str, signed_in: bool) -> None:
        _check(target, frame, signed_in)

    fuzz()
    assert len(target.events) >= 12 and "room.send" in target.events
    assert target.loop.run(target.bystander.call("groups.list"))["ok"]
    sio = target.server.app[SIO]
    target.loop.run(asyncio.sleep(0.3))
    assert len(sio.eio.sockets) == 1  # only the bystander: nothing leaked
    assert target.server.services.metrics.errors["internal"] == 0


def _mutated(event: str) -> st.SearchStrategy[str]:
    """The event's valid request with fields dropped, replaced by hostile JSON, or added."""
    template = TEMPLATES[event]
    names = sorted(template)
    hostile = st.one_of(_value(), st.sampled_from(
        ['"\\ud800"', '"not base64!"', '"QUJD="', '"' + "A" * 70_000 + '"', "[[[[[[]]]]]]",
        '{"on": {"on": {"on": true}}}', "-1", "1e308", '"' + "\\u0000" * 40 + '"']))
    changes = st.dictionaries(st.sampled_from(names or ["room"]),
                              st.one_of(st.none(), hostile), max_size=max(1, len(names)))
    extra = st.dictionaries(st.sampled_from(FIELDS), hostile, max_size=2)

    def build(edit: dict[str, str | None], more: dict[str, str]) -> str:
        parts = {k: json.dumps(v) for k, v in template.items()}
        for k, v in edit.items():
            if v is None:
                parts.pop(k, None)  # missing
            else:
                parts[k] = v
        parts.update({k: v for k, v in more.items() if k not in template})
        return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in parts.items()) + "}"

    return st.tuples(changes, extra).map(lambda t: build(*t))


_moderators = itertools.cycle(range(len(MODERATORS)))


async def _probe_as(target: Target, event: str, payload: str, who: str) -> Any:
    """One connection: a fresh peer, or a moderator signed in with its staff session cookie."""
    headers, key = {}, Ed25519PrivateKey.generate()
    if who == "moderator":
        n = next(_moderators)
        headers = {"Cookie": f"{COOKIE_NAME}={target.staff_tokens[n]}"}
        key = MODERATORS[n][1]
    raw = await RawSocket.open(target.server.url, headers=headers)
    try:
        assert (await raw_auth(raw, key))["ok"]
        if who == "moderator":  # in the room, so the checks past the role gate run
            assert (await raw.call("group.join", {"group_id": "open"}))["ok"]
        frame = f"[{json.dumps(event)},{payload.replace(json.dumps(ROOM), json.dumps(target.room))}]"
        return await raw.call_text(frame)
    finally:
        await raw.close()


def test_moderation_and_erase_events_answer_mutated_requests_with_a_stable_code(
        target: Target) -> None:
    assert set(TEMPLATES) <= set(target.events), "a template names an event the server lacks"

    @settings(max_examples=120, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data(), event=st.sampled_from(sorted(TEMPLATES)),
           who=st.sampled_from(["peer", "moderator"]))
    @example(data=None, event="mod.sanction", who="moderator")
    def fuzz(data: Any, event: str, who: str) -> None:
        payload = json.dumps(TEMPLATES[event]) if data is None else data.draw(_mutated(event))
        STATS["inputs"] += 1
        reply = target.loop.run(_probe_as(target, event, payload, who))
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), (event, reply)
        CODES[f"{event}:{reply.get('error', 'ok')}"] += 1
        if not reply["ok"]:
            assert reply["error"] in ERROR_CODES and reply["error"] != "internal", (event, reply)
        if STATS["inputs"] % 10 == 0:
            assert target.loop.run(target.bystander.call("groups.list"))["ok"]

    fuzz()
    assert target.loop.run(target.bystander.call("groups.list"))["ok"]
    assert target.server.services.metrics.errors["internal"] == 0
    # The pass reached past decoding: some mutated requests were served, some refused deeper.
    assert any(k.endswith(":ok") for k in CODES), CODES
    assert {k for k in CODES if not k.endswith((":bad_request", ":too_large"))}, CODES


def _bodies() -> st.SearchStrategy[tuple[str, bytes]]:
    """(content type, body): JSON of every wrong shape, invalid UTF-8, bytes, huge text."""
    as_json = st.one_of(_payload(), _value()).map(lambda v: v.encode("utf-8", "surrogatepass"))
    raw = st.one_of(st.binary(max_size=64), st.sampled_from(
        [b"\xff\xfe{}", b'{"username": "\xc3\x28"}', b"", b"{", b"null", b"[]",
         b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"x" * 70_000]))
    kind = st.sampled_from(["application/json", "application/json", "text/plain",
                            "application/x-www-form-urlencoded", "application/json; charset=latin1"])
    return st.tuples(kind, st.one_of(as_json, as_json, raw))


async def _post(target: Target, path: str, kind: str, body: bytes) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.post(
            target.server.url + path, data=body, headers={"Content-Type": kind}) as resp:
        return resp.status, await resp.json(content_type=None)


def test_staff_endpoints_answer_hostile_bodies_with_a_stable_code(target: Target) -> None:
    @settings(max_examples=90, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(path=st.sampled_from(STAFF_PATHS), body=_bodies())
    @example(path="/api/staff/login", body=("application/json", b'{"username": "\xc3\x28"}'))
    @example(path="/api/staff/redeem", body=("application/json", b'{"code": ["x"]}'))
    def fuzz(path: str, body: tuple[str, bytes]) -> None:
        STATS["inputs"] += 1
        status, reply = target.loop.run(_post(target, path, *body))
        assert isinstance(reply, dict), (path, body, reply)
        if path.endswith("logout") and reply.get("ok"):
            return  # logging out without a session is fine
        assert reply.get("ok") is False and reply["error"] in ERROR_CODES, (path, body, reply)
        assert reply["error"] != "internal" and 400 <= status < 500, (path, body, status, reply)

    fuzz()
    assert target.loop.run(target.bystander.call("groups.list"))["ok"]
