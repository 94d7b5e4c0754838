"""Iltapiiri end-to-end encryption: a sans-I/O protocol core (docs/crypto.md is the spec).

No sockets, no clocks, no global randomness: bytes and typed objects in and out; ``rng``
(``Callable[[int], bytes]``, default ``os.urandom``) and times are parameters; state objects
serialise with ``to_bytes``/``from_bytes`` and the caller stores them.

Typical client flow::

    account = Account.create()                        # persist account.to_bytes()
    sig = account.sign_auth_challenge(challenge, server_key)  # -> auth (v2)
    publish = account.keys_publish(20)                # -> keys.publish (JSON-ready)
    direct = DirectSessions(account, pseudonym=me)    # 1:1
    direct.start(PrekeyBundle.from_fetch(reply))      # after keys.fetch
    out = direct.encrypt_text(their_key, "hei")       # -> direct.send {to, **out.to_wire()}
    rec = direct.decrypt(DirectEnvelope.from_wire(e)) # rec.content / rec.text / rec.opening
    groups = GroupKeys(account.identity)
    dist = groups.create_sender_key(room, epoch)      # send via direct.encrypt(member, dist)
    groups.process_distribution(rec.content, rec.sender_key)
    out = groups.encrypt_text(room, "hei kaikki")     # -> room.send {room, **out.to_wire()}
    rec = groups.decrypt(GroupEnvelope.from_wire(e))
    ev = verify_membership(server_key, payload)       # before rotating / distributing

Exception tree (every error has a stable ``code``; messages never hold secrets)::

    E2EEError                 e2ee_error
    ├── DecodeError           malformed
    │   ├── VersionError      unsupported_version
    │   └── PaddingError      bad_padding
    ├── LimitError            limit_exceeded
    ├── InvalidKeyError       invalid_key
    ├── SignatureError        bad_signature
    ├── DecryptError          decrypt_failed
    ├── ReplayError           replay
    ├── UnknownKeyError       unknown_key
    ├── MismatchError         context_mismatch
    ├── FrankingError         franking_mismatch
    └── StateError            bad_state
"""

from __future__ import annotations

from . import limits
from .content import (
    Content,
    ControlContent,
    SenderKeyDistribution,
    TextContent,
    decode_content,
    encode_content,
    pad,
    unpad,
)
from .direct import DirectSessions, InMemorySessionStore, SessionStore, direct_stamp_room
from .envelopes import (
    KIND_GROUP,
    KIND_MSG,
    KIND_PREKEY,
    DirectEnvelope,
    GroupEnvelope,
    Outgoing,
    Received,
)
from .errors import (
    DecodeError,
    DecryptError,
    E2EEError,
    FrankingError,
    InvalidKeyError,
    LimitError,
    MismatchError,
    PaddingError,
    ReplayError,
    SignatureError,
    StateError,
    UnknownKeyError,
    VersionError,
)
from .franking import (
    FrankingOpening,
    make_commitment,
    make_stamp,
    verify_commitment,
    verify_report,
    verify_stamp,
)
from .group import GroupKeys
from .identity import (
    Account,
    DeviceIdentity,
    PrekeyBundle,
    auth_message,
    key_id,
    verify_auth,
)
from .membership import (
    Member,
    MembershipEvent,
    membership_message,
    sign_membership,
    verify_membership,
)
from .primitives import Rng, default_rng
from .reports import OpenedReport, SealedReport, open_report, seal_report, verdict
from .safety import format_safety_number, safety_number
from .session import Session
from .team import TeamKey, TeamKeyWrap, note_epoch, open_note, open_wrap, seal_note, wrap_team_key

__all__ = [
    "KIND_GROUP",
    "KIND_MSG",
    "KIND_PREKEY",
    "Account",
    "Content",
    "ControlContent",
    "DecodeError",
    "DecryptError",
    "DeviceIdentity",
    "DirectEnvelope",
    "DirectSessions",
    "E2EEError",
    "FrankingError",
    "FrankingOpening",
    "GroupEnvelope",
    "GroupKeys",
    "InMemorySessionStore",
    "InvalidKeyError",
    "LimitError",
    "Member",
    "MembershipEvent",
    "MismatchError",
    "OpenedReport",
    "Outgoing",
    "PaddingError",
    "PrekeyBundle",
    "Received",
    "ReplayError",
    "Rng",
    "SealedReport",
    "SenderKeyDistribution",
    "Session",
    "SessionStore",
    "SignatureError",
    "StateError",
    "TeamKey",
    "TeamKeyWrap",
    "TextContent",
    "UnknownKeyError",
    "VersionError",
    "auth_message",
    "decode_content",
    "default_rng",
    "direct_stamp_room",
    "encode_content",
    "format_safety_number",
    "key_id",
    "limits",
    "make_commitment",
    "make_stamp",
    "membership_message",
    "note_epoch",
    "open_note",
    "open_report",
    "open_wrap",
    "pad",
    "safety_number",
    "seal_note",
    "seal_report",
    "sign_membership",
    "unpad",
    "verdict",
    "verify_auth",
    "verify_commitment",
    "verify_membership",
    "verify_report",
    "verify_stamp",
    "wrap_team_key",
]
