"""Device identity, prekeys and the key-directory shapes of docs/protocol.md.

A device has an Ed25519 signing key (its public half is the *identity key* the server knows) and
an X25519 *DH key* signed by it (WebCrypto has no XEdDSA, so the two are separate keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import primitives as p
from .encoding import Reader, Writer, b64d, b64e
from .encoding import field as jfield
from .errors import DecodeError, UnknownKeyError
from .limits import MAX_OLD_SIGNED_PREKEYS, MAX_ONE_TIME_PREKEYS, PROTOCOL_VERSION

AUTH_LABEL = b"iltapiiri/auth/v2\x00"
DH_KEY_LABEL = b"iltapiiri/dh-key/v1\x00"
SIGNED_PREKEY_LABEL = b"iltapiiri/signed-prekey/v1\x00"
AUTH_SERVER_KEY_BYTES = 32

_IDENTITY_TAG = 0x10
_ACCOUNT_TAG = 0x11


def auth_message(challenge: bytes, identity_key: bytes, server_key: bytes) -> bytes:
    """Bytes signed for ``auth`` (v2), bound to the server that issued the challenge::

        +----------------------+----------------+---------------+------------------+
        | "iltapiiri/auth/v2\0" | server_key(32) | challenge(32) | identity_key(32) |
        +----------------------+----------------+---------------+------------------+

    ``server_key`` is the relay's Ed25519 public key from ``hello`` (the key that signs
    membership events). A phishing relay that forwards a real server's challenge to a client gets
    back a signature over its own key, which the real server refuses (v1 had no server field)."""
    if len(server_key) != AUTH_SERVER_KEY_BYTES:
        raise DecodeError("server key must be 32 bytes")
    return AUTH_LABEL + server_key + challenge + identity_key


def verify_auth(identity_key: bytes, challenge: bytes, signature: bytes,
                server_key: bytes) -> None:
    """Server side of ``auth``: raise ``SignatureError`` unless the challenge signature verifies
    for this server's key."""
    p.ed25519_verify(identity_key, signature, auth_message(challenge, identity_key, server_key))


def dh_key_message(dh_key: bytes) -> bytes:
    """Bytes the identity key signs to vouch for the DH key."""
    return DH_KEY_LABEL + dh_key


def signed_prekey_message(prekey_id: int, key: bytes) -> bytes:
    """Bytes the identity key signs for a signed prekey: label || id (u32 BE) || key."""
    return SIGNED_PREKEY_LABEL + prekey_id.to_bytes(4, "big") + key


