"""Closing notes sealed to the counsellor team key (issue 11; docs/crypto.md section 7.2).

The team key is an X25519 key pair per *epoch* (u32, 1, 2, ...). Its private half never reaches
the server: it travels only inside a **wrap**, a box sealed to one counsellor's X25519 ``dh_key``
(the key directory's, vouched for by their identity key) and signed by whoever made it. A
counsellor opens their wrap, checks that the private key inside belongs to the public key the
wrap names, and from then on seals notes to that public key (derived from the private key they
hold, never taken from the server) and opens colleagues' notes. The server stores public keys,
wraps and notes: opaque bytes to it.

Both boxes are the sealed-report construction of ``e2ee/reports.py`` (fresh X25519 key per box,
HKDF-SHA256, AES-256-GCM under a fixed zero nonce, safe because every box has its own key), with
their own labels.

Wrap of epoch ``e`` to counsellor ``to`` (``TeamKeyWrap``)::

    eph  = X25519 public key, fresh per wrap (the rng's next 32 bytes are its private key)
    k    = HKDF-SHA256(ikm = X25519(eph_priv, dh_key), salt = "",
                       info = WRAP_LABEL | eph | dh_key | to, 32)
    ad   = WRAP_LABEL | u32 epoch | team_pub (32)
    box  = AES-256-GCM(k, 0^12, version | 0x60 | team_priv (32), ad)            (50 bytes)
    sig  = Ed25519(by, WRAP_SIG_LABEL | u32 epoch | team_pub | to | eph | box)
    wire = {epoch, team_key: b64 team_pub, to, by, eph, box, sig}

A note (``seal_note``: the bytes the server stores, at most 4214 bytes)::

    +------+------+-----------+----------+----------------------------------------+
    | 0x01 | 0x61 | u32 epoch | eph (32) | AES-256-GCM(k, 0^12, padded plain, ad) |
    +------+------+-----------+----------+----------------------------------------+
    k     = HKDF-SHA256(ikm = X25519(eph_priv, team_pub), salt = "",
                        info = NOTE_LABEL | eph | team_pub | u32 epoch, 32)
    ad    = NOTE_LABEL | var8(case_id ASCII)
    plain = pad(version | 0x62 | var16(text UTF-8 <= 4000))                    (160-byte blocks)

The associated data binds a note to its case, so the server cannot show one case's note under
another; the padding hides the note's exact length.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import primitives as p
from .content import pad, unpad
from .encoding import Reader, Writer, b64d, b64e, field, from_utf8, utf8
from .errors import DecodeError, DecryptError, InvalidKeyError, UnknownKeyError
from .identity import DeviceIdentity, key_id
from .limits import MAX_CASE_ID_BYTES, MAX_CASE_NOTE_BYTES, PROTOCOL_VERSION

WRAP_LABEL = b"iltapiiri/team-wrap/v1\x00"
WRAP_SIG_LABEL = b"iltapiiri/team-wrap-sig/v1\x00"
NOTE_LABEL = b"iltapiiri/case-note/v1\x00"
_WRAP_TAG = 0x60
_NOTE_TAG = 0x61
_NOTE_PLAIN_TAG = 0x62
_NONCE = bytes(p.NONCE_LEN)
MAX_EPOCH = 2**32 - 1
WRAP_BOX_BYTES = 2 + 32 + 16
NOTE_HEADER_BYTES = 2 + 4 + 32
MAX_NOTE_BLOB_BYTES = NOTE_HEADER_BYTES + len(pad(bytes(2 + 2 + MAX_CASE_NOTE_BYTES))) + 16
"""Most bytes of one sealed note (the longest text, padded, and the tag)."""


def _epoch(epoch: int) -> int:
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch <= MAX_EPOCH:
        raise DecodeError("team key epoch must be 1..2^32-1")
    return epoch


@dataclass(frozen=True, repr=False)
class TeamKey:
    """One epoch of the counsellor team key, as a counsellor holds it after opening a wrap."""

    epoch: int
    private: bytes

    def __post_init__(self) -> None:
        _epoch(self.epoch)
        if len(self.private) != 32:
            raise DecodeError("team private key must be 32 bytes")

    @property
    def public(self) -> bytes:
        """The epoch's X25519 public key (what notes are sealed to)."""
        return p.x25519_public(self.private)

    @classmethod
    def create(cls, epoch: int, rng: p.Rng) -> TeamKey:
        """A fresh team key for ``epoch``. Draws 32 bytes."""
        return cls(_epoch(epoch), p.random_bytes(rng, 32))

    def __repr__(self) -> str:
        return f"TeamKey(epoch={self.epoch}, key={key_id(self.public)})"


