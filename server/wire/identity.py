"""Typed requests of the data-rights events: `identity.erase_challenge {}` and
`identity.erase {signature}` (docs/protocol.md, "Erasing an identity")."""

from __future__ import annotations

from dataclasses import dataclass

from server.limits import SIGNATURE_BYTES
from server.wire.requests import _obj, b64decode_field


@dataclass(frozen=True, kw_only=True)
class IdentityErase:
    """`identity.erase {signature}`: the identity key's signature over
    `e2ee.erase.erase_message` with the challenge of `identity.erase_challenge`."""

    signature: bytes

    def __repr__(self) -> str:
        return "IdentityErase()"

    @classmethod
    def decode(cls, payload: object) -> IdentityErase:
        d = _obj(payload)
        return cls(signature=b64decode_field(d.get("signature"), "signature",
                                             exact=SIGNATURE_BYTES))
