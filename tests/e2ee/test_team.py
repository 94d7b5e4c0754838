"""The counsellor team key (e2ee/team.py): wraps and closing notes, against the shared vector
(tests/vectors/iltapiiri_team.json) and the refusals a reader must make."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from e2ee import (
    DeviceIdentity,
    TeamKey,
    TeamKeyWrap,
    open_note,
    open_wrap,
    seal_note,
    wrap_team_key,
)
from e2ee.errors import E2EEError
from e2ee.team import MAX_NOTE_BLOB_BYTES, note_epoch
from server.limits import MAX_NOTE_BYTES
from tests.vectors.generate import SeededRng

V = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "iltapiiri_team.json")
               .read_text(encoding="utf-8"))
h = bytes.fromhex


def _counsellor() -> DeviceIdentity:
    return DeviceIdentity(h(V["counsellor_signing_seed"]), h(V["counsellor_dh_private"]))


def test_vector_wrap_opens_to_the_named_team_key_and_the_note_opens() -> None:
    me = _counsellor()
    wrap = TeamKeyWrap.from_wire(V["wrap"])
    key = open_wrap(me, wrap, makers=frozenset({h(V["maker_identity_key"])}))
    assert key.private == h(V["team_private"]) and key.public == h(V["team_public"])
    blob = h(V["note"])
    assert note_epoch(blob) == V["epoch"]
    assert open_note(blob, case_id=V["case_id"], keys={key.epoch: key}) == V["text"]


def test_vector_is_reproduced_from_the_seed() -> None:
    rng = SeededRng(V["rng_seed"].encode())
    admin = DeviceIdentity(hashlib.sha256(b"admin seed").digest(),
                           hashlib.sha256(b"admin dh").digest())
    me = _counsellor()
    key = TeamKey.create(V["epoch"], rng)
    wrap = wrap_team_key(key, to=me.identity_key, dh_key=me.dh_key, maker=admin, rng=rng)
    assert wrap.to_wire() == V["wrap"]
    assert seal_note(V["text"], case_id=V["case_id"], epoch=1, team_key=key.public,
                     rng=rng).hex() == V["note"]


def test_a_note_is_bound_to_its_case_and_to_its_epoch() -> None:
    key = TeamKey(V["epoch"], h(V["team_private"]))
    blob = h(V["note"])
    with pytest.raises(E2EEError) as bad:
        open_note(blob, case_id=V["other_case_id"], keys={1: key})
    assert bad.value.code == "decrypt_failed"
    with pytest.raises(E2EEError) as unknown:
        open_note(blob, case_id=V["case_id"], keys={})
    assert unknown.value.code == "unknown_key"
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(E2EEError) as altered:
        open_note(bytes(flipped), case_id=V["case_id"], keys={1: key})
    assert altered.value.code == "decrypt_failed"


def test_a_wrap_from_outside_the_team_or_altered_is_refused() -> None:
    me = _counsellor()
    wrap = TeamKeyWrap.from_wire(V["wrap"])
    team = frozenset({h(V["maker_identity_key"])})
    with pytest.raises(E2EEError):
        open_wrap(me, wrap, makers=frozenset())  # the server cannot hand me its own key
    with pytest.raises(E2EEError) as sig:
        open_wrap(me, replace(wrap, team_key=bytes(32)), makers=team)
    assert sig.value.code == "bad_signature"
    # A wrap that the server made itself, sealed to me but signed by a key outside the team:
    rng = SeededRng(b"attacker")
    server = DeviceIdentity(rng(32), rng(32))
    forged = wrap_team_key(TeamKey.create(1, rng), to=me.identity_key, dh_key=me.dh_key,
                           maker=server, rng=rng)
    with pytest.raises(E2EEError):
        open_wrap(me, forged, makers=team)
    other = DeviceIdentity(rng(32), rng(32))
    with pytest.raises(E2EEError) as not_mine:
        open_wrap(other, wrap, makers=team)
    assert not_mine.value.code == "decrypt_failed"


def test_the_longest_note_fits_the_servers_bound_and_hides_its_length() -> None:
    key = TeamKey.create(3, SeededRng(b"k"))
    rng = SeededRng(b"n")
    longest = seal_note("ä" * 2000, case_id="c1", epoch=3, team_key=key.public, rng=rng)
    assert len(longest) <= MAX_NOTE_BLOB_BYTES <= MAX_NOTE_BYTES
    short = seal_note("ok", case_id="c1", epoch=3, team_key=key.public, rng=rng)
    longer = seal_note("ok, called back later", case_id="c1", epoch=3, team_key=key.public,
                       rng=rng)
    assert len(short) == len(longer)
    with pytest.raises(E2EEError):
        seal_note("x" * 4001, case_id="c1", epoch=3, team_key=key.public, rng=rng)


def test_reprs_never_show_key_bytes() -> None:
    key = TeamKey(V["epoch"], h(V["team_private"]))
    wrap = TeamKeyWrap.from_wire(V["wrap"])
    for text in (repr(key), repr(wrap)):
        assert V["team_private"] not in text and V["team_private"][:8] not in text
        assert V["wrap"]["box"] not in text
