"""Every decoder meets random, truncated and bit-flipped input with a typed E2EEError only."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from e2ee import (
    Account,
    DeviceIdentity,
    DirectEnvelope,
    E2EEError,
    FrankingOpening,
    GroupEnvelope,
    GroupKeys,
    InMemorySessionStore,
    MembershipEvent,
    PrekeyBundle,
    Session,
    TextContent,
    decode_content,
    encode_content,
)
from e2ee.group_wire import GroupHeader
from e2ee.ratchet import RatchetHeader
from e2ee.x3dh import PrekeyHeader

from .helpers import SeededRng, bundle_for, direct_env, group_env, party


def samples() -> dict[str, tuple[Callable[[bytes], object], bytes]]:
    rng = SeededRng(b"fuzz")
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng), rng)
    pre = alice.encrypt_text(bob.account.identity_key, "hei", rng)
    got = bob.decrypt(direct_env(pre, alice))
    msg = bob.encrypt_text(alice.account.identity_key, "moi", rng)
    ga = GroupKeys(alice.account.identity)
    dist = ga.create_sender_key("r/2026-11-26", 1, rng)
    gout = ga.encrypt_text("r/2026-11-26", "kaikille", rng)
    assert got.opening is not None
    ident = alice.account.identity
    return {
        "prekey header": (PrekeyHeader.decode, pre.header),
        "ratchet header": (RatchetHeader.decode, msg.header),
        "group header": (GroupHeader.decode, gout.header),
        "content": (decode_content, encode_content(TextContent("sisältö", bytes(32)))),
        "identity": (DeviceIdentity.from_bytes, ident.to_bytes()),
        "account": (Account.from_bytes, alice.account.to_bytes()),
        "session": (Session.from_bytes, alice.store.get(bob.account.identity_key)[0].to_bytes()),
        "store": (InMemorySessionStore.from_bytes, alice.store.to_bytes()),  # type: ignore[attr-defined]
        "group keys": (lambda b: GroupKeys.from_bytes(ident, b), ga.to_bytes()),
        "opening": (FrankingOpening.from_bytes, got.opening.to_bytes()),
        "distribution content": (decode_content, encode_content(dist)),
    }


@pytest.mark.parametrize("name", list(samples()))
def test_mutations_raise_only_typed_errors(name: str) -> None:
    decode, good = samples()[name]
    decode(good)  # the unmutated sample is valid
    rng = SeededRng(name.encode())
    for i in range(len(good)):  # strict: every truncation is refused
        with pytest.raises(E2EEError):
            decode(good[:i])
    with pytest.raises(E2EEError):
        decode(good + b"\x00" * 160)
    cases: list[bytes] = []
    for _ in range(300):
        r = rng(4)
        i = int.from_bytes(r[:2], "big") % max(len(good), 1)
        flipped = bytearray(good)
        if flipped:
            flipped[i] ^= r[2] or 1
        cases.append(bytes(flipped))
        cases.append(rng(r[3] % 200))
    for data in cases:
        with contextlib.suppress(E2EEError):
            decode(data)


JSON_DECODERS: list[Callable[[Any], object]] = [
    DirectEnvelope.from_wire, GroupEnvelope.from_wire, PrekeyBundle.from_fetch,
    MembershipEvent.from_wire, FrankingOpening.from_wire,
]
JUNK: list[Any] = [None, [], "x", 1, {}, {"kind": 1}, {"room": None}, {"signed_prekey": []},
                   {"members": "x"}, {"ts": -1}, {"ts": True}]


@pytest.mark.parametrize("decode", JSON_DECODERS)
def test_json_decoders_reject_junk(decode: Callable[[Any], object]) -> None:
    for junk in JUNK:
        with pytest.raises(E2EEError):
            decode(junk)


def test_envelope_json_shapes() -> None:
    rng = SeededRng(b"wire")
    a = party("a", rng)
    ga = GroupKeys(a.account.identity)
    ga.create_sender_key("r/2026-11-26", 1, rng)
    out = ga.encrypt_text("r/2026-11-26", "x", rng)
    env = group_env(out, "r/2026-11-26", a.account.identity_key, 3)
    import base64

    wire = {"room": env.room, "seq": 3, "ts": env.ts, "sender": env.sender,
            "sender_key": base64.b64encode(env.sender_key).decode(), **out.to_wire(),
            "stamp": base64.b64encode(env.stamp or b"").decode()}
    assert GroupEnvelope.from_wire(wire) == env
    for bad in ({"seq": 0}, {"kind": "other"}, {"sender_key": "AAAA"}, {"commitment": "AAAA"},
                {"room": "x" * 200}, {"header": "!!"}):
        with pytest.raises(E2EEError):
            GroupEnvelope.from_wire({**wire, **bad})
    dwire = {"id": "1", "ts": 5, "from": "a", "from_key": wire["sender_key"], **out.to_wire()}
    with pytest.raises(E2EEError):  # a group kind is never a direct envelope
        DirectEnvelope.from_wire(dwire)