def _wrap_ad(epoch: int, team_pub: bytes) -> bytes:
    return Writer().raw(WRAP_LABEL).u32(epoch).raw(team_pub).bytes()


def _wrap_signed(epoch: int, team_pub: bytes, to: bytes, eph: bytes, box: bytes) -> bytes:
    return Writer().raw(WRAP_SIG_LABEL).u32(epoch).raw(team_pub).raw(to).raw(eph).raw(box).bytes()


def _wrap_key(shared: bytes, eph: bytes, dh_key: bytes, to: bytes) -> bytes:
    return p.hkdf_sha256(shared, b"", WRAP_LABEL + eph + dh_key + to, 32)


@dataclass(frozen=True, repr=False)
class TeamKeyWrap:
    """An epoch's team private key sealed to one counsellor, signed by its maker ``by``."""

    epoch: int
    team_key: bytes
    to: bytes
    by: bytes
    eph: bytes
    box: bytes
    sig: bytes

    def to_wire(self) -> dict[str, Any]:
        """``{epoch, team_key, to, by, eph, box, sig}``, bytes in b64."""
        return {"epoch": self.epoch, "team_key": b64e(self.team_key), "to": b64e(self.to),
                "by": b64e(self.by), "eph": b64e(self.eph), "box": b64e(self.box),
                "sig": b64e(self.sig)}

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> TeamKeyWrap:
        """Validate sizes (``open_wrap`` checks the signature and opens the box)."""
        return cls(
            _epoch(field(d, "epoch", int)),
            b64d(field(d, "team_key", str), "team_key", 32),
            b64d(field(d, "to", str), "to", 32),
            b64d(field(d, "by", str), "by", 32),
            b64d(field(d, "eph", str), "eph", 32),
            b64d(field(d, "box", str), "box", WRAP_BOX_BYTES),
            b64d(field(d, "sig", str), "sig", 64),
        )

    def __repr__(self) -> str:
        return (f"TeamKeyWrap(epoch={self.epoch}, key={key_id(self.team_key)}, "
                f"to={key_id(self.to)}, by={key_id(self.by)})")


def wrap_team_key(
    key: TeamKey, *, to: bytes, dh_key: bytes, maker: DeviceIdentity, rng: p.Rng,
) -> TeamKeyWrap:
    """Seal ``key`` to the counsellor with identity key ``to`` and X25519 ``dh_key`` (the caller
    has checked ``dh_key``'s signature by ``to``), signed by ``maker``. Draws 32 bytes."""
    if len(to) != 32 or len(dh_key) != 32:
        raise DecodeError("recipient keys must be 32 bytes")
    eph_private = p.random_bytes(rng, 32)
    eph = p.x25519_public(eph_private)
    team_pub = key.public
    box = p.aead_encrypt(_wrap_key(p.x25519(eph_private, dh_key), eph, dh_key, to), _NONCE,
                         Writer().u8(PROTOCOL_VERSION).u8(_WRAP_TAG).raw(key.private).bytes(),
                         _wrap_ad(key.epoch, team_pub))
    sig = maker.sign(_wrap_signed(key.epoch, team_pub, to, eph, box))
    return TeamKeyWrap(key.epoch, team_pub, to, maker.identity_key, eph, box, sig)


def verify_wrap(wrap: TeamKeyWrap) -> None:
    """Check the maker's signature over the wrap (``bad_signature``); the server does this
    before keeping a wrap, a counsellor again before opening it."""
    p.ed25519_verify(wrap.by, wrap.sig, _wrap_signed(wrap.epoch, wrap.team_key, wrap.to,
                                                     wrap.eph, wrap.box))


