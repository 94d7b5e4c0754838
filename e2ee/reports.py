"""Reports that prove themselves: a franking opening sealed to each moderator who receives it.

The reporter reveals one message (its ``FrankingOpening``: text, franking key, commitment,
sender, room, relay stamp) to the moderators, never to the relay: the opening and an optional
note are sealed separately to every recipient moderator's X25519 key (the ``dh_key`` of the key
directory, whose signature by the moderator's identity key the reporter checked). The relay
sees only what it stamped itself (commitment, sender key, room, ts) and checks its stamp; each
moderator opens their own box and checks the commitment against the revealed text
(``verdict``). Per-recipient sealing rather than a team key: nothing has to be distributed or
rotated when a moderator's shift starts or ends, and a moderator who is not on duty tonight
cannot read tonight's reports (docs/decisions.md).

Sealed box to one moderator (``SealedReport``)::

    to  = the moderator's Ed25519 identity key (32)       } travel in clear, as b64 JSON
    eph = X25519 public key, fresh per box (32)            }
    box = AES-256-GCM(k, nonce = 0^12, plaintext, ad)      (a fresh key per box: a fixed nonce
                                                             is safe)
    k   = HKDF-SHA256(ikm = X25519(eph_priv, moderator dh_key), salt = "",
                      info = REPORT_LABEL | eph | moderator dh_key | to, 32 bytes)
    ad  = REPORT_LABEL | u16 len room | room UTF-8 | commitment (32)
    plaintext = version | 0x50 | u32 len opening | opening.to_bytes() | u16 len note | note UTF-8

The associated data binds a box to the report's room and commitment, so a box cannot be moved
under another report's clear fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import primitives as p
from .encoding import Reader, Writer, b64d, b64e, field, from_utf8, utf8
from .errors import DecodeError, DecryptError
from .franking import FrankingOpening, verify_commitment
from .identity import DeviceIdentity, key_id
from .limits import MAX_CONTEXT_BYTES, MAX_PLAINTEXT_BYTES, MAX_REPORT_NOTE_BYTES, PROTOCOL_VERSION

REPORT_LABEL = b"iltapiiri/report/v1\x00"
_REPORT_TAG = 0x50
_NONCE = bytes(p.NONCE_LEN)
MAX_BOX_BYTES = MAX_PLAINTEXT_BYTES + 1024
"""Most bytes of one sealed box (an opening of the longest message, a note and the tag)."""


def _ad(room: str, commitment: bytes) -> bytes:
    if len(commitment) != 32:
        raise DecodeError("commitment must be 32 bytes")
    return Writer().raw(REPORT_LABEL).var16(utf8(room, MAX_CONTEXT_BYTES, "room")).raw(
        commitment).bytes()


def _key(shared: bytes, eph: bytes, dh_key: bytes, to: bytes) -> bytes:
    return p.hkdf_sha256(shared, b"", REPORT_LABEL + eph + dh_key + to, 32)


@dataclass(frozen=True, repr=False)
class SealedReport:
    """One recipient's box of a report (``to`` names the recipient by identity key)."""

    to: bytes
    eph: bytes
    box: bytes

    def to_wire(self) -> dict[str, str]:
        """``{to, eph, box}`` in b64."""
        return {"to": b64e(self.to), "eph": b64e(self.eph), "box": b64e(self.box)}

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> SealedReport:
        """Validate sizes (the box is opened by ``open_report``)."""
        return cls(
            b64d(field(d, "to", str), "to", 32),
            b64d(field(d, "eph", str), "eph", 32),
            b64d(field(d, "box", str), "box", max_len=MAX_BOX_BYTES),
        )

    def __repr__(self) -> str:
        return f"SealedReport(to={key_id(self.to)}, box={len(self.box)} bytes)"


@dataclass(frozen=True, repr=False)
class OpenedReport:
    """What a moderator's box held: the reporter's opening and note."""

    opening: FrankingOpening
    note: str

    def __repr__(self) -> str:
        return f"OpenedReport({self.opening!r})"


def seal_report(
    opening: FrankingOpening, note: str, *, to: bytes, dh_key: bytes, rng: p.Rng,
) -> SealedReport:
    """Seal ``opening`` and ``note`` to the moderator with identity key ``to`` and X25519 key
    ``dh_key`` (the caller has checked ``dh_key``'s signature by ``to``). Draws 32 bytes."""
    if len(to) != 32 or len(dh_key) != 32:
        raise DecodeError("recipient keys must be 32 bytes")
    eph_private = p.random_bytes(rng, 32)
    eph = p.x25519_public(eph_private)
    key = _key(p.x25519(eph_private, dh_key), eph, dh_key, to)
    plaintext = (
        Writer().u8(PROTOCOL_VERSION).u8(_REPORT_TAG).var32(opening.to_bytes())
        .var16(utf8(note, MAX_REPORT_NOTE_BYTES, "note")).bytes()
    )
    return SealedReport(to, eph, p.aead_encrypt(key, _NONCE, plaintext, _ad(opening.room,
                                                                          opening.commitment)))


def open_report(
    identity: DeviceIdentity, sealed: SealedReport, *, room: str, commitment: bytes,
) -> OpenedReport:
    """Open my box of a report whose clear fields name ``room`` and ``commitment``. Raises
    ``DecryptError`` (not mine, altered, moved under other fields) or ``DecodeError``."""
    if sealed.to != identity.identity_key:
        raise DecryptError("this box is sealed to another moderator")
    key = _key(p.x25519(identity.dh_private, sealed.eph), sealed.eph, identity.dh_key, sealed.to)
    r = Reader(p.aead_decrypt(key, _NONCE, sealed.box, _ad(room, commitment)))
    r.version()
    if r.u8() != _REPORT_TAG:
        raise DecodeError("not a report")
    opening = FrankingOpening.from_bytes(r.var32(MAX_PLAINTEXT_BYTES))
    note = from_utf8(r.var16(MAX_REPORT_NOTE_BYTES), "note")
    r.end()
    return OpenedReport(opening, note)


def verdict(
    opened: OpenedReport | None, *, room: str, commitment: bytes, sender_key: bytes, ts: int,
    stamped: bool,
) -> bool:
    """The moderator's check: True iff "this exact message was sent by ``sender_key`` in
    ``room`` at ``ts``". ``stamped`` is the relay's answer about its own stamp over (commitment,
    sender_key, room, ts); the revealed text must match the commitment, and the opening must
    name exactly the stamped fields. Any box that did not open is ``None``: not verified."""
    if opened is None or not stamped:
        return False
    o = opened.opening
    return (
        verify_commitment(o) and p.ct_equal(o.commitment, commitment) and o.sender_key == sender_key
        and o.room == room and o.context == room and o.ts == ts
    )
