"""A refused sender-key distribution is dropped like any bad message; the inbox fetch goes on.

Anyone can open a 1:1 session with me (X3DH needs only my published bundle) and put a
``SenderKeyDistribution`` for a room I am in inside it: with a bad signature, someone else's
identity key or an epoch before the room's last departure. The core refuses it with an
``E2EEError``; that must not escape the inbox: the rest of the batch is delivered and
acknowledged, and a reconnect's set-up still rejoins my rooms (otherwise a peer could push me
out of every room by timing one message to my reconnect).
"""

from __future__ import annotations

from typing import Any

from client.engine import Engine
from client.keystore import Keystore
from client.peer import PeerClient
from client.rooms import RoomState
from client.wire import b64e
from e2ee.content import SenderKeyDistribution, TextContent
from e2ee.identity import PrekeyBundle

ROOM = "open/2026-11-26"


def bundle_of(engine: Engine, pseudonym: str) -> PrekeyBundle:
    pub = engine.publish_request(1)
    return PrekeyBundle.from_fetch({
        "pseudonym": pseudonym, "identity_key": b64e(engine.identity_key),
        "dh_key": pub["dh_key"], "dh_sig": pub["dh_sig"], "signed_prekey": pub["signed_prekey"],
        "one_time_prekey": pub["one_time_prekeys"][0],
    })


class FakeTransport:
    """Serves one inbox batch, then an empty one; records acknowledgements."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.batches = [envelopes, []]
        self.acked: list[str] = []

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if event == "inbox.fetch":
            return {"envelopes": self.batches.pop(0) if self.batches else []}
        if event == "inbox.ack":
            assert payload is not None
            self.acked.extend(payload["ids"])
            return {"removed": len(payload["ids"])}
        if event == "keys.count":
            return {"one_time_prekeys": 50}
        raise AssertionError(f"unexpected request {event}")


async def test_refused_distribution_does_not_stop_the_inbox() -> None:
    victim, mallory = Engine.create(), Engine.create()
    victim.set_pseudonym("victim")
    peer = PeerClient("http://127.0.0.1:9", victim, Keystore(None), "victim")
    peer._groups.keys.rooms[ROOM] = RoomState(ROOM, victim.identity_key)
    fake = FakeTransport([])
    peer._session._transport = fake  # type: ignore[assignment]

    mallory.start_session(bundle_of(victim, "victim"))
    forged = SenderKeyDistribution(ROOM, 1, mallory.identity_key, 7, 0, bytes(32), bytes(32), bytes(64))
    contents: list[SenderKeyDistribution | TextContent] = [forged, TextContent.new("still here?")]
    wires = []
    for n, content in enumerate(contents, start=1):
        wire = mallory.encrypt_direct(victim.identity_key, content).to_wire()
        wire.update(id=f"e{n}", ts=1_764_000_000_000 + n, **{"from": "mallory"},
                    from_key=b64e(mallory.identity_key))
        wires.append(wire)
    fake.batches[0] = wires

    await peer._inbox.fetch()  # used to raise SignatureError out of the fetch

    assert fake.acked == ["e1", "e2"]
    chat = peer._directs.chats["mallory"]
    assert (await chat.next_message(timeout=0.1)).text == "still here?"
    assert peer.undecryptable == 1
