"""Test helpers for the moderation pipeline over a real server: a peer that also collects the
moderation pushes, and moderators made through the interim `moderator_keys` setting."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.server.harness import Peer, envelope


class ModPeer(Peer):
    """A harness peer with the moderation helpers (the harness queues every push)."""

    async def join(self, group_id: str = "open") -> str:
        """Join a group; returns the room id."""
        reply = await self.call("group.join", {"group_id": group_id})
        assert reply["ok"], reply
        return str(reply["room"])

    async def send(self, room: str) -> dict[str, Any]:
        """Send one opaque envelope; returns the ack."""
        return await self.call("room.send", {"room": room, **envelope()})


def new_key() -> Ed25519PrivateKey:
    """A fresh identity key."""
    return Ed25519PrivateKey.generate()


def key_b64(key: Ed25519PrivateKey) -> str:
    """The public key as `moderator_keys` lists it."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def self_flag(room: str, message_id: str, severity: int = 3,
              categories: tuple[str, ...] = ("self_harm",)) -> dict[str, Any]:
    """A writer's own flag about their message."""
    return {"room": room, "message_id": message_id, "source": "self", "severity": severity,
            "categories": list(categories), "rule_ids": ["r.test"]}
