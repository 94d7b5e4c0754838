"""Typed errors of the e2ee core.

Every error carries a stable ``code`` (for logs, metrics and the UI) and a short human message.
Messages never contain key material, plaintext or ciphertext bytes: only lengths, ids and names.
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "DecryptError",
    "E2EEError",
    "FrankingError",
    "InvalidKeyError",
    "LimitError",
    "MismatchError",
    "PaddingError",
    "ReplayError",
    "SignatureError",
    "StateError",
    "UnknownKeyError",
    "VersionError",
]


class E2EEError(Exception):
    """Base class: ``code`` is stable, the message is for people."""

    code = "e2ee_error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.code)
        self.message = message or self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class DecodeError(E2EEError):
    """Bytes or JSON do not have the documented layout (length, field, type)."""

    code = "malformed"


class VersionError(DecodeError):
    """A version byte this implementation does not speak."""

    code = "unsupported_version"


class LimitError(E2EEError):
    """A named limit in ``e2ee.limits`` would be exceeded (size, skip, forward jump)."""

    code = "limit_exceeded"


class PaddingError(DecodeError):
    """Inner plaintext padding is not 0x80 then zeros to a block multiple."""

    code = "bad_padding"


class InvalidKeyError(E2EEError):
    """A public key is unusable (e.g. X25519 gives the all-zero shared secret)."""

    code = "invalid_key"


class SignatureError(E2EEError):
    """An Ed25519 signature does not verify."""

    code = "bad_signature"


class DecryptError(E2EEError):
    """AEAD authentication failed (tampered, wrong key, wrong associated data)."""

    code = "decrypt_failed"


class ReplayError(E2EEError):
    """The message index was already consumed."""

    code = "replay"


class UnknownKeyError(E2EEError):
    """No session, prekey or sender key matches the ids in the message."""

    code = "unknown_key"


class MismatchError(E2EEError):
    """Room, sender, epoch or identity in a message differ from its key's or envelope's."""

    code = "context_mismatch"


class FrankingError(E2EEError):
    """The franking commitment or stamp does not match the revealed message."""

    code = "franking_mismatch"


class StateError(E2EEError):
    """The operation is not possible in the current state (e.g. no sender key for a room)."""

    code = "bad_state"