@dataclass(frozen=True, repr=False)
class DeviceIdentity:
    """Long-term keys of one device. ``repr`` shows the public identity key's fingerprint only.

    Layout of ``to_bytes()`` (66 bytes)::

        +---------+------+------------------+-----------------+
        | version | 0x10 | ed25519 seed(32) | x25519 priv(32) |
        +---------+------+------------------+-----------------+
    """

    signing_seed: bytes
    dh_private: bytes
    identity_key: bytes = field(init=False)
    dh_key: bytes = field(init=False)
    dh_sig: bytes = field(init=False)

    def __post_init__(self) -> None:
        if len(self.signing_seed) != 32 or len(self.dh_private) != 32:
            raise DecodeError("identity keys must be 32 bytes")
        ik = p.ed25519_public(self.signing_seed)
        dk = p.x25519_public(self.dh_private)
        object.__setattr__(self, "identity_key", ik)
        object.__setattr__(self, "dh_key", dk)
        # Ed25519 is deterministic, so this signature is a pure function of the keys.
        object.__setattr__(self, "dh_sig", p.ed25519_sign(self.signing_seed, dh_key_message(dk)))

    @classmethod
    def generate(cls, rng: p.Rng = p.default_rng) -> DeviceIdentity:
        """Create a new identity from ``rng`` (64 bytes drawn: signing seed, then DH key)."""
        return cls(p.random_bytes(rng, 32), p.random_bytes(rng, 32))

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature with the identity key (callers add their own domain label)."""
        return p.ed25519_sign(self.signing_seed, message)

    def sign_auth_challenge(self, challenge: bytes, server_key: bytes) -> bytes:
        """Signature for the ``auth`` event (v2: label, server key, challenge, identity key)."""
        return self.sign(auth_message(challenge, self.identity_key, server_key))

    def to_bytes(self) -> bytes:
        """Serialise the private keys (for an encrypted keystore)."""
        return (
            Writer().u8(PROTOCOL_VERSION).u8(_IDENTITY_TAG)
            .raw(self.signing_seed).raw(self.dh_private).bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> DeviceIdentity:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _IDENTITY_TAG:
            raise DecodeError("not a device identity")
        seed, dh = r.take(32), r.take(32)
        r.end()
        return cls(seed, dh)

    def __repr__(self) -> str:
        return f"DeviceIdentity(id={key_id(self.identity_key)})"

    __str__ = __repr__


def key_id(public_key: bytes) -> str:
    """Short printable id of a *public* key for logs and repr: first 8 hex of its SHA-256."""
    return p.sha256(public_key)[:4].hex()


@dataclass(frozen=True, repr=False)
class PrekeyBundle:
    """What ``keys.fetch`` returns, decoded and with every signature verified."""

    pseudonym: str
    identity_key: bytes
    dh_key: bytes
    signed_prekey_id: int
    signed_prekey: bytes
    one_time_prekey_id: int | None
    one_time_prekey: bytes | None

    @classmethod
    def from_fetch(cls, reply: Mapping[str, Any]) -> PrekeyBundle:
        """Decode a ``keys.fetch`` reply and verify ``dh_sig`` and the signed prekey's ``sig``.

        Raises ``DecodeError`` on a bad shape and ``SignatureError`` on a bad signature.
        """
        pseudonym = jfield(reply, "pseudonym", str)
        ik = b64d(jfield(reply, "identity_key", str), "identity_key", 32)
        dk = b64d(jfield(reply, "dh_key", str), "dh_key", 32)
        dsig = b64d(jfield(reply, "dh_sig", str), "dh_sig", 64)
        spk = jfield(reply, "signed_prekey", Mapping)
        spk_id = _u32(jfield(spk, "id", int), "signed_prekey.id")
        spk_key = b64d(jfield(spk, "key", str), "signed_prekey.key", 32)
        spk_sig = b64d(jfield(spk, "sig", str), "signed_prekey.sig", 64)
        otp = reply.get("one_time_prekey")
        otp_id: int | None = None
        otp_key: bytes | None = None
        if otp is not None:
            otp_id = _u32(jfield(otp, "id", int), "one_time_prekey.id")
            otp_key = b64d(jfield(otp, "key", str), "one_time_prekey.key", 32)
        p.ed25519_verify(ik, dsig, dh_key_message(dk))
        p.ed25519_verify(ik, spk_sig, signed_prekey_message(spk_id, spk_key))
        return cls(pseudonym, ik, dk, spk_id, spk_key, otp_id, otp_key)

    def __repr__(self) -> str:
        return (
            f"PrekeyBundle(id={key_id(self.identity_key)}, spk={self.signed_prekey_id}, "
            f"otpk={self.one_time_prekey_id})"
        )

    __str__ = __repr__


def _u32(v: int, what: str) -> int:
    if not 0 <= v <= 0xFFFFFFFF:
        raise DecodeError(f"{what} out of range")
    return v


class Account:
    """A device identity plus its private prekeys; the object a client persists.

    Mutable on purpose (prekeys are consumed); every mutation is explicit. Layout of
    ``to_bytes()``::

        version | 0x11 | identity (73, DeviceIdentity.to_bytes) |
        next_prekey_id u32 | n_spk u8 | n_spk * (id u32 | priv 32) |   (newest first)
        n_otpk u16 | n_otpk * (id u32 | priv 32)                      (oldest first)
    """

    def __init__(self, identity: DeviceIdentity) -> None:
        self.identity = identity
        self._next_id = 1
        self._signed: list[tuple[int, bytes]] = []  # newest first
        self._one_time: dict[int, bytes] = {}  # insertion order = age

    @classmethod
    def create(cls, rng: p.Rng = p.default_rng) -> Account:
        """New account with a fresh identity and one signed prekey."""
        acc = cls(DeviceIdentity.generate(rng))
        acc.rotate_signed_prekey(rng)
        return acc

    @property
    def identity_key(self) -> bytes:
        """Public Ed25519 identity key (what the server and peers know the device by)."""
        return self.identity.identity_key

    def sign_auth_challenge(self, challenge: bytes, server_key: bytes) -> bytes:
        """Signature for the ``auth`` event, bound to ``server_key`` (see ``auth_message``)."""
        return self.identity.sign_auth_challenge(challenge, server_key)

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id = 1 if i >= 0xFFFFFFFF else i + 1
        return i

    def rotate_signed_prekey(self, rng: p.Rng = p.default_rng) -> int:
        """Make a new signed prekey (keeping a few old ones for in-flight messages); its id."""
        pid = self._new_id()
        self._signed.insert(0, (pid, p.random_bytes(rng, 32)))
        del self._signed[1 + MAX_OLD_SIGNED_PREKEYS :]
        return pid

    def generate_one_time_prekeys(self, count: int, rng: p.Rng = p.default_rng) -> list[int]:
        """Create ``count`` one-time prekeys; the oldest are evicted beyond the limit."""
        if not 0 <= count <= MAX_ONE_TIME_PREKEYS:
            raise DecodeError("one-time prekey count out of range")
        ids = []
        for _ in range(count):
            pid = self._new_id()
            self._one_time[pid] = p.random_bytes(rng, 32)
            ids.append(pid)
        while len(self._one_time) > MAX_ONE_TIME_PREKEYS:
            del self._one_time[next(iter(self._one_time))]
        return ids

    def keys_publish(self, one_time_prekeys: int = 20, rng: p.Rng = p.default_rng) -> dict[str, Any]:
        """Generate ``one_time_prekeys`` new one-time prekeys and return the ``keys.publish``
        request (JSON-ready, b64 fields): the current signed prekey and only the new ones."""
        if not self._signed:
            self.rotate_signed_prekey(rng)
        ids = self.generate_one_time_prekeys(one_time_prekeys, rng)
        spk_id, spk_priv = self._signed[0]
        spk_pub = p.x25519_public(spk_priv)
        return {
            "dh_key": b64e(self.identity.dh_key),
            "dh_sig": b64e(self.identity.dh_sig),
            "signed_prekey": {
                "id": spk_id,
                "key": b64e(spk_pub),
                "sig": b64e(self.identity.sign(signed_prekey_message(spk_id, spk_pub))),
            },
            "one_time_prekeys": [
                {"id": i, "key": b64e(p.x25519_public(self._one_time[i]))} for i in ids
            ],
        }

    def signed_prekey_private(self, prekey_id: int) -> bytes:
        """Private signed prekey by id (``UnknownKeyError`` if rotated out)."""
        for pid, priv in self._signed:
            if pid == prekey_id:
                return priv
        raise UnknownKeyError("unknown signed prekey")

    def one_time_prekey_private(self, prekey_id: int) -> bytes:
        """Private one-time prekey by id without consuming it."""
        try:
            return self._one_time[prekey_id]
        except KeyError:
            raise UnknownKeyError("unknown or used one-time prekey") from None

    def consume_one_time_prekey(self, prekey_id: int) -> None:
        """Delete a one-time prekey after a first message using it decrypted (forward secrecy)."""
        self._one_time.pop(prekey_id, None)

    def one_time_prekey_count(self) -> int:
        """Number of private one-time prekeys held."""
        return len(self._one_time)

    def to_bytes(self) -> bytes:
        """Serialise everything private (for the client's keystore)."""
        w = Writer().u8(PROTOCOL_VERSION).u8(_ACCOUNT_TAG).raw(self.identity.to_bytes())
        w.u32(self._next_id).u8(len(self._signed))
        for pid, priv in self._signed:
            w.u32(pid).raw(priv)
        w.u16(len(self._one_time))
        for pid, priv in self._one_time.items():
            w.u32(pid).raw(priv)
        return w.bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Account:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _ACCOUNT_TAG:
            raise DecodeError("not an account")
        acc = cls(DeviceIdentity.from_bytes(r.take(2 + 64)))
        acc._next_id = r.u32()
        n = r.u8()
        if n > 1 + MAX_OLD_SIGNED_PREKEYS:
            raise DecodeError("too many signed prekeys")
        acc._signed = [(r.u32(), r.take(32)) for _ in range(n)]
        m = r.u16()
        if m > MAX_ONE_TIME_PREKEYS:
            raise DecodeError("too many one-time prekeys")
        for _ in range(m):
            pid = r.u32()
            acc._one_time[pid] = r.take(32)
        r.end()
        return acc

    def __repr__(self) -> str:
        return (
            f"Account(id={key_id(self.identity_key)}, signed_prekeys={len(self._signed)}, "
            f"one_time_prekeys={len(self._one_time)})"
        )

    __str__ = __repr__
