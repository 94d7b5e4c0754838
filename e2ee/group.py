"""Group sender keys per (room, epoch, sender): create, distribute, encrypt, decrypt, rotate.

A sender key is a hash-ratchet chain key plus an Ed25519 signing key. It travels only inside a
1:1 session as a ``SenderKeyDistribution`` signed by the sender's identity key. Receivers find a
key by (room, sender identity, key_id), check the envelope's server-stamped room and sender,
verify the signature before touching state, then decrypt on a copy and keep it only on success.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import primitives as p
from .content import Content, SenderKeyDistribution, TextContent, decode_content, encode_content
from .encoding import Reader, Writer, from_utf8, utf8
from .envelopes import KIND_GROUP, GroupEnvelope, Outgoing, Received
from .errors import (
    DecodeError,
    FrankingError,
    LimitError,
    MismatchError,
    ReplayError,
    StateError,
    UnknownKeyError,
)
from .franking import FrankingOpening, make_commitment
from .group_wire import GROUP_AD_LABEL as _AD
from .group_wire import (
    GroupHeader,
    group_aead_key,
    group_chain_step,
    group_message_ref,
    signature_input,
    split_body,
)
from .identity import DeviceIdentity, key_id
from .limits import (
    MAX_FORWARD_JUMP,
    MAX_MESSAGES_PER_SENDER_KEY,
    MAX_ROOM_ID_BYTES,
    MAX_SENDER_KEY_AGE_MS,
    MAX_SENDER_KEY_ITERATION,
    MAX_SENDER_KEYS_PER_ROOM_SENDER,
    MAX_SKIPPED_GROUP_KEYS,
    PROTOCOL_VERSION,
)

_GROUP_KEYS_TAG = 0x30


@dataclass(repr=False)
class SenderKeyState:
    """One sender key as held by its owner (``signing_seed`` set) or a receiver (None)."""

    room: str
    epoch: int
    sender_key: bytes
    key_id: int
    iteration: int  # next iteration to use / expect
    first_iteration: int  # receivers cannot read anything before this (late joiner)
    chain_key: bytes
    signing_key: bytes
    signing_seed: bytes | None = None
    skipped: dict[int, bytes] = field(default_factory=dict)
    created_at: int = 0  # caller's clock (ms) when my own key was made; 0 for received keys

    def clone(self) -> SenderKeyState:
        """Copy whose dict can change independently."""
        return SenderKeyState(
            self.room, self.epoch, self.sender_key, self.key_id, self.iteration,
            self.first_iteration, self.chain_key, self.signing_key, self.signing_seed,
            dict(self.skipped), self.created_at,
        )

    def message_key(self, iteration: int) -> bytes:
        """Receiver: key for ``iteration``, storing skipped keys; replays and gaps refused."""
        if iteration < self.iteration:
            if iteration in self.skipped:
                return self.skipped.pop(iteration)
            if iteration < self.first_iteration:
                raise UnknownKeyError("message predates the sender key held")
            raise ReplayError("group message index already used")
        if iteration - self.iteration > MAX_FORWARD_JUMP:
            raise LimitError("group message jumps too far ahead")
        while self.iteration < iteration:
            mk, self.chain_key = group_chain_step(self.chain_key)
            self.skipped[self.iteration] = mk
            self.iteration += 1
            if len(self.skipped) > MAX_SKIPPED_GROUP_KEYS:
                del self.skipped[next(iter(self.skipped))]
        mk, self.chain_key = group_chain_step(self.chain_key)
        self.iteration += 1
        return mk

    def write(self, w: Writer) -> None:
        """``u8 len room | epoch u32 | sender 32 | key_id u32 | iteration u32 | first u32 |
        chain 32 | signing public 32 | has_seed u8 [seed 32] | u16 n | n * (iter u32 | mk 32) |
        created_at u64``"""
        w.var8(utf8(self.room, MAX_ROOM_ID_BYTES, "room")).u32(self.epoch).raw(self.sender_key)
        w.u32(self.key_id).u32(self.iteration).u32(self.first_iteration)
        w.raw(self.chain_key).raw(self.signing_key)
        if self.signing_seed is None:
            w.u8(0)
        else:
            w.u8(1).raw(self.signing_seed)
        w.u16(len(self.skipped))
        for it, mk in self.skipped.items():
            w.u32(it).raw(mk)
        w.u64(self.created_at)

    @classmethod
    def read(cls, r: Reader) -> SenderKeyState:
        """Inverse of ``write``."""
        room = from_utf8(r.var8(MAX_ROOM_ID_BYTES), "room")
        epoch, sender, kid = r.u32(), r.take(32), r.u32()
        it, first = r.u32(), r.u32()
        ck, sk = r.take(32), r.take(32)
        has = r.u8()
        if has not in (0, 1):
            raise DecodeError("bad seed flag")
        seed = r.take(32) if has else None
        n = r.u16()
        if n > MAX_SKIPPED_GROUP_KEYS:
            raise DecodeError("too many skipped keys")
        skipped = {}
        for _ in range(n):
            i = r.u32()
            skipped[i] = r.take(32)
        return cls(room, epoch, sender, kid, it, first, ck, sk, seed, skipped, r.u64())

    def __repr__(self) -> str:
        return (
            f"SenderKeyState(room={self.room!r}, epoch={self.epoch}, "
            f"sender={key_id(self.sender_key)}, key_id={self.key_id}, iteration={self.iteration})"
        )


class GroupKeys:
    """All sender keys of one device: its own per room, and every received one."""

    def __init__(self, identity: DeviceIdentity) -> None:
        self.identity = identity
        self._mine: dict[str, SenderKeyState] = {}
        # (room, sender identity key) -> {key_id: state}, oldest first
        self._theirs: dict[tuple[str, bytes], dict[int, SenderKeyState]] = {}

    # --- my sender key -------------------------------------------------------------------

    def create_sender_key(
        self, room: str, epoch: int, rng: p.Rng = p.default_rng, *, now_ms: int = 0
    ) -> SenderKeyDistribution:
        """Make (or rotate to) a new sender key for ``room`` at ``epoch``; returns the signed
        distribution to send to every current member over 1:1. Draws 4 + 32 + 32 bytes.
        ``now_ms`` (the caller's clock) only feeds ``needs_rotation``."""
        if not 0 <= epoch <= 0xFFFFFFFF:
            raise DecodeError("epoch out of range")
        if not 0 <= now_ms < 2**64:
            raise DecodeError("now_ms out of range")
        utf8(room, MAX_ROOM_ID_BYTES, "room")
        kid = int.from_bytes(p.random_bytes(rng, 4), "big")
        ck = p.random_bytes(rng, 32)
        seed = p.random_bytes(rng, 32)
        self._mine[room] = SenderKeyState(
            room, epoch, self.identity.identity_key, kid, 0, 0, ck, p.ed25519_public(seed), seed,
            created_at=now_ms,
        )
        return self.distribution(room)

    def needs_rotation(
        self,
        room: str,
        now_ms: int,
        *,
        max_messages: int = MAX_MESSAGES_PER_SENDER_KEY,
        max_age_ms: int = MAX_SENDER_KEY_AGE_MS,
    ) -> bool:
        """True if I have no sender key for ``room`` or mine has sent ``max_messages`` or is
        older than ``max_age_ms`` (by the caller's clock): make a new one and distribute it.
        Departures are separate: after a verified leave/removal always rotate."""
        st = self._mine.get(room)
        if st is None:
            return True
        return st.iteration >= max_messages or now_ms - st.created_at >= max_age_ms

    def distribution(self, room: str) -> SenderKeyDistribution:
        """My current sender key for ``room`` at its current iteration (for a late joiner: it
        reads forward only). ``StateError`` if I have none."""
        st = self._mine.get(room)
        if st is None:
            raise StateError("no sender key for this room")
        unsigned = SenderKeyDistribution(
            st.room, st.epoch, st.sender_key, st.key_id, st.iteration, st.chain_key,
            st.signing_key, bytes(64),
        )
        sig = self.identity.sign(unsigned.signed_bytes())
        return SenderKeyDistribution(
            st.room, st.epoch, st.sender_key, st.key_id, st.iteration, st.chain_key,
            st.signing_key, sig,
        )

    def encrypt(self, room: str, content: Content, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt ``content`` (normally ``TextContent``) for ``room`` with my sender key."""
        st = self._mine.get(room)
        if st is None or st.signing_seed is None:
            raise StateError("no sender key for this room")
        if st.iteration >= MAX_SENDER_KEY_ITERATION:
            raise LimitError("sender key exhausted: rotate")
        commitment = None
        if isinstance(content, TextContent):
            commitment = make_commitment(
                content.franking_key, room, st.sender_key,
                group_message_ref(st.epoch, st.key_id, st.iteration), content.text,
            )
        header = GroupHeader(room, st.epoch, st.sender_key, st.key_id, st.iteration, commitment)
        hb = header.encode()
        plaintext = encode_content(content)
        mk, next_ck = group_chain_step(st.chain_key)
        nonce = p.random_bytes(rng, p.NONCE_LEN)
        ct = p.aead_encrypt(group_aead_key(mk), nonce, plaintext, _AD + hb)
        sig = p.ed25519_sign(st.signing_seed, signature_input(hb, nonce, ct))
        st.chain_key, st.iteration = next_ck, st.iteration + 1
        return Outgoing(KIND_GROUP, hb, nonce + ct + sig, commitment)

    def encrypt_text(self, room: str, text: str, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt a franked chat message for ``room``."""
        return self.encrypt(room, TextContent.new(text, rng), rng)

    # --- received sender keys ------------------------------------------------------------

    def process_distribution(
        self,
        dist: SenderKeyDistribution,
        from_key: bytes,
        *,
        room: str | None = None,
        min_epoch: int | None = None,
    ) -> bool:
        """Accept a distribution that arrived over the 1:1 session with ``from_key``.

        Checks it names that sender (and ``room`` / at least ``min_epoch`` when given: pass the
        room you are in and the epoch of its latest verified leave/removal, since every key made
        before that had to be rotated) and is signed by its identity key.
        Returns False (and changes nothing) when this key id is already held, so a re-sent
        distribution cannot rewind a chain into replayable positions.
        """
        if not p.ct_equal(dist.sender_key, from_key):
            raise MismatchError("distribution names another sender")
        if room is not None and dist.room != room:
            raise MismatchError("distribution names another room")
        if min_epoch is not None and dist.epoch < min_epoch:
            raise MismatchError("distribution is for an older epoch")
        dist.verify()
        slot = self._theirs.setdefault((dist.room, dist.sender_key), {})
        if dist.key_id in slot:
            return False
        slot[dist.key_id] = SenderKeyState(
            dist.room, dist.epoch, dist.sender_key, dist.key_id, dist.iteration,
            dist.iteration, dist.chain_key, dist.signing_key,
        )
        while len(slot) > MAX_SENDER_KEYS_PER_ROOM_SENDER:
            del slot[next(iter(slot))]
        return True

    def has_sender_key(self, room: str, sender_key: bytes) -> bool:
        """True if some key of this sender for this room is held."""
        return bool(self._theirs.get((room, sender_key)))

    def decrypt(self, env: GroupEnvelope) -> Received:
        """Decrypt a ``room.envelope`` against its server-stamped ``room`` and ``sender_key``."""
        if env.kind != KIND_GROUP:
            raise DecodeError("not a group message")
        h = GroupHeader.decode(env.header)
        if h.room != env.room or not p.ct_equal(h.sender_key, env.sender_key):
            raise MismatchError("header room or sender differs from the envelope")
        if env.commitment is not None and h.commitment != env.commitment:
            raise MismatchError("envelope commitment differs from the header's")
        st = self._theirs.get((h.room, h.sender_key), {}).get(h.key_id)
        if st is None:
            raise UnknownKeyError("no sender key for this room, sender and key id")
        if h.epoch != st.epoch:
            raise MismatchError("epoch differs from the sender key's")
        nonce, ct, sig = split_body(env.body)
        p.ed25519_verify(st.signing_key, sig, signature_input(env.header, nonce, ct))
        work = st.clone()
        mk = work.message_key(h.iteration)
        content = decode_content(p.aead_decrypt(group_aead_key(mk), nonce, ct, _AD + env.header))
        opening = None
        if isinstance(content, TextContent):
            if h.commitment is None:
                raise FrankingError("text without a franking commitment")
            ref = group_message_ref(h.epoch, h.key_id, h.iteration)
            expected = make_commitment(content.franking_key, h.room, h.sender_key, ref, content.text)
            if not p.ct_equal(expected, h.commitment):
                raise FrankingError("franking commitment does not match")
            opening = FrankingOpening(
                content.text, content.franking_key, h.commitment, h.room, h.sender_key, ref,
                env.room, env.ts, env.stamp,
            )
        elif isinstance(content, SenderKeyDistribution):
            raise MismatchError("sender keys travel only over 1:1")
        elif h.commitment is not None:
            raise MismatchError("commitment on a non-text message")
        self._theirs[(h.room, h.sender_key)][h.key_id] = work
        return Received(content, h.sender_key, opening)

    # --- lifecycle -----------------------------------------------------------------------

    def forget_sender(self, room: str, sender_key: bytes) -> None:
        """Drop every key of one sender in ``room`` (after they left or were removed)."""
        self._theirs.pop((room, sender_key), None)

    def drop_room(self, room: str) -> None:
        """Drop all keys of ``room`` (its night ended or I left)."""
        self._mine.pop(room, None)
        for k in [k for k in self._theirs if k[0] == room]:
            del self._theirs[k]

    def rooms(self) -> list[str]:
        """Rooms with any key held."""
        return sorted({*self._mine, *(k[0] for k in self._theirs)})

    def to_bytes(self) -> bytes:
        """``version | 0x30 | u16 n_mine | states | u32 n_theirs | states`` (identity not
        included: pass it to ``from_bytes``)."""
        w = Writer().u8(PROTOCOL_VERSION).u8(_GROUP_KEYS_TAG).u16(len(self._mine))
        for st in self._mine.values():
            st.write(w)
        theirs = [st for slot in self._theirs.values() for st in slot.values()]
        w.u32(len(theirs))
        for st in theirs:
            st.write(w)
        return w.bytes()

    @classmethod
    def from_bytes(cls, identity: DeviceIdentity, data: bytes) -> GroupKeys:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _GROUP_KEYS_TAG:
            raise DecodeError("not group keys")
        gk = cls(identity)
        for _ in range(r.u16()):
            st = SenderKeyState.read(r)
            gk._mine[st.room] = st
        for _ in range(r.u32()):
            st = SenderKeyState.read(r)
            gk._theirs.setdefault((st.room, st.sender_key), {})[st.key_id] = st
        r.end()
        return gk

    def __repr__(self) -> str:
        n = sum(len(s) for s in self._theirs.values())
        return f"GroupKeys(id={key_id(self.identity.identity_key)}, mine={len(self._mine)}, theirs={n})"
