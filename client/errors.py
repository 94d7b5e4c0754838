"""Errors raised by the Iltapiiri client.

Every error carries a stable ``code`` (the server's codes from docs/protocol.md, or one of the
client's own below) and a human ``message``. Messages never contain plaintext, key material or
addresses: they are built from codes, ids and pseudonyms only.

::

    ClientError(code, message)          any failure; ``code`` is stable, ``message`` is for people
     ├── TransportError                 "disconnected", "timeout": the socket, not the request
     ├── RoomClosedError                "room_closed": sending to a room whose night has ended
     └── ProtocolViolation              "bad_push", "bad_reply", "bad_membership",
                                        "untrusted_key", "pins_full": the server or a peer sent
                                        something that does not validate; nothing was changed

Plain ``ClientError`` codes of the client's own: the keystore's (``keystore_corrupt``,
``keystore_full``, ``keystore_locked``, ``bad_passphrase``) and text the protocol cannot carry
(``too_large``, ``bad_request``).
"""

from __future__ import annotations

# Client-side codes, in one place (the server's own codes pass through unchanged).
DISCONNECTED = "disconnected"
TIMEOUT = "timeout"
ROOM_CLOSED = "room_closed"
BAD_PUSH = "bad_push"
BAD_REPLY = "bad_reply"
BAD_MEMBERSHIP = "bad_membership"
UNTRUSTED_KEY = "untrusted_key"
PINS_FULL = "pins_full"
BAD_REQUEST = "bad_request"
TOO_LARGE = "too_large"
KEYSTORE_CORRUPT = "keystore_corrupt"
KEYSTORE_FULL = "keystore_full"
KEYSTORE_LOCKED = "keystore_locked"
BAD_PASSPHRASE = "bad_passphrase"  # noqa: S105 - an error code, not a password
# Server codes the client acts on.
RATE_LIMITED = "rate_limited"
UNKNOWN_USER = "unknown_user"
NO_KEYS = "no_keys"
ROOM_GONE = frozenset({"room_not_open", "not_in_room"})
"""``room.send`` answers that mean the room is closed for me."""


class ClientError(Exception):
    """A failed client operation with a stable error ``code``."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class TransportError(ClientError):
    """The socket failed (dropped, timed out); the request may be retried."""


class RoomClosedError(ClientError):
    """The room's night has ended (or the server closed it); it takes no more messages."""

    def __init__(self, room: str) -> None:
        super().__init__(ROOM_CLOSED, f"room {room} is closed")
        self.room = room


class ProtocolViolation(ClientError):
    """Input from the server or a peer failed validation; it was dropped unchanged."""
