"""Typed records the stores keep (instead of JSON strings the handlers own).

Each record's `to_dict`/`from_dict` is its stored form; the backends serialise it with
`to_json`/`from_json`. The stored forms are those earlier versions wrote, so a data dir or a
Redis from before the typed records reads back unchanged. Bytes are standard base64 with
padding. No record's `repr` shows a key or a pseudonym.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from server.domain.roles import Role


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    return base64.b64decode(str(text))


@dataclass(frozen=True, kw_only=True)
class Binding:
    """A pseudonym bound to an identity key, last seen at `last_seen` (Unix seconds)."""

    identity_key: bytes
    pseudonym: str
    folded: str
    last_seen: float

    def __repr__(self) -> str:
        return f"Binding(last_seen={self.last_seen})"


@dataclass(frozen=True, kw_only=True)
class Member:
    """A room member as the others see it."""

    pseudonym: str
    identity_key: bytes
    role: Role

    def __repr__(self) -> str:
        return f"Member(role={self.role.value!r})"

    @property
    def key_b64(self) -> str:
        """The identity key as the wire spells it (membership events, member lists)."""
        return _b64(self.identity_key)

    def to_dict(self) -> dict[str, str]:
        """The stored (and wire) form."""
        return {"pseudonym": self.pseudonym, "identity_key": self.key_b64,
                "role": self.role.value}

    def to_json(self) -> str:
        """See `to_dict`."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Member:
        """Read back `to_json`."""
        d = json.loads(text)
        return cls(pseudonym=str(d["pseudonym"]), identity_key=_unb64(d["identity_key"]),
                   role=Role(d["role"]))


@dataclass(frozen=True, kw_only=True)
class Prekey:
    """A published prekey: one-time prekeys have no signature, the signed prekey has one."""

    id: int
    key: bytes
    sig: bytes | None = None

    def __repr__(self) -> str:
        return f"Prekey(id={self.id})"

    def to_dict(self) -> dict[str, object]:
        """The stored (and wire) form."""
        d: dict[str, object] = {"id": self.id, "key": _b64(self.key)}
        if self.sig is not None:
            d["sig"] = _b64(self.sig)
        return d

    def to_json(self) -> str:
        """See `to_dict`."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prekey:
        """Read back `to_dict`."""
        return cls(id=int(d["id"]), key=_unb64(d["key"]),
                   sig=_unb64(d["sig"]) if "sig" in d else None)

    @classmethod
    def from_json(cls, text: str) -> Prekey:
        """Read back `to_json`."""
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, kw_only=True)
class Bundle:
    """An identity's published key bundle (without one-time prekeys)."""

    dh_key: bytes
    dh_sig: bytes
    signed_prekey: Prekey

    def __repr__(self) -> str:
        return f"Bundle(signed_prekey={self.signed_prekey.id})"

    def to_dict(self) -> dict[str, object]:
        """The stored (and wire) form."""
        return {"dh_key": _b64(self.dh_key), "dh_sig": _b64(self.dh_sig),
                "signed_prekey": self.signed_prekey.to_dict()}

    def to_json(self) -> str:
        """See `to_dict`."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Bundle:
        """Read back `to_json`."""
        d = json.loads(text)
        return cls(dh_key=_unb64(d["dh_key"]), dh_sig=_unb64(d["dh_sig"]),
                   signed_prekey=Prekey.from_dict(d["signed_prekey"]))


@dataclass(frozen=True, kw_only=True)
class QueuedEnvelope:
    """A 1:1 envelope waiting in its recipient's inbox (ciphertext; the server cannot read
    it). `stamp` is the server's franking stamp when the sender committed to the message."""

    id: str
    ts: int
    sender: str
    sender_key: bytes
    kind: str
    header: bytes
    body: bytes
    commitment: bytes | None = None
    stamp: bytes | None = None

    def __repr__(self) -> str:
        return f"QueuedEnvelope(id={self.id!r}, kind={self.kind!r}, bytes={len(self.body)})"

    def to_dict(self) -> dict[str, object]:
        """The stored form, which is also the `direct.envelope` push."""
        d: dict[str, object] = {
            "id": self.id, "ts": self.ts, "from": self.sender, "from_key": _b64(self.sender_key),
            "kind": self.kind, "header": _b64(self.header), "body": _b64(self.body)}
        if self.commitment is not None and self.stamp is not None:
            d["commitment"] = _b64(self.commitment)
            d["stamp"] = _b64(self.stamp)
        return d

    def to_json(self) -> str:
        """See `to_dict`."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> QueuedEnvelope:
        """Read back `to_json`."""
        d = json.loads(text)
        return cls(id=str(d["id"]), ts=int(d["ts"]), sender=str(d["from"]),
                   sender_key=_unb64(d["from_key"]), kind=str(d["kind"]),
                   header=_unb64(d["header"]), body=_unb64(d["body"]),
                   commitment=_unb64(d["commitment"]) if "commitment" in d else None,
                   stamp=_unb64(d["stamp"]) if "stamp" in d else None)
