"""The client's key state: one object over the e2ee core's account, 1:1 sessions and sender keys.

Pure (no I/O, no clock; randomness from the ``rng`` it is given): its owners call it under the
session's lock and save ``export_state()`` to the keystore whenever the 1:1 state moved. Group sender keys are deliberately *not* exported:
a room lives one night, and a restarted client rejoins and gets fresh keys, so no group key
ever reaches the disk.

``repr`` names the identity by a short hash and counts; it never shows keys.
"""

from __future__ import annotations

import base64
import binascii
from collections import OrderedDict
from typing import Any

from client.clock import Rng, system_rng
from client.errors import KEYSTORE_CORRUPT, PINS_FULL, UNTRUSTED_KEY, ClientError, ProtocolViolation
from e2ee.content import Content, SenderKeyDistribution, TextContent
from e2ee.direct import DirectSessions, InMemorySessionStore
from e2ee.envelopes import DirectEnvelope, GroupEnvelope, Outgoing, Received
from e2ee.erase import erase_message
from e2ee.errors import DecodeError
from e2ee.group import GroupKeys
from e2ee.identity import Account, PrekeyBundle, key_id
from e2ee.reports import OpenedReport, SealedReport, open_report
from e2ee.team import TeamKey, TeamKeyWrap, open_wrap, wrap_team_key

ENGINE_STATE_VERSION = 1

