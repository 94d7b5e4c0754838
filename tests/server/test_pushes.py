"""Typed pushes: the wire form each client reads, and reprs without keys, names or ciphertext."""

from __future__ import annotations

import base64

from server.domain.records import Member, QueuedEnvelope
from server.domain.roles import Role
from server.wire.pushes import PUSHES, DirectEnvelope, Membership, RoomEnvelope

KEY = b"K" * 32


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_room_envelope_keeps_its_wire_names_and_stamps_only_with_a_commitment() -> None:
    push = RoomEnvelope(room="r/2026-12-03", seq=4, ts=9, sender="Salainen", sender_key=KEY,
                        kind="group", header=b"h", body=b"b")
    assert push.to_wire() == {"room": "r/2026-12-03", "seq": 4, "ts": 9, "sender": "Salainen",
                              "sender_key": b64(KEY), "kind": "group", "header": b64(b"h"),
                              "body": b64(b"b")}
    stamped = RoomEnvelope(**{**push.__dict__, "commitment": b"c" * 32, "stamp": b"s" * 32})
    assert stamped.to_wire()["stamp"] == b64(b"s" * 32)


def test_a_direct_envelope_is_its_queued_record() -> None:
    queued = QueuedEnvelope(id="a" * 32, ts=1, sender="Salainen", sender_key=KEY, kind="direct",
                            header=b"h", body=b"b")
    wire = DirectEnvelope(envelope=queued).to_wire()
    assert wire["from"] == "Salainen" and wire["from_key"] == b64(KEY)
    assert QueuedEnvelope.from_json(queued.to_json()) == queued


def test_reprs_show_no_key_name_or_ciphertext() -> None:
    member = Member(pseudonym="Salainen", identity_key=KEY, role=Role.PEER)
    pushes = [
        Membership(room="r", epoch=1, event="joined", pseudonym="Salainen", identity_key=KEY,
                   role="peer", members=(member,), at=1, sig=b"S" * 64),
        RoomEnvelope(room="r", seq=1, ts=1, sender="Salainen", sender_key=KEY, kind="group",
                     header=b"HEADER", body=b"CIPHERTEXT"),
        DirectEnvelope(envelope=QueuedEnvelope(id="a" * 32, ts=1, sender="Salainen",
                                               sender_key=KEY, kind="direct", header=b"HEADER",
                                               body=b"CIPHERTEXT")),
    ]
    for push in pushes:
        text = repr(push)
        for secret in ("Salainen", b64(KEY), "CIPHERTEXT", "HEADER", b64(b"CIPHERTEXT")):
            assert secret not in text, (push.EVENT, text)


def test_every_push_has_its_own_event_name() -> None:
    names = [push.EVENT for push in PUSHES]
    assert all(names) and len(set(names)) == len(names)
