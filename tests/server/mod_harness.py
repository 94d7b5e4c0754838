"""Test helpers for the moderation pipeline over a real server: a peer that also collects the
moderation pushes, and moderators: real staff accounts made through the server's staff service
(as `python -m server admin create-staff` does), signed in on the socket with their cookie."""

from __future__ import annotations

import base64
from typing import Any

import pyotp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from server.app import STAFF
from server.wire.errors import ApiError
from tests.fixtures.server import LiveServer
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
    """The public key in base64."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


STAFF_PASSWORD = "kolme sanaa ja numero 7"


async def staff_token(server: LiveServer, username: str, role: str = "moderator") -> str:
    """Create the staff account (once) and sign it in; the session token of its cookie."""
    staff = server.app[STAFF]
    try:
        await staff.create(username, role, STAFF_PASSWORD)
    except ApiError as err:
        if err.code != "username_taken":
            raise
    result = await staff.login(username, STAFF_PASSWORD, None)
    if result.enrol_uri is not None:  # admins and counsellors: enrol the second factor now
        totp = pyotp.parse_uri(result.enrol_uri)
        code = totp.at(server.services.clock.now())  # a code works once: one login per step
        result = await staff.login(username, STAFF_PASSWORD, code)
    assert result.token is not None
    return result.token


async def connect_staff(server: LiveServer, username: str, *,
                        key: Ed25519PrivateKey | None = None, role: str = "moderator",
                        url: str | None = None) -> ModPeer:
    """A moderator's socket: a real staff account, signed in with its session cookie."""
    token = await staff_token(server, username, role)
    mod = await ModPeer.connect(url or server.url, key=key, staff_token=token)
    assert isinstance(mod, ModPeer)
    return mod


def self_flag(room: str, message_id: str, severity: int = 3,
              categories: tuple[str, ...] = ("self_harm",)) -> dict[str, Any]:
    """A writer's own flag about their message."""
    return {"room": room, "message_id": message_id, "source": "self", "severity": severity,
            "categories": list(categories), "rule_ids": ["r.test"]}