MAX_SESSION_PEERS = 256
"""Most peers with a 1:1 session. Anyone can start one with me (X3DH needs no consent), so
without a bound strangers could grow the saved state until it no longer loads."""
MAX_PINS = 20_000
"""Most pseudonym → identity pins (~75 bytes each in the keystore). A pin is never forgotten:
forgetting one would let the next bundle for that name (from a malicious server) be trusted
afresh. At the bound a *new* pseudonym is refused (``pins_full``) instead; reaching it takes
20,000 throw-away identities that each got a valid message to me."""
SIGNED_PREKEY_MAX_AGE_S = 7 * 24 * 3600
"""Make a new signed prekey when the published one is older (X3DH recommends periodic
rotation; the account keeps a few old ones so first messages in flight still decrypt)."""
MAX_SESSION_STORE_BYTES = 4 * 1024 * 1024
"""Most bytes of encoded 1:1 sessions (skipped keys make a session large); far below the
keystore's own limit, so the state stays loadable and a save stays cheap."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ClientError(KEYSTORE_CORRUPT, "keystore field is not base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ClientError(KEYSTORE_CORRUPT, "keystore field is not base64") from None


class Engine:
    """Account + 1:1 sessions + group sender keys of one device."""

    def __init__(
        self, account: Account, sessions: InMemorySessionStore, rng: Rng = system_rng
    ) -> None:
        self._rng = rng
        self._account = account
        self._store = sessions
        self._direct = DirectSessions(account, sessions)
        self._groups = GroupKeys(account.identity)
        self.pins: dict[str, bytes] = {}
        """pseudonym → identity key, trusted on first use (kept across restarts)."""
        self.signed_prekey_made_at: float | None = None
        """Wall-clock time (Unix s) the current signed prekey was made; None until known."""
        self._contacts: OrderedDict[bytes, bool] = OrderedDict()
        """Peers with sessions, least recently used first → whether I ever wrote to them."""

    def __repr__(self) -> str:
        return f"Engine(id={key_id(self.identity_key)}, pins={len(self.pins)})"

    __str__ = __repr__

    # -- life cycle ------------------------------------------------------------------------

    @classmethod
    def create(cls, rng: Rng = system_rng) -> Engine:
        """A new device: fresh identity and signed prekey from ``rng`` (default the OS CSPRNG)."""
        return cls(Account.create(rng), InMemorySessionStore(), rng)

    @classmethod
    def from_state(cls, state: Any, rng: Rng = system_rng) -> Engine:
        """Rebuild from ``export_state()``; ``ClientError(keystore_corrupt)`` if malformed."""
        if not isinstance(state, dict) or state.get("version") != ENGINE_STATE_VERSION:
            raise ClientError(KEYSTORE_CORRUPT, "engine state version is not supported")
        try:
            account = Account.from_bytes(_unb64(state.get("account")))
            sessions = InMemorySessionStore.from_bytes(_unb64(state.get("sessions")))
        except DecodeError:
            raise ClientError(KEYSTORE_CORRUPT, "engine state does not decode") from None
        engine = cls(account, sessions, rng)
        pins = state.get("pins", {})
        if not isinstance(pins, dict):
            raise ClientError(KEYSTORE_CORRUPT, "pins are not a mapping")
        engine.pins = {str(name): _unb64(key) for name, key in pins.items()}
        made_at = state.get("signed_prekey_made_at")
        if made_at is not None and (isinstance(made_at, bool) or not isinstance(made_at, int | float)):
            raise ClientError(KEYSTORE_CORRUPT, "signed prekey time is malformed")
        engine.signed_prekey_made_at = None if made_at is None else float(made_at)
        contacts = state.get("contacts", [])
        if not isinstance(contacts, list):
            raise ClientError(KEYSTORE_CORRUPT, "contacts are not a list")
        for item in contacts:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], bool)):
                raise ClientError(KEYSTORE_CORRUPT, "contact entry is malformed")
            engine._contacts[_unb64(item[0])] = item[1]
        return engine

    def export_state(self) -> dict[str, Any]:
        """Account, 1:1 sessions and pins as JSON-ready data (secret: keystore only)."""
        return {
            "version": ENGINE_STATE_VERSION,
            "account": _b64(self._account.to_bytes()),
            "sessions": _b64(self._store.to_bytes()),
            "pins": {name: _b64(key) for name, key in sorted(self.pins.items())},
            "contacts": [[_b64(key), answered] for key, answered in self._contacts.items()],
            "signed_prekey_made_at": self.signed_prekey_made_at,
        }

    # -- identity and prekeys --------------------------------------------------------------

    @property
    def identity_key(self) -> bytes:
        """Public Ed25519 identity key."""
        return self._account.identity_key

    def open_report(self, sealed: SealedReport, room: str, commitment: bytes) -> OpenedReport:
        """Open a report box sealed to this device (the private key stays here); raises
        ``E2EEError`` when it is not mine or does not match ``room`` and ``commitment``."""
        return open_report(self._account.identity, sealed, room=room, commitment=commitment)

    def open_team_wrap(self, wrap: TeamKeyWrap, makers: frozenset[bytes]) -> TeamKey:
        """Open a counsellor team key wrap sealed to this device (e2ee/team.py); raises
        ``E2EEError`` unless a maker in ``makers`` signed it and it is mine."""
        return open_wrap(self._account.identity, wrap, makers=makers)

    def wrap_team_key(self, key: TeamKey, *, to: bytes, dh_key: bytes, rng: Rng) -> TeamKeyWrap:
        """Seal ``key`` to a colleague's checked ``dh_key``, signed by this device."""
        return wrap_team_key(key, to=to, dh_key=dh_key, maker=self._account.identity, rng=rng)

    def set_pseudonym(self, pseudonym: str) -> None:
        """My pseudonym as the server stamps it (names the relay's franking stamp of 1:1)."""
        self._direct.pseudonym = pseudonym

    def sign_auth(self, challenge: bytes, server_key: bytes) -> bytes:
        """Signature over the ``auth`` challenge, bound to the server's key (auth v2)."""
        return self._account.sign_auth_challenge(challenge, server_key)

    def sign_erase(self, challenge: bytes, server_key: bytes) -> bytes:
        """Signature asking the server to erase this identity (``e2ee.erase``)."""
        return self._account.identity.sign(erase_message(challenge, self.identity_key, server_key))

    def rotate_signed_prekey_if_due(self, now: float) -> bool:
        """Make a new signed prekey if the current one is older than ``SIGNED_PREKEY_MAX_AGE_S``
        (``now``: the caller's wall clock, Unix seconds). A prekey of unknown age counts from
        ``now``. Returns whether it rotated."""
        made = self.signed_prekey_made_at
        if made is None or made > now:
            self.signed_prekey_made_at = now
            return False
        if now - made < SIGNED_PREKEY_MAX_AGE_S:
            return False
        self._account.rotate_signed_prekey(self._rng)
        self.signed_prekey_made_at = now
        return True

    def publish_request(self, new_one_time_prekeys: int) -> dict[str, Any]:
        """A ``keys.publish`` request with that many fresh one-time prekeys."""
        return self._account.keys_publish(new_one_time_prekeys, self._rng)

    # -- 1:1 -------------------------------------------------------------------------------

    def has_session(self, remote_key: bytes) -> bool:
        """Whether a 1:1 session with this identity exists."""
        return self._direct.has_session(remote_key)

    def new_text(self, text: str) -> TextContent:
        """Chat text with a fresh franking key."""
        return TextContent.new(text, self._rng)

    def start_session(self, bundle: PrekeyBundle) -> None:
        """X3DH from a verified bundle; the new session becomes current."""
        self._direct.start(bundle, self._rng)
        self._touch(bundle.identity_key, answered=True)
        self._enforce_budget(keep=bundle.identity_key)

    def encrypt_direct(self, remote_key: bytes, content: Content) -> Outgoing:
        """Encrypt content (text or a sender key) for a peer with a session."""
        out = self._direct.encrypt(remote_key, content, self._rng)
        self._touch(remote_key, answered=True)
        return out

    def decrypt_direct(self, env: DirectEnvelope) -> Received:
        """Decrypt a ``direct.envelope``; nothing changes if it fails.

        Afterwards the session store is held to ``MAX_SESSION_PEERS`` / ``MAX_SESSION_STORE_BYTES``
        by dropping whole peers: first strangers I never wrote to, least recently heard from
        first, then others by age; never the peer of this envelope.
        """
        received = self._direct.decrypt(env)
        self._touch(env.sender_key)
        self._enforce_budget(keep=env.sender_key)
        return received

    def check_pin(self, pseudonym: str, key: bytes) -> None:
        """Raise what ``pin`` would raise, changing nothing (call before decrypting)."""
        pinned = self.pins.get(pseudonym)
        if pinned is not None and pinned != key:
            raise ProtocolViolation(UNTRUSTED_KEY, f"identity key of {pseudonym} changed")
        if pinned is None and len(self.pins) >= MAX_PINS:
            raise ProtocolViolation(PINS_FULL, "too many contacts to remember another")

    def pin(self, pseudonym: str, key: bytes) -> None:
        """Trust on first use: remember ``pseudonym`` → ``key``; ``untrusted_key`` if it changed,
        ``pins_full`` for a new name at ``MAX_PINS``."""
        self.check_pin(pseudonym, key)
        self.pins.pop(pseudonym, None)
        self.pins[pseudonym] = key  # (re)inserted: most recently seen last

    def session_peers(self) -> int:
        """How many peers I hold a 1:1 session with."""
        return len(self._store.peers())

    def _touch(self, key: bytes, *, answered: bool = False) -> None:
        known = self._contacts.pop(key, False)
        self._contacts[key] = known or answered

    def _enforce_budget(self, keep: bytes) -> None:
        peers = set(self._store.peers())
        size = len(self._store.to_bytes())
        while len(peers) > MAX_SESSION_PEERS or size > MAX_SESSION_STORE_BYTES:
            victim = self._eviction_candidate(peers, keep)
            if victim is None:
                return
            self._store.put(victim, [])
            self._contacts.pop(victim, None)
            peers.discard(victim)
            size = len(self._store.to_bytes())

    def _eviction_candidate(self, peers: set[bytes], keep: bytes) -> bytes | None:
        untracked = sorted(k for k in peers if k not in self._contacts and k != keep)
        if untracked:
            return untracked[0]
        for wanted in (False, True):  # strangers first, then people I wrote to
            for key, answered in self._contacts.items():
                if answered == wanted and key != keep and key in peers:
                    return key
        return None

    # -- groups ----------------------------------------------------------------------------

    def new_sender_key(self, room: str, epoch: int, now_ms: int = 0) -> None:
        """Create my sender key for (room, epoch); the previous one is no longer used to send.
        ``now_ms`` is the caller's clock, for ``needs_rotation``."""
        self._groups.create_sender_key(room, epoch, self._rng, now_ms=now_ms)

    def needs_rotation(self, room: str, now_ms: int) -> bool:
        """Whether my sender key of ``room`` has reached its message or age bound."""
        return self._groups.needs_rotation(room, now_ms)

    def my_distribution(self, room: str) -> SenderKeyDistribution:
        """My current sender key of ``room`` at its current iteration, signed."""
        return self._groups.distribution(room)

    def accept_distribution(
        self, skd: SenderKeyDistribution, from_key: bytes, *, room: str, min_epoch: int
    ) -> bool:
        """Store a sender key that arrived over the 1:1 session with ``from_key``; whether it
        was new (``False``: a key already held).

        A member can only hand out their *own* key for ``room``, made at or after ``min_epoch``
        (the room's latest departure); anything else is refused with ``MismatchError``.
        """
        return self._groups.process_distribution(skd, from_key, room=room, min_epoch=min_epoch)

    def encrypt_group(self, room: str, text: str) -> Outgoing:
        """Encrypt and sign a franked chat message with my current sender key."""
        return self._groups.encrypt_text(room, text, self._rng)

    def decrypt_group(self, env: GroupEnvelope) -> Received:
        """Verify and decrypt; ``UnknownKeyError`` if the sender's key has not arrived yet."""
        return self._groups.decrypt(env)

    def forget_sender(self, room: str, sender_key: bytes) -> None:
        """Drop the keys of a member who left ``room``."""
        self._groups.forget_sender(room, sender_key)

    def drop_room(self, room: str) -> None:
        """Forget every sender key of ``room`` (mine and others')."""
        self._groups.drop_room(room)
