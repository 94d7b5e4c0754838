"""1:1 sessions: X3DH to start, Double Ratchet after, franked text, typed content.

AEAD per message: key = ``message_aead_key(mk)``, random 96-bit nonce,
associated data = session AD (see ``x3dh``) || the full header bytes as sent.
Body = nonce (12) || AES-256-GCM ciphertext with the 16-byte tag.

Every ``decrypt`` works on a copy of the state and keeps it only when the whole message
(AEAD, padding, content, franking) checks out: bad input changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import primitives as p
from .content import Content, TextContent, decode_content, encode_content
from .encoding import Reader, Writer
from .envelopes import KIND_MSG, KIND_PREKEY, Outgoing
from .errors import DecodeError, FrankingError, MismatchError
from .franking import DIRECT_CONTEXT, make_commitment
from .identity import Account, PrekeyBundle, key_id
from .limits import PROTOCOL_VERSION
from .ratchet import RatchetHeader, RatchetState, message_aead_key
from .x3dh import (
    NO_ONE_TIME_PREKEY,
    PrekeyHeader,
    associated_data,
    initiator_secret,
    responder_secret,
)

_SESSION_TAG = 0x20


def direct_message_ref(recipient_key: bytes, ratchet_key: bytes, n: int) -> bytes:
    """Franking ``message_ref`` of a 1:1 message: recipient identity key || ratchet key || n."""
    return recipient_key + ratchet_key + n.to_bytes(4, "big")


@dataclass(repr=False)
class Session:
    """One Double Ratchet session with one remote device. Serialise with ``to_bytes``."""

    local_key: bytes
    remote_key: bytes
    ad: bytes
    base_key: bytes
    state: RatchetState
    pending_prekey: bytes | None = None  # prefix resent until the peer answers

    @classmethod
    def initiate(cls, account: Account, bundle: PrekeyBundle, rng: p.Rng = p.default_rng) -> Session:
        """Start a session from a verified ``keys.fetch`` bundle (draws 64 bytes: EKa, then the
        first ratchet key). The first messages are ``prekey`` messages until one is answered."""
        ek = p.random_bytes(rng, 32)
        ident = account.identity
        sk = initiator_secret(
            ident.dh_private, ek, bundle.dh_key, bundle.signed_prekey, bundle.one_time_prekey
        )
        state = RatchetState.initiator(sk, bundle.signed_prekey, rng)
        base = p.x25519_public(ek)
        prefix = PrekeyHeader(
            ident.identity_key, ident.dh_key, ident.dh_sig, base, bundle.signed_prekey_id,
            bundle.one_time_prekey_id or NO_ONE_TIME_PREKEY,
            RatchetHeader(bytes(32), 0, 0),
        ).prefix()
        ad = associated_data(ident.identity_key, ident.dh_key, bundle.identity_key, bundle.dh_key)
        return cls(ident.identity_key, bundle.identity_key, ad, base, state, prefix)

    @classmethod
    def accept(
        cls,
        account: Account,
        header: bytes,
        body: bytes,
        sender_key: bytes | None = None,
        commitment: bytes | None = None,
    ) -> tuple[Session, Content]:
        """Bob: create a session from a ``prekey`` message and decrypt it.

        ``sender_key`` is the server-stamped identity key; it must match the header's. The
        one-time prekey is consumed from ``account`` only if decryption succeeds.
        """
        ph = PrekeyHeader.decode(header)
        if sender_key is not None and not p.ct_equal(sender_key, ph.identity_key):
            raise MismatchError("prekey header identity differs from the envelope sender")
        spk = account.signed_prekey_private(ph.signed_prekey_id)
        otpk = None
        if ph.one_time_prekey_id != NO_ONE_TIME_PREKEY:
            otpk = account.one_time_prekey_private(ph.one_time_prekey_id)
        ident = account.identity
        sk = responder_secret(ident.dh_private, spk, otpk, ph.dh_key, ph.base_key)
        ad = associated_data(ph.identity_key, ph.dh_key, ident.identity_key, ident.dh_key)
        session = cls(ident.identity_key, ph.identity_key, ad, ph.base_key,
                      RatchetState.responder(sk, spk))
        content = session._decrypt(header, ph.ratchet, body, commitment)
        if ph.one_time_prekey_id != NO_ONE_TIME_PREKEY:
            account.consume_one_time_prekey(ph.one_time_prekey_id)
        return session, content

    def encrypt(self, content: Content, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt one content; a ``TextContent`` gets a franking commitment in the header."""
        state = self.state.clone()
        mk, rkey, pn, n = state.next_send_key(rng)
        commitment = None
        if isinstance(content, TextContent):
            ref = direct_message_ref(self.remote_key, rkey, n)
            commitment = make_commitment(
                content.franking_key, DIRECT_CONTEXT, self.local_key, ref, content.text
            )
        header = RatchetHeader(rkey, pn, n, commitment).encode()
        kind = KIND_MSG
        if self.pending_prekey is not None:
            header, kind = self.pending_prekey + header, KIND_PREKEY
        plaintext = encode_content(content)
        nonce = p.random_bytes(rng, p.NONCE_LEN)
        ct = p.aead_encrypt(message_aead_key(mk), nonce, plaintext, self.ad + header)
        self.state = state  # chain position advanced before the message leaves
        return Outgoing(kind, header, nonce + ct, commitment)

    def encrypt_text(self, text: str, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt a chat message with a fresh franking key."""
        return self.encrypt(TextContent.new(text, rng), rng)

    def decrypt(
        self, kind: str, header: bytes, body: bytes, commitment: bytes | None = None
    ) -> Content:
        """Decrypt a ``msg`` or ``prekey`` message of this session."""
        if kind == KIND_PREKEY:
            ph = PrekeyHeader.decode(header)
            if not p.ct_equal(ph.base_key, self.base_key):
                raise MismatchError("prekey message belongs to another session")
            rh = ph.ratchet
        elif kind == KIND_MSG:
            rh = RatchetHeader.decode(header)
        else:
            raise DecodeError("not a 1:1 kind")
        return self._decrypt(header, rh, body, commitment)

    def _decrypt(
        self, header: bytes, rh: RatchetHeader, body: bytes, commitment: bytes | None
    ) -> Content:
        if len(body) < p.NONCE_LEN + p.TAG_LEN:
            raise DecodeError("body too short")
        state = self.state.clone()
        mk = state.receive_key(rh)
        plaintext = p.aead_decrypt(
            message_aead_key(mk), body[: p.NONCE_LEN], body[p.NONCE_LEN :], self.ad + header
        )
        content = decode_content(plaintext)
        if commitment is not None and rh.commitment != commitment:
            raise MismatchError("envelope commitment differs from the header's")
        if isinstance(content, TextContent):
            if rh.commitment is None:
                raise FrankingError("text without a franking commitment")
            ref = direct_message_ref(self.local_key, rh.ratchet_key, rh.n)
            expected = make_commitment(
                content.franking_key, DIRECT_CONTEXT, self.remote_key, ref, content.text
            )
            if not p.ct_equal(expected, rh.commitment):
                raise FrankingError("franking commitment does not match")
        elif rh.commitment is not None:
            raise MismatchError("commitment on a non-text message")
        self.state = state
        self.pending_prekey = None  # the peer answered: X3DH data no longer needed
        return content

    def to_bytes(self) -> bytes:
        """Layout::

            version | 0x20 | local key 32 | remote key 32 | base key 32 | u16 len | AD |
            u16 len | pending prekey prefix (0 = none) | RatchetState.encode()
        """
        return (
            Writer().u8(PROTOCOL_VERSION).u8(_SESSION_TAG).raw(self.local_key)
            .raw(self.remote_key).raw(self.base_key).var16(self.ad)
            .var16(self.pending_prekey or b"").raw(self.state.encode()).bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Session:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _SESSION_TAG:
            raise DecodeError("not a session")
        local, remote, base = r.take(32), r.take(32), r.take(32)
        ad = r.var16(512)
        pending = r.var16(512) or None
        state = RatchetState.read(r)
        r.end()
        return cls(local, remote, ad, base, state, pending)

    def __repr__(self) -> str:
        return f"Session(remote={key_id(self.remote_key)}, base={key_id(self.base_key)}, {self.state!r})"

    __str__ = __repr__
