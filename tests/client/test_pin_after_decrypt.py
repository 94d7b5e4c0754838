"""Only an envelope that decrypted pins its sender's key.

docs/crypto.md §1: "A failed decrypt/process changes no state". Pinning ``from`` → ``from_key``
(trust on first use, persisted) before decrypting would let one bogus envelope, which proves
nothing, decide which identity key a pseudonym is trusted with from then on, and the real
peer's key would later be refused as ``untrusted_key``. A key that contradicts a pin is still
refused.
"""

from __future__ import annotations

import base64
from typing import Any

from client.engine import Engine
from client.keystore import Keystore
from client.peer import PeerClient
from client.wire import b64e


class AckOnly:
    def __init__(self) -> None:
        self.acked: list[str] = []

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        assert event == "inbox.ack" and payload is not None
        self.acked.extend(payload["ids"])
        return {"removed": len(payload["ids"])}


async def test_undecryptable_envelope_pins_nothing() -> None:
    me = Engine.create()
    peer = PeerClient("http://127.0.0.1:9", me, Keystore(None), "me")
    fake = AckOnly()
    peer._session._transport = fake  # type: ignore[assignment]
    bogus_key = Engine.create().identity_key
    header = bytes([1, 2]) + bytes(32) + bytes(9)  # a well-formed ratchet header, no session
    await peer._inbox.push({
        "id": "z1", "ts": 1_764_000_000_000, "from": "bob", "from_key": b64e(bogus_key),
        "kind": "msg", "header": base64.b64encode(header).decode(),
        "body": base64.b64encode(bytes(40)).decode(),
    })
    assert fake.acked == ["z1"] and peer.undecryptable == 1
    assert "bob" not in me.pins
