"""Managing 1:1 sessions per remote device: the object a client calls for direct messages.

Several sessions per peer are kept (newest first, ``MAX_SESSIONS_PER_PEER``) because both sides
may start one at the same time; a message that decrypts with an older session promotes it, so
both sides settle on one session.
"""

from __future__ import annotations

from typing import Protocol

from . import primitives as p
from .content import Content, TextContent
from .encoding import Reader, Writer
from .envelopes import KIND_MSG, KIND_PREKEY, DirectEnvelope, Outgoing, Received
from .errors import DecodeError, E2EEError, StateError, UnknownKeyError
from .franking import DIRECT_CONTEXT, FrankingOpening
from .identity import Account, PrekeyBundle, key_id
from .limits import MAX_SESSIONS_PER_PEER, PROTOCOL_VERSION
from .ratchet import RatchetHeader
from .session import Session, direct_message_ref
from .x3dh import PrekeyHeader

_STORE_TAG = 0x21


class SessionStore(Protocol):
    """Where 1:1 sessions live, keyed by the remote identity key (newest session first)."""

    def get(self, remote_key: bytes) -> list[Session]:
        """Sessions with this peer, newest first (empty list if none)."""
        ...

    def put(self, remote_key: bytes, sessions: list[Session]) -> None:
        """Replace the sessions with this peer."""
        ...


class InMemorySessionStore:
    """``SessionStore`` in a dict; ``to_bytes``/``from_bytes`` persist it whole."""

    def __init__(self) -> None:
        self._sessions: dict[bytes, list[Session]] = {}

    def get(self, remote_key: bytes) -> list[Session]:
        """Sessions with this peer, newest first."""
        return list(self._sessions.get(remote_key, []))

    def put(self, remote_key: bytes, sessions: list[Session]) -> None:
        """Replace the sessions with this peer."""
        self._sessions[remote_key] = list(sessions)

    def peers(self) -> list[bytes]:
        """Remote identity keys with at least one session."""
        return [k for k, v in self._sessions.items() if v]

    def to_bytes(self) -> bytes:
        """``version | 0x21 | u32 n | n * (u32 len | Session.to_bytes())`` (newest first)."""
        items = [s for v in self._sessions.values() for s in v]
        w = Writer().u8(PROTOCOL_VERSION).u8(_STORE_TAG).u32(len(items))
        for s in items:
            w.var32(s.to_bytes())
        return w.bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> InMemorySessionStore:
        """Inverse of ``to_bytes``."""
        r = Reader(data)
        r.version()
        if r.u8() != _STORE_TAG:
            raise DecodeError("not a session store")
        store = cls()
        for _ in range(r.u32()):
            s = Session.from_bytes(r.var32(1 << 20))
            store._sessions.setdefault(s.remote_key, []).append(s)
        r.end()
        return store

    def __repr__(self) -> str:
        return f"InMemorySessionStore(peers={len(self.peers())})"


class DirectSessions:
    """1:1 encryption for one account: start, encrypt, decrypt, with sessions in ``store``.

    After ``decrypt`` of a ``prekey`` message the account changed (one-time prekey consumed):
    persist both the account and the store.
    """

    def __init__(
        self, account: Account, store: SessionStore | None = None, pseudonym: str = ""
    ) -> None:
        self.account = account
        self.store: SessionStore = store if store is not None else InMemorySessionStore()
        self.pseudonym = pseudonym
        """My pseudonym, for the caller's convenience (the core does not use it)."""

    def has_session(self, remote_key: bytes) -> bool:
        """True if a session with this peer exists (no need to fetch a bundle)."""
        return bool(self.store.get(remote_key))

    def start(self, bundle: PrekeyBundle, rng: p.Rng = p.default_rng) -> Session:
        """Start a new session from a ``keys.fetch`` bundle; it becomes the current one."""
        session = Session.initiate(self.account, bundle, rng)
        self._promote(session.remote_key, session)
        return session

    def encrypt(self, remote_key: bytes, content: Content, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt with the current session; ``StateError`` if none (call ``start`` first)."""
        sessions = self.store.get(remote_key)
        if not sessions:
            raise StateError("no session with this peer")
        out = sessions[0].encrypt(content, rng)
        self.store.put(remote_key, sessions)
        return out

    def encrypt_text(self, remote_key: bytes, text: str, rng: p.Rng = p.default_rng) -> Outgoing:
        """Encrypt a franked chat message."""
        return self.encrypt(remote_key, TextContent.new(text, rng), rng)

    def decrypt(self, env: DirectEnvelope) -> Received:
        """Decrypt a ``direct.envelope``; ``Received.opening`` is set for text messages."""
        sessions = self.store.get(env.sender_key)
        if env.kind == KIND_PREKEY:
            ph = PrekeyHeader.decode(env.header)
            for s in sessions:
                if p.ct_equal(s.base_key, ph.base_key):
                    content = s.decrypt(env.kind, env.header, env.body, env.commitment)
                    self._promote(env.sender_key, s)
                    return self._received(env, content, ph.ratchet)
            session, content = Session.accept(
                self.account, env.header, env.body, env.sender_key, env.commitment
            )
            self._promote(env.sender_key, session)
            return self._received(env, content, ph.ratchet)
        if env.kind != KIND_MSG:
            raise DecodeError("not a 1:1 kind")
        rh = RatchetHeader.decode(env.header)
        if not sessions:
            raise UnknownKeyError("no session with this sender")
        first_error: E2EEError | None = None
        for s in sessions:
            try:
                content = s.decrypt(env.kind, env.header, env.body, env.commitment)
            except E2EEError as exc:
                first_error = first_error or exc
                continue
            self._promote(env.sender_key, s)
            return self._received(env, content, rh)
        assert first_error is not None
        raise first_error

    def _promote(self, remote_key: bytes, session: Session) -> None:
        rest = [s for s in self.store.get(remote_key) if s is not session]
        self.store.put(remote_key, [session, *rest][:MAX_SESSIONS_PER_PEER])

    def _received(self, env: DirectEnvelope, content: Content, rh: RatchetHeader) -> Received:
        opening = None
        if isinstance(content, TextContent) and rh.commitment is not None:
            opening = FrankingOpening(
                text=content.text, franking_key=content.franking_key, commitment=rh.commitment,
                context=DIRECT_CONTEXT, sender_key=env.sender_key,
                message_ref=direct_message_ref(self.account.identity_key, rh.ratchet_key, rh.n),
                room=direct_stamp_room(), ts=env.ts, stamp=env.stamp,
            )
        return Received(content, env.sender_key, opening)

    def __repr__(self) -> str:
        return f"DirectSessions(account={key_id(self.account.identity_key)}, store={self.store!r})"


def direct_stamp_room(recipient_pseudonym: str = "") -> str:
    """The ``room`` string the relay stamps on a 1:1 envelope: always ``"direct"``
    (docs/protocol.md). The argument is accepted for compatibility and ignored."""
    del recipient_pseudonym
    return DIRECT_CONTEXT
