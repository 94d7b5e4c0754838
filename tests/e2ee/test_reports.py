"""Sealed reports (e2ee/reports.py): the vector replays byte for byte, the moderator's verdict
holds for the true message only, and a box opens for its own moderator and its own fields only."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from e2ee import DeviceIdentity, FrankingOpening, open_report, seal_report, verdict
from e2ee.errors import DecryptError
from e2ee.reports import SealedReport
from tests.vectors.generate import SeededRng

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "iltapiiri_report.json"
h = bytes.fromhex


def load() -> dict[str, object]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def moderator(v: dict[str, object]) -> DeviceIdentity:
    return DeviceIdentity(h(str(v["moderator_signing_seed"])), h(str(v["moderator_dh_private"])))


def check(v: dict[str, object], sealed: str, **over: object) -> bool:
    fields = {"room": v["room"], "commitment": h(str(v["commitment"])),
              "sender_key": h(str(v["sender_key"])), "ts": v["ts"], "stamped": True, **over}
    box = SealedReport.from_wire(v[sealed])  # type: ignore[arg-type]
    try:
        opened = open_report(moderator(v), box, room=str(fields["room"]),
                             commitment=fields["commitment"])  # type: ignore[arg-type]
    except DecryptError:
        opened = None
    return verdict(opened, **fields)  # type: ignore[arg-type]


def test_vector_seals_byte_for_byte_and_opens() -> None:
    v = load()
    mod = moderator(v)
    assert mod.identity_key.hex() == v["moderator_identity_key"]
    opening = FrankingOpening.from_bytes(h(str(v["opening"])))
    sealed = seal_report(opening, str(v["note"]), to=mod.identity_key, dh_key=mod.dh_key,
                         rng=SeededRng(str(v["rng_seed"]).encode()))
    assert sealed.to_wire() == v["sealed"]
    opened = open_report(mod, sealed, room=str(v["room"]), commitment=h(str(v["commitment"])))
    assert opened.opening == opening and opened.note == v["note"]


def test_the_true_message_verifies_and_an_altered_one_does_not() -> None:
    v = load()
    assert check(v, "sealed")
    assert not check(v, "altered_sealed")  # the text no longer matches the commitment
    assert not check(v, "sealed", stamped=False)  # the relay's stamp did not verify
    assert not check(v, "sealed", ts=int(str(v["ts"])) + 1)  # another time than stamped
    assert not check(v, "sealed", sender_key=hashlib.sha256(b"someone else").digest())


def test_a_box_opens_only_for_its_moderator_and_its_own_fields() -> None:
    v = load()
    box = SealedReport.from_wire(v["sealed"])  # type: ignore[arg-type]
    other = DeviceIdentity.generate()
    with pytest.raises(DecryptError):
        open_report(other, box, room=str(v["room"]), commitment=h(str(v["commitment"])))
    with pytest.raises(DecryptError):  # addressed to me but sealed to someone else's key
        open_report(other, replace(box, to=other.identity_key), room=str(v["room"]),
                    commitment=h(str(v["commitment"])))
    with pytest.raises(DecryptError):  # moved under another report's commitment
        open_report(moderator(v), box, room=str(v["room"]), commitment=bytes(32))
    with pytest.raises(DecryptError):
        open_report(moderator(v), box, room="muu/2026-11-26", commitment=h(str(v["commitment"])))
    assert "Uhkaili" not in repr(box) and "raportoidaan" not in repr(
        open_report(moderator(v), box, room=str(v["room"]), commitment=h(str(v["commitment"]))))
