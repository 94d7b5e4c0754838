"""X3DH key agreement (Signal specification) with separate Ed25519 / X25519 identity keys.

Alice (initiator) with identity DH key IKa, ephemeral EKa; Bob's DH key IKb, signed prekey SPKb,
optional one-time prekey OPKb::

    DH1 = X25519(IKa, SPKb)   DH2 = X25519(EKa, IKb)   DH3 = X25519(EKa, SPKb)
    DH4 = X25519(EKa, OPKb)   (only with a one-time prekey)
    SK  = HKDF-SHA256(ikm = 0xFF * 32 || DH1 || DH2 || DH3 [|| DH4],
                      salt = 32 zero bytes, info = "iltapiiri/x3dh/v1", L = 32)
    AD  = "iltapiiri/dr/v1\\0" || Alice identity key (Ed25519) || Alice DH key ||
          Bob identity key (Ed25519) || Bob DH key                       (132 + 16 bytes)
"""

from __future__ import annotations

from dataclasses import dataclass

from . import primitives as p
from .encoding import Reader, Writer
from .errors import DecodeError
from .identity import dh_key_message
from .limits import PROTOCOL_VERSION
from .ratchet import RatchetHeader

X3DH_INFO = b"iltapiiri/x3dh/v1"
AD_LABEL = b"iltapiiri/dr/v1\x00"
PREKEY_TYPE = 0x01
NO_ONE_TIME_PREKEY = 0
"""One-time prekey id meaning "none was available" (ids start at 1)."""


def shared_secret(dh_outputs: list[bytes]) -> bytes:
    """SK from the 3 or 4 DH outputs in order."""
    return p.hkdf_sha256(b"\xff" * 32 + b"".join(dh_outputs), bytes(32), X3DH_INFO, 32)


def associated_data(
    initiator_identity: bytes, initiator_dh: bytes, responder_identity: bytes, responder_dh: bytes
) -> bytes:
    """Session associated data (prefix of every 1:1 AEAD's associated data)."""
    return AD_LABEL + initiator_identity + initiator_dh + responder_identity + responder_dh


def initiator_secret(
    identity_dh_private: bytes,
    ephemeral_private: bytes,
    responder_dh: bytes,
    signed_prekey: bytes,
    one_time_prekey: bytes | None,
) -> bytes:
    """Alice's SK."""
    outs = [
        p.x25519(identity_dh_private, signed_prekey),
        p.x25519(ephemeral_private, responder_dh),
        p.x25519(ephemeral_private, signed_prekey),
    ]
    if one_time_prekey is not None:
        outs.append(p.x25519(ephemeral_private, one_time_prekey))
    return shared_secret(outs)


def responder_secret(
    identity_dh_private: bytes,
    signed_prekey_private: bytes,
    one_time_prekey_private: bytes | None,
    initiator_dh: bytes,
    ephemeral: bytes,
) -> bytes:
    """Bob's SK (same value as Alice's)."""
    outs = [
        p.x25519(signed_prekey_private, initiator_dh),
        p.x25519(identity_dh_private, ephemeral),
        p.x25519(signed_prekey_private, ephemeral),
    ]
    if one_time_prekey_private is not None:
        outs.append(p.x25519(one_time_prekey_private, ephemeral))
    return shared_secret(outs)


@dataclass(frozen=True, repr=False)
class PrekeyHeader:
    """Header of a ``prekey`` message: the X3DH data, then a full ``RatchetHeader``::

        +---------+------+------------------+-------------+-------------+
        | version | 0x01 | identity key (32)| DH key (32) | dh_sig (64) |
        +---------+------+------------------+-------------+-------------+
        | base key = EKa (32) | signed prekey id u32 | one-time prekey id u32 (0 = none) |
        +---------------------+----------------------+-----------------------------------+
        | RatchetHeader (43 or 75 bytes)                                                 |
        +--------------------------------------------------------------------------------+
    """

    identity_key: bytes
    dh_key: bytes
    dh_sig: bytes
    base_key: bytes
    signed_prekey_id: int
    one_time_prekey_id: int
    ratchet: RatchetHeader

    def prefix(self) -> bytes:
        """Everything before the ratchet header."""
        return (
            Writer().u8(PROTOCOL_VERSION).u8(PREKEY_TYPE).raw(self.identity_key).raw(self.dh_key)
            .raw(self.dh_sig).raw(self.base_key).u32(self.signed_prekey_id)
            .u32(self.one_time_prekey_id).bytes()
        )

    def encode(self) -> bytes:
        """Bytes as drawn above."""
        return self.prefix() + self.ratchet.encode()

    @classmethod
    def decode(cls, data: bytes) -> PrekeyHeader:
        """Parse and check the DH key signature against the included identity key."""
        r = Reader(data)
        r.version()
        if r.u8() != PREKEY_TYPE:
            raise DecodeError("not a prekey header")
        ik, dk, sig, base = r.take(32), r.take(32), r.take(64), r.take(32)
        spk, otpk = r.u32(), r.u32()
        ratchet = RatchetHeader.read(r)
        r.end()
        p.ed25519_verify(ik, sig, dh_key_message(dk))
        return cls(ik, dk, sig, base, spk, otpk, ratchet)

    def __repr__(self) -> str:
        return f"PrekeyHeader(spk={self.signed_prekey_id}, otpk={self.one_time_prekey_id})"
