"""Double Ratchet (Signal specification, revision 1) with X25519, HKDF-SHA256, HMAC-SHA256.

KDF_RK(rk, dh) = HKDF(ikm=dh, salt=rk, info=ROOT_INFO, L=64) -> (rk' = [0:32], ck = [32:64])
KDF_CK(ck)     = (mk = HMAC(ck, 0x01), ck' = HMAC(ck, 0x02))
message key    = HKDF(ikm=mk, salt=32 zero bytes, info=MSG_INFO, L=32) -> AES-256-GCM key

The sending DH step is *lazy*: receiving a new ratchet key only derives the receiving chain and
marks ``send_pending``; the next ``next_send_key`` draws the new key pair. Decryption therefore
needs no randomness, and the result is the same chain of keys the specification produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import primitives as p
from .encoding import Reader, Writer
from .errors import DecodeError, LimitError, ReplayError, StateError
from .limits import MAX_PREVIOUS_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS, PROTOCOL_VERSION

ROOT_INFO = b"iltapiiri/dr-root/v1"
MSG_INFO = b"iltapiiri/dr-msg/v1"
HEADER_TYPE = 0x02
FLAG_COMMITMENT = 0x01


def kdf_rk(root_key: bytes, dh_out: bytes) -> tuple[bytes, bytes]:
    """Root KDF: new root key and chain key."""
    out = p.hkdf_sha256(dh_out, root_key, ROOT_INFO, 64)
    return out[:32], out[32:]


def kdf_ck(chain_key: bytes) -> tuple[bytes, bytes]:
    """Chain KDF: (message key, next chain key)."""
    return p.hmac_sha256(chain_key, b"\x01"), p.hmac_sha256(chain_key, b"\x02")


def message_aead_key(message_key: bytes) -> bytes:
    """AES-256-GCM key for one message key."""
    return p.hkdf_sha256(message_key, bytes(32), MSG_INFO, 32)


@dataclass(frozen=True, repr=False)
class RatchetHeader:
    """Header of every 1:1 message (also the tail of a prekey header)::

        +---------+------+-----------------+--------+-------+----------+-------------------+
        | version | 0x02 | ratchet key (32)| pn u32 | n u32 | flags u8 | [commitment (32)] |
        +---------+------+-----------------+--------+-------+----------+-------------------+

    flags bit 0: a franking commitment follows. Other bits must be zero.
    """

    ratchet_key: bytes
    pn: int
    n: int
    commitment: bytes | None = None

    def encode(self) -> bytes:
        """Bytes as drawn above."""
        w = Writer().u8(PROTOCOL_VERSION).u8(HEADER_TYPE).raw(self.ratchet_key)
        w.u32(self.pn).u32(self.n)
        if self.commitment is None:
            return w.u8(0).bytes()
        return w.u8(FLAG_COMMITMENT).raw(self.commitment).bytes()

    @classmethod
    def read(cls, r: Reader) -> RatchetHeader:
        """Parse from a reader (the caller checks ``end``)."""
        r.version()
        if r.u8() != HEADER_TYPE:
            raise DecodeError("not a ratchet header")
        key = r.take(32)
        pn, n = r.u32(), r.u32()
        flags = r.u8()
        if flags & ~FLAG_COMMITMENT:
            raise DecodeError("unknown header flags")
        cm = r.take(32) if flags & FLAG_COMMITMENT else None
        return cls(key, pn, n, cm)

    @classmethod
    def decode(cls, data: bytes) -> RatchetHeader:
        """Parse exactly one header."""
        r = Reader(data)
        h = cls.read(r)
        r.end()
        return h

    def __repr__(self) -> str:
        return f"RatchetHeader(pn={self.pn}, n={self.n})"


@dataclass(repr=False)
class RatchetState:
    """Mutable ratchet state. Callers work on a ``clone()`` and keep it only on success."""

    root_key: bytes
    dhs_private: bytes
    dhr: bytes | None = None
    cks: bytes | None = None
    ckr: bytes | None = None
    ns: int = 0
    nr: int = 0
    pn: int = 0
    send_pending: bool = False
    # (ratchet key, n) -> message key; dict order is age, so eviction drops the oldest.
    skipped: dict[tuple[bytes, int], bytes] = field(default_factory=dict)
    # Remote ratchet keys of finished receiving chains: a message on one of them whose key is
    # not in ``skipped`` was already read, so it is a replay (not a new DH step to attempt).
    previous_dhr: list[bytes] = field(default_factory=list)

    @property
    def dhs_public(self) -> bytes:
        """Current sending ratchet public key."""
        return p.x25519_public(self.dhs_private)

    @classmethod
    def initiator(cls, shared_secret: bytes, remote_ratchet_key: bytes, rng: p.Rng) -> RatchetState:
        """Alice: first sending chain from a fresh key pair against Bob's signed prekey."""
        dhs = p.random_bytes(rng, 32)
        rk, cks = kdf_rk(shared_secret, p.x25519(dhs, remote_ratchet_key))
        return cls(root_key=rk, dhs_private=dhs, dhr=remote_ratchet_key, cks=cks)

    @classmethod
    def responder(cls, shared_secret: bytes, signed_prekey_private: bytes) -> RatchetState:
        """Bob: his signed prekey is the first ratchet key pair; he receives first."""
        return cls(root_key=shared_secret, dhs_private=signed_prekey_private)

    def clone(self) -> RatchetState:
        """Independent copy (bytes are immutable; the dict is copied)."""
        return RatchetState(
            self.root_key, self.dhs_private, self.dhr, self.cks, self.ckr,
            self.ns, self.nr, self.pn, self.send_pending, dict(self.skipped),
            list(self.previous_dhr),
        )

    def next_send_key(self, rng: p.Rng) -> tuple[bytes, bytes, int, int]:
        """Advance the sending chain: (message key, ratchet public key, pn, n)."""
        if self.send_pending:
            if self.dhr is None:
                raise StateError("no remote ratchet key")
            self.dhs_private = p.random_bytes(rng, 32)
            self.root_key, self.cks = kdf_rk(self.root_key, p.x25519(self.dhs_private, self.dhr))
            self.pn, self.ns, self.send_pending = self.ns, 0, False
        if self.cks is None:
            raise StateError("no sending chain yet: receive a message first")
        if self.ns >= 0xFFFFFFFF:
            raise LimitError("sending chain exhausted")
        mk, self.cks = kdf_ck(self.cks)
        n = self.ns
        self.ns += 1
        return mk, self.dhs_public, self.pn, n

    def receive_key(self, header: RatchetHeader) -> bytes:
        """Message key for a received header, doing DH steps and storing skipped keys."""
        slot = (header.ratchet_key, header.n)
        if slot in self.skipped:
            return self.skipped.pop(slot)
        if header.ratchet_key in self.previous_dhr:
            raise ReplayError("message of a finished chain already used")
        if header.ratchet_key != self.dhr:
            if self.ckr is not None:
                self._skip(header.pn)
            if self.dhr is not None:
                self.previous_dhr = [*self.previous_dhr, self.dhr][-MAX_PREVIOUS_CHAINS:]
            self.dhr = header.ratchet_key
            self.root_key, self.ckr = kdf_rk(self.root_key, p.x25519(self.dhs_private, self.dhr))
            self.nr = 0
            self.send_pending = True
        if header.n < self.nr:
            raise ReplayError("message index already used")
        self._skip(header.n)
        if self.ckr is None:
            raise StateError("no receiving chain")
        mk, self.ckr = kdf_ck(self.ckr)
        self.nr += 1
        return mk

    def _skip(self, until: int) -> None:
        if self.ckr is None:
            return
        if until - self.nr > MAX_SKIP:
            raise LimitError("too many skipped messages")
        assert self.dhr is not None
        while self.nr < until:
            mk, self.ckr = kdf_ck(self.ckr)
            self.skipped[(self.dhr, self.nr)] = mk
            self.nr += 1
            if len(self.skipped) > MAX_SKIPPED_KEYS:
                del self.skipped[next(iter(self.skipped))]

    def encode(self) -> bytes:
        """Serialised state::

            root 32 | dhs_private 32 | flags u8 (1 dhr, 2 cks, 4 ckr, 8 send_pending) |
            [dhr 32] [cks 32] [ckr 32] | ns u32 | nr u32 | pn u32 |
            n_skipped u16 | n_skipped * (ratchet key 32 | n u32 | message key 32) |
            n_previous u8 | n_previous * ratchet key 32
        """
        flags = (
            (1 if self.dhr else 0) | (2 if self.cks else 0) | (4 if self.ckr else 0)
            | (8 if self.send_pending else 0)
        )
        w = Writer().raw(self.root_key).raw(self.dhs_private).u8(flags)
        for v in (self.dhr, self.cks, self.ckr):
            if v is not None:
                w.raw(v)
        w.u32(self.ns).u32(self.nr).u32(self.pn).u16(len(self.skipped))
        for (key, n), mk in self.skipped.items():
            w.raw(key).u32(n).raw(mk)
        w.u8(len(self.previous_dhr))
        for key in self.previous_dhr:
            w.raw(key)
        return w.bytes()

    @classmethod
    def read(cls, r: Reader) -> RatchetState:
        """Inverse of ``encode``."""
        rk, dhs = r.take(32), r.take(32)
        flags = r.u8()
        if flags & ~0x0F:
            raise DecodeError("bad ratchet flags")
        dhr = r.take(32) if flags & 1 else None
        cks = r.take(32) if flags & 2 else None
        ckr = r.take(32) if flags & 4 else None
        ns, nr, pn = r.u32(), r.u32(), r.u32()
        count = r.u16()
        if count > MAX_SKIPPED_KEYS:
            raise DecodeError("too many skipped keys")
        skipped: dict[tuple[bytes, int], bytes] = {}
        for _ in range(count):
            key, n = r.take(32), r.u32()
            skipped[(key, n)] = r.take(32)
        n_prev = r.u8()
        if n_prev > MAX_PREVIOUS_CHAINS:
            raise DecodeError("too many previous chains")
        previous = [r.take(32) for _ in range(n_prev)]
        return cls(rk, dhs, dhr, cks, ckr, ns, nr, pn, bool(flags & 8), skipped, previous)

    def __repr__(self) -> str:
        return f"RatchetState(ns={self.ns}, nr={self.nr}, pn={self.pn}, skipped={len(self.skipped)})"
