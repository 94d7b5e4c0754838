"""End-to-end smoke over the real server: auth, join, room relay, direct relay via the inbox."""

from __future__ import annotations

from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, envelope, unb64


async def test_room_and_direct_relay(live_server: LiveServer) -> None:
    alice = await Peer.connect(live_server.url, "Alice")
    bob = await Peer.connect(live_server.url, "Bob")
    try:
        ja = await alice.call("group.join", {"group_id": "open"})
        assert ja["ok"], ja
        jb = await bob.call("group.join", {"group_id": "open"})
        assert jb["ok"] and jb["epoch"] == ja["epoch"] + 1
        assert {m["pseudonym"] for m in jb["members"]} == {"Alice", "Bob"}
        joined = await alice.next("room.membership")
        assert joined["event"] == "joined" and joined["pseudonym"] == "Bob"

        sent = await alice.call("room.send", {"room": ja["room"], **envelope(b"x1")})
        assert sent["ok"] and sent["seq"] == 1
        got = await bob.next("room.envelope")
        assert got["sender"] == "Alice" and unb64(got["body"]) == b"x1" and got["seq"] == 1
        await alice.nothing("room.envelope", 0.1)

        d = await bob.call("direct.send", {"to": "Alice", **envelope(b"dm")})
        assert d["ok"], d
        pushed = await alice.next("direct.envelope")
        assert pushed["id"] == d["id"] and pushed["from"] == "Bob"
        inbox = await alice.call("inbox.fetch")
        assert [e["id"] for e in inbox["envelopes"]] == [d["id"]]
        acked = await alice.call("inbox.ack", {"ids": [d["id"]]})
        assert acked == {"ok": True, "removed": 1}
        assert (await alice.call("inbox.fetch"))["envelopes"] == []
    finally:
        await alice.close()
        await bob.close()
