"""The audit chain: canonical bytes, allow-listed details, and tampering found at its index."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.audit import (
    CHAIN_LABEL,
    GENESIS,
    AuditEntry,
    AuditRow,
    append,
    broken_checkpoint,
    chain_hash,
    checkpoint_text,
    decode_entry,
    encode_entry,
    parse_checkpoint,
    verify,
)
from moderation.limits import RuleError


def entry(seq: int, **kw: object) -> AuditEntry:
    base: dict[str, object] = dict(seq=seq, at_ms=1_700_000_000_000 + seq, actor="mod-a", action="sanction",
                                   room="ilta/2026-12-03", pseudonym="Aamukaste",
                                   details={"kind": "mute", "minutes": 15, "reason_code": "spam"})
    base.update(kw)
    return AuditEntry(**base)  # type: ignore[arg-type]


def chain(n: int) -> list[AuditRow]:
    rows: list[AuditRow] = []
    for i in range(n):
        rows.append(append(rows, entry(i, details={"severity": i % 5})))
    return rows


def test_the_encoding_is_the_drawn_layout() -> None:
    e = AuditEntry(seq=1, at_ms=2, actor="a", action="login", room=None, pseudonym="p",
                   details={"role": "moderator", "code": "x", "level": -1})
    expected = (b"iltapiiri/audit-entry/v1\x00" + struct.pack(">QQ", 1, 2) + b"\x00\x01a" + b"\x00\x05login"
                + b"\x00" + b"\x01\x00\x01p" + b"\x00\x03"
                + b"\x00\x04code" + b"\x02\x00\x01x"
                + b"\x00\x05level" + b"\x01" + struct.pack(">q", -1)
                + b"\x00\x04role" + b"\x02\x00\x09moderator")
    assert encode_entry(e) == expected
    body = encode_entry(e)
    assert chain_hash(GENESIS, e) == hashlib.sha256(CHAIN_LABEL + GENESIS + struct.pack(">I", len(body)) + body).digest()


def test_details_order_does_not_change_the_bytes() -> None:
    a = entry(0, details={"kind": "mute", "minutes": 15})
    b = entry(0, details={"minutes": 15, "kind": "mute"})
    assert encode_entry(a) == encode_entry(b)


def test_an_empty_room_differs_from_no_room() -> None:
    assert encode_entry(entry(0, room=None)) != encode_entry(entry(0, pseudonym=None))


@pytest.mark.parametrize("details", [
    {"text": "I feel awful tonight"},       # not allow-listed
    {"reason_code": "I feel awful"},         # spaces: a sentence is not a token
    {"code": "192.168.1.7 x"},
    {"severity": True},
    {"severity": 2**63},
    {"categories": ["a"]},
])
def test_details_refuse_text_and_unknown_keys(details: dict[str, object]) -> None:
    with pytest.raises(RuleError) as info:
        entry(0, details=details)
    assert info.value.code == "bad_audit"


def test_unknown_actions_and_bad_numbers_are_refused() -> None:
    for seq, kw in ((0, {"action": "chat"}), (-1, {}), (0, {"at_ms": 1.5}), (0, {"actor": ""}),
                    (0, {"room": "x" * 129})):
        with pytest.raises(RuleError):
            entry(seq, **kw)


def test_details_cannot_be_changed_after_the_entry_is_built() -> None:
    e = entry(0)
    with pytest.raises(TypeError):
        e.details["minutes"] = 1  # type: ignore[index]


def test_a_sound_chain_verifies_and_appending_needs_the_next_seq() -> None:
    rows = chain(10)
    assert verify(rows) is None
    assert verify([]) is None
    assert verify(rows, expected_head=rows[-1].hash) is None
    with pytest.raises(RuleError):
        append(rows, entry(5))


def test_deleting_inserting_or_cutting_rows_is_found() -> None:
    rows = chain(8)
    assert verify(rows[:3] + rows[4:]) == 3
    forged = AuditRow(entry=entry(3), hash=chain_hash(rows[2].hash, entry(3)))
    assert verify([*rows[:3], forged, *rows[3:]]) == 4
    assert verify(rows[:6], expected_head=rows[-1].hash) == 6
    assert verify(rows[4:], first_seq=4, prev=rows[3].hash) is None


def test_rewriting_a_row_and_its_hash_is_found_at_the_next_row() -> None:
    rows = chain(5)
    bad = entry(2, action="sanction_lift")
    rows[2] = AuditRow(entry=bad, hash=chain_hash(rows[1].hash, bad))
    assert verify(rows) == 3


TAMPERS = st.sampled_from(["actor", "action", "at_ms", "room", "pseudonym", "detail", "drop_detail"])


@settings(deadline=None)
@given(st.integers(1, 12), st.data(), TAMPERS)
def test_a_tampered_entry_is_always_found_at_its_index(n: int, data: st.DataObject, how: str) -> None:
    rows = chain(n)
    i = data.draw(st.integers(0, n - 1))
    e = rows[i].entry
    changed = {
        "actor": lambda: replace(e, actor=e.actor + "x"),
        "action": lambda: replace(e, action="login" if e.action != "login" else "logout"),
        "at_ms": lambda: replace(e, at_ms=e.at_ms + 1),
        "room": lambda: replace(e, room=None),
        "pseudonym": lambda: replace(e, pseudonym="Someone"),
        "detail": lambda: replace(e, details={**e.details, "severity": int(e.details["severity"]) + 1}),
        "drop_detail": lambda: replace(e, details={}),
    }[how]()
    rows[i] = AuditRow(entry=changed, hash=rows[i].hash)
    assert verify(rows) == i


def test_repr_of_a_row_shows_no_pseudonym() -> None:
    assert "Aamukaste" not in repr(chain(1)[0])


@settings(deadline=None)
@given(st.integers(0, 2**40), st.dictionaries(st.sampled_from(["severity", "kind", "minutes", "code"]),
                                              st.one_of(st.integers(-(2**63), 2**63 - 1),
                                                        st.from_regex(r"\A[a-z0-9_.:-]{0,20}\Z"))),
       st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t)))
def test_decoding_is_the_inverse_of_the_canonical_encoding(seq: int, details: dict[str, object],
                                                           pseudonym: str | None) -> None:
    e = entry(seq, details=details, pseudonym=pseudonym)
    assert decode_entry(encode_entry(e)) == e


@pytest.mark.parametrize("mangle", [
    lambda b: b[:-1],                                   # truncated
    lambda b: b + b"\x00",                              # trailing byte
    lambda b: b"x" + b[1:],                             # wrong label
    lambda b: b.replace(b"\x02\x00\x04mute", b"\x07\x00\x04mute"),  # unknown detail type
])
def test_decoding_refuses_anything_but_the_canonical_bytes(mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError) as info:
        decode_entry(mangle(encode_entry(entry(0))))
    assert info.value.code == "bad_audit"


def test_details_out_of_order_are_not_canonical() -> None:
    a = encode_entry(AuditEntry(seq=0, at_ms=0, actor="a", action="flag", details={"code": "x", "kind": "y"}))
    swapped = a.replace(b"\x00\x04code\x02\x00\x01x\x00\x04kind\x02\x00\x01y",
                        b"\x00\x04kind\x02\x00\x01y\x00\x04code\x02\x00\x01x")
    assert swapped != a
    with pytest.raises(RuleError, match="canonical"):
        decode_entry(swapped)


def test_a_checkpoint_holds_while_the_log_grows_and_finds_a_cut_or_a_rewrite() -> None:
    rows = chain(5)
    text = checkpoint_text(rows[:3])
    assert text == f"2:{rows[2].hash.hex()}"
    point = parse_checkpoint(text)
    assert broken_checkpoint(rows, point) is None  # two rows appended since: fine
    assert broken_checkpoint(rows[:2], point) == 2  # cut below it (valid chain of 2 alone)
    assert verify(rows[:2]) is None
    # Cut, then as many new rows appended (hashes recomputed): the row at the checkpoint differs.
    forged = chain(2)
    for i in range(2, 5):
        forged.append(append(forged, entry(i, details={"severity": 4})))
    assert verify(forged) is None and broken_checkpoint(forged, point) == 2


@pytest.mark.parametrize("text", ["", "2", "2:", "x:" + "00" * 32, "-1:" + "00" * 32,
                                  "2:" + "00" * 31, "2:zz" + "00" * 31])
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_checkpoint(text)
    assert err.value.code == "bad_checkpoint"


def test_an_empty_log_has_no_checkpoint() -> None:
    with pytest.raises(RuleError):
        checkpoint_text([])
