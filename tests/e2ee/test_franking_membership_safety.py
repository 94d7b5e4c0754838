"""Franking stamps and reports, membership signatures, safety numbers."""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest

from e2ee import (
    DecodeError,
    FrankingError,
    FrankingOpening,
    MembershipEvent,
    SignatureError,
    format_safety_number,
    make_commitment,
    make_stamp,
    safety_number,
    sign_membership,
    verify_commitment,
    verify_membership,
    verify_report,
    verify_stamp,
)
from e2ee import primitives as p

KEY = b"\x33" * 32
SENDER = hashlib.sha256(b"s").digest()
ROOM = "r/2026-11-26"


def opening() -> FrankingOpening:
    fk = b"\x44" * 32
    ref = bytes(12)
    cm = make_commitment(fk, ROOM, SENDER, ref, "viesti")
    return FrankingOpening("viesti", fk, cm, ROOM, SENDER, ref, ROOM, 123, make_stamp(KEY, cm, SENDER, ROOM, 123))


def test_stamp_is_the_protocol_hmac() -> None:
    cm = b"\x01" * 32
    expected = p.hmac_sha256(
        KEY, b"iltapiiri/frank-stamp/v1\x00" + cm + SENDER + ROOM.encode() + b"\x00" + (123).to_bytes(8, "big")
    )
    assert make_stamp(KEY, cm, SENDER, ROOM, 123) == expected
    assert verify_stamp(KEY, expected, cm, SENDER, ROOM, 123)
    for changed in ((b"\x02" * 32, SENDER, ROOM, 123), (cm, KEY, ROOM, 123),
                    (cm, SENDER, ROOM + "x", 123), (cm, SENDER, ROOM, 124)):
        assert not verify_stamp(KEY, expected, *changed)
    assert not verify_stamp(b"\x00" * 32, expected, cm, SENDER, ROOM, 123)


def test_report_verifies_and_any_change_fails() -> None:
    o = opening()
    verify_report(o, KEY)
    assert verify_commitment(o)
    for change in ({"text": "muu"}, {"franking_key": b"\x45" * 32}, {"context": "toinen"},
                   {"sender_key": KEY}, {"message_ref": b"\x01" + bytes(11)}):
        with pytest.raises(FrankingError):
            verify_report(dataclasses.replace(o, **change), KEY)  # type: ignore[arg-type]
    for change in ({"ts": 124}, {"room": "toinen"}, {"stamp": None}, {"stamp": bytes(32)}):
        with pytest.raises(FrankingError):
            verify_report(dataclasses.replace(o, **change), KEY)  # type: ignore[arg-type]


def test_report_context_must_be_the_stamped_room() -> None:
    """A commitment made for one room cannot be passed off with a stamp from another."""
    fk, ref = b"\x44" * 32, bytes(12)
    cm = make_commitment(fk, "muu/2026-11-26", SENDER, ref, "viesti")
    o = FrankingOpening("viesti", fk, cm, "muu/2026-11-26", SENDER, ref, ROOM, 5,
                        make_stamp(KEY, cm, SENDER, ROOM, 5))
    assert o.verify_commitment()
    with pytest.raises(FrankingError):
        verify_report(o, KEY)


def test_opening_serialisation_is_strict() -> None:
    o = opening()
    data = o.to_bytes()
    assert FrankingOpening.from_bytes(data) == o
    with pytest.raises(DecodeError):
        FrankingOpening.from_bytes(data[:-1])
    with pytest.raises(DecodeError):
        FrankingOpening.from_wire({**o.to_wire(), "ts": "123"})


def _event(seed: bytes, **over: object) -> dict[str, object]:
    keys = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    b = lambda k: base64.b64encode(k).decode()  # noqa: E731
    sig = sign_membership(seed, ROOM, 5, "left", keys[0], "peer",
                          [(keys[2], "moderator"), (keys[1], "peer")], 99)
    ev: dict[str, object] = {
        "room": ROOM, "epoch": 5, "event": "left", "pseudonym": "Pöllö", "identity_key": b(keys[0]),
        "role": "peer",
        "members": [{"pseudonym": "x", "identity_key": b(keys[1]), "role": "peer"},
                    {"pseudonym": "y", "identity_key": b(keys[2]), "role": "moderator"}],
        "at": 99, "sig": b(sig),
    }
    ev.update(over)
    return ev


def test_membership_verifies_and_any_field_change_fails() -> None:
    seed = b"\x05" * 32
    server = p.ed25519_public(seed)
    ev = verify_membership(server, _event(seed))
    assert isinstance(ev, MembershipEvent) and len(ev.member_keys()) == 2
    other = base64.b64encode(hashlib.sha256(b"z").digest()).decode()
    for over in ({"room": "x/2026-11-26"}, {"epoch": 6}, {"event": "removed"}, {"at": 100},
                 {"identity_key": other},
                 {"members": [{"pseudonym": "x", "identity_key": other, "role": "peer"}]},
                 # v2: the roles are signed too, the subject's and every member's
                 {"role": "moderator"},
                 {"members": [{"pseudonym": "x", "identity_key": base64.b64encode(
                     hashlib.sha256(bytes([1])).digest()).decode(), "role": "moderator"},
                     {"pseudonym": "y", "identity_key": base64.b64encode(
                         hashlib.sha256(bytes([2])).digest()).decode(), "role": "moderator"}]}):
        with pytest.raises(SignatureError):
            verify_membership(server, _event(seed, **over))
    with pytest.raises(SignatureError):
        verify_membership(p.ed25519_public(b"\x06" * 32), _event(seed))
    with pytest.raises(DecodeError):
        verify_membership(server, _event(seed, event="teleported"))
    with pytest.raises(DecodeError):
        verify_membership(server, _event(seed, epoch=True))
    with pytest.raises(DecodeError):  # a role outside the signed vocabulary never decodes
        verify_membership(server, _event(seed, role="moderator:peer"))
    assert ev.role_of(hashlib.sha256(bytes([2])).digest()) == "moderator"


def test_safety_numbers() -> None:
    a, b, c = (hashlib.sha256(x).digest() for x in (b"a", b"b", b"c"))
    n = safety_number(a, b)
    assert n == safety_number(b, a)
    assert len(n) == 60 and n.isdigit()
    assert n != safety_number(a, c)
    shown = format_safety_number(n)
    assert len(shown.split(" ")) == 12 and all(len(g) == 5 for g in shown.split(" "))