def open_wrap(identity: DeviceIdentity, wrap: TeamKeyWrap, *, makers: frozenset[bytes]
              ) -> TeamKey:
    """Open my wrap. ``makers`` are the identity keys I accept a team key from (the team's
    counsellors and admins, as the key directory names them); a wrap by anyone else, with a
    bad signature, sealed to someone else, altered, or whose private key is not the named
    public key, raises (``bad_signature``, ``decrypt_failed``, ``invalid_key``)."""
    if wrap.by not in makers:
        raise DecryptError("this wrap was made by someone outside the team")
    verify_wrap(wrap)
    if wrap.to != identity.identity_key:
        raise DecryptError("this wrap is sealed to another counsellor")
    k = _wrap_key(p.x25519(identity.dh_private, wrap.eph), wrap.eph, identity.dh_key, wrap.to)
    r = Reader(p.aead_decrypt(k, _NONCE, wrap.box, _wrap_ad(wrap.epoch, wrap.team_key)))
    r.version()
    if r.u8() != _WRAP_TAG:
        raise DecodeError("not a team key wrap")
    key = TeamKey(wrap.epoch, r.take(32))
    r.end()
    if not p.ct_equal(key.public, wrap.team_key):
        raise InvalidKeyError("the wrapped key is not the named team key")
    return key


def _case_id(case_id: str) -> bytes:
    if not case_id or not case_id.isascii():
        raise DecodeError("case id must be non-empty ASCII")
    raw = case_id.encode("ascii")
    if len(raw) > MAX_CASE_ID_BYTES:
        raise DecodeError("case id too long")
    return raw


def _note_key(shared: bytes, eph: bytes, team_pub: bytes, epoch: int) -> bytes:
    return p.hkdf_sha256(shared, b"", Writer().raw(NOTE_LABEL).raw(eph).raw(team_pub).u32(
        epoch).bytes(), 32)


def _note_ad(case_id: str) -> bytes:
    return Writer().raw(NOTE_LABEL).var8(_case_id(case_id)).bytes()


def note_epoch(blob: bytes) -> int:
    """The team key epoch a stored note is sealed to (``malformed`` if it is no note)."""
    r = Reader(blob)
    r.version()
    if r.u8() != _NOTE_TAG:
        raise DecodeError("not a case note")
    return _epoch(r.u32())


def seal_note(text: str, *, case_id: str, epoch: int, team_key: bytes, rng: p.Rng) -> bytes:
    """Seal a closing note of case ``case_id`` to the team public key ``team_key`` of ``epoch``
    (take it from a ``TeamKey`` I opened, never from the server alone). Draws 32 bytes."""
    _epoch(epoch)
    if len(team_key) != 32:
        raise DecodeError("team key must be 32 bytes")
    ad = _note_ad(case_id)
    eph_private = p.random_bytes(rng, 32)
    eph = p.x25519_public(eph_private)
    plain = pad(Writer().u8(PROTOCOL_VERSION).u8(_NOTE_PLAIN_TAG).var16(
        utf8(text, MAX_CASE_NOTE_BYTES, "note")).bytes())
    box = p.aead_encrypt(_note_key(p.x25519(eph_private, team_key), eph, team_key, epoch),
                         _NONCE, plain, ad)
    return Writer().u8(PROTOCOL_VERSION).u8(_NOTE_TAG).u32(epoch).raw(eph).raw(box).bytes()


def open_note(blob: bytes, *, case_id: str, keys: Mapping[int, TeamKey]) -> str:
    """Open a stored note of case ``case_id`` with the team keys I hold, by epoch. Raises
    ``unknown_key`` (an epoch I do not hold), ``decrypt_failed`` (altered, another case's
    note), ``malformed``."""
    if len(blob) > MAX_NOTE_BLOB_BYTES:
        raise DecodeError("note too long")
    r = Reader(blob)
    r.version()
    if r.u8() != _NOTE_TAG:
        raise DecodeError("not a case note")
    epoch = _epoch(r.u32())
    eph = r.take(32)
    box = r.rest()
    key = keys.get(epoch)
    if key is None:
        raise UnknownKeyError("no team key of this epoch")
    k = _note_key(p.x25519(key.private, eph), eph, key.public, epoch)
    inner = Reader(unpad(p.aead_decrypt(k, _NONCE, box, _note_ad(case_id))))
    inner.version()
    if inner.u8() != _NOTE_PLAIN_TAG:
        raise DecodeError("not a note")
    text = from_utf8(inner.var16(MAX_CASE_NOTE_BYTES), "note")
    inner.end()
    return text
