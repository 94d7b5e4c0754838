"""Key directory and 1:1 envelopes over the real server, on both backends."""

from __future__ import annotations

import base64

import pytest

from server.clock import FakeClock
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer, envelope, unb64

T0 = 1_790_000_000.0


def k(n: int, fill: int = 1) -> str:
    return base64.b64encode(bytes([fill]) * n).decode()


def bundle(prekeys: int, start: int = 0) -> dict[str, object]:
    return {"dh_key": k(32, 2), "dh_sig": k(64, 3),
            "signed_prekey": {"id": 7, "key": k(32, 4), "sig": k(64, 5)},
            "one_time_prekeys": [{"id": start + i, "key": k(32, (start + i) % 250 + 1)}
                                 for i in range(prekeys)]}


async def test_key_directory(server: LiveServer) -> None:
    alice = await Peer.connect(server.url, "Alice")
    bob = await Peer.connect(server.url, "Bob")
    try:
        assert (await bob.call("keys.fetch", {"pseudonym": "Alice"}))["error"] == "no_keys"
        assert (await bob.call("keys.fetch", {"pseudonym": "Nobody"}))["error"] == "unknown_user"
        assert (await alice.call("keys.publish", bundle(2)))["one_time_prekeys"] == 2
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 2
        first = await bob.call("keys.fetch", {"pseudonym": "alice"})  # folded lookup
        assert first["pseudonym"] == "Alice"
        assert unb64(first["identity_key"]) == alice.identity_key
        assert first["signed_prekey"] == {"id": 7, "key": k(32, 4), "sig": k(64, 5)}
        assert first["one_time_prekey"]["id"] == 0
        assert (await bob.call("keys.fetch", {"pseudonym": "Alice"}))["one_time_prekey"]["id"] == 1
        assert (await bob.call("keys.fetch", {"pseudonym": "Alice"}))["one_time_prekey"] is None
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 0
        # Storage cap: the newest 200 are kept.
        for start in (0, 100, 200):
            await alice.call("keys.publish", bundle(100, start))
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 200
        assert (await bob.call("keys.fetch", {"pseudonym": "Alice"}))["one_time_prekey"]["id"] \
            == 100
        too_many = await alice.call("keys.publish", bundle(101))
        assert too_many["error"] == "too_large"
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 199  # nothing changed
    finally:
        await alice.close()
        await bob.close()


async def test_direct_to_offline_recipient_waits_in_inbox(server: LiveServer) -> None:
    bob = await Peer.connect(server.url, "Bob")
    bob_key = bob.key
    await bob.close()
    alice = await Peer.connect(server.url, "Alice")
    try:
        assert (await alice.call("direct.send", {"to": "Nobody", **envelope()}))["error"] == \
            "unknown_user"
        commitment = b"\x07" * 32
        ids = [(await alice.call("direct.send", {"to": "bob", **envelope(
            f"m{i}".encode(), commitment=commitment)}))["id"] for i in range(3)]
        bob = await Peer.connect(server.url, key=bob_key)
        inbox = (await bob.call("inbox.fetch"))["envelopes"]
        assert [e["id"] for e in inbox] == ids
        assert [unb64(e["body"]) for e in inbox] == [b"m0", b"m1", b"m2"]
        assert inbox[0]["from"] == "Alice" and unb64(inbox[0]["from_key"]) == alice.identity_key
        assert inbox[0]["stamp"] and unb64(inbox[0]["commitment"]) == commitment
        from e2ee import franking
        assert franking.verify_stamp(server.services.keys.franking_key, unb64(inbox[0]["stamp"]),
                                     commitment, alice.identity_key, franking.DIRECT_CONTEXT,
                                     inbox[0]["ts"])
        assert (await bob.call("inbox.ack", {"ids": ids[:2]}))["removed"] == 2
        assert [e["id"] for e in (await bob.call("inbox.fetch"))["envelopes"]] == ids[2:]
        # Alice cannot ack Bob's envelopes.
        assert (await alice.call("inbox.ack", {"ids": ids[2:]}))["removed"] == 0
        await bob.close()
    finally:
        await alice.close()


async def test_direct_push_reaches_every_connection(server: LiveServer) -> None:
    bob1 = await Peer.connect(server.url, "Bob")
    bob2 = await Peer.connect(server.url, key=bob1.key)
    alice = await Peer.connect(server.url, "Alice")
    try:
        sent = await alice.call("direct.send", {"to": "Bob", **envelope(b"hi")})
        assert (await bob1.next("direct.envelope"))["id"] == sent["id"]
        assert (await bob2.next("direct.envelope"))["id"] == sent["id"]
        await alice.nothing("direct.envelope", 0.1)
    finally:
        for p in (bob1, bob2, alice):
            await p.close()


async def test_typing_is_pushed_to_online_connections_and_never_stored(server: LiveServer) -> None:
    """`direct.typing` carries only who is typing; an offline recipient gets nothing later."""
    bob = await Peer.connect(server.url, "Bob")
    alice = await Peer.connect(server.url, "Alice")
    try:
        assert (await alice.call("direct.typing", {"to": "bob"})) == {"ok": True}
        assert await bob.next("direct.typing") == {"from": "Alice"}
        await alice.nothing("direct.typing", 0.1)
        assert (await alice.call("direct.typing", {"to": "Nobody"}))["error"] == "unknown_user"
        assert (await alice.call("direct.typing", {"to": 7}))["error"] == "bad_request"
        assert (await alice.call("direct.typing", {}))["error"] == "bad_request"
        bob_key = bob.key
        await bob.close()
        assert (await alice.call("direct.typing", {"to": "Bob"})) == {"ok": True}
        bob = await Peer.connect(server.url, key=bob_key)
        assert (await bob.call("inbox.fetch"))["envelopes"] == []
        await bob.nothing("direct.typing", 0.2)
    finally:
        await bob.close()
        await alice.close()


async def test_inbox_cap_and_ttl(live_server_factory: LiveServerFactory) -> None:
    clock = FakeClock(T0)
    server = await live_server_factory(clock=clock, inbox_max_per_recipient=2,
                                       inbox_ttl_seconds=7 * 86400)
    bob = await Peer.connect(server.url, "Bob")
    alice = await Peer.connect(server.url, "Alice")
    try:
        for _ in range(2):
            assert (await alice.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
        assert (await alice.call("direct.send", {"to": "Bob", **envelope()}))["error"] == \
            "inbox_full"
        assert len((await bob.call("inbox.fetch"))["envelopes"]) == 2
        clock.advance(7 * 86400 + 1)
        assert (await bob.call("inbox.fetch"))["envelopes"] == []
        assert (await alice.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
    finally:
        await bob.close()
        await alice.close()


async def test_one_sender_cannot_fill_an_inbox(live_server_factory: LiveServerFactory,
                                               request: pytest.FixtureRequest) -> None:
    for backend in ({}, {"redis_url": request.getfixturevalue("redis_url")}):
        server = await live_server_factory(inbox_max_per_recipient=5, inbox_max_per_sender=3,
                                           **backend)
        bob = await Peer.connect(server.url, "Bob")
        spammer = await Peer.connect(server.url, "Spammer")
        friend = await Peer.connect(server.url, "Friend")
        try:
            for _ in range(3):
                assert (await spammer.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
            bob.drain("direct.envelope")
            refused = await spammer.call("direct.send", {"to": "Bob", **envelope(b"more")})
            assert refused["error"] == "inbox_full"
            await bob.nothing("direct.envelope", 0.1)  # nothing stored, nothing pushed
            assert len((await bob.call("inbox.fetch"))["envelopes"]) == 3
            # Someone else still gets through, and the spammer can still reach others.
            assert (await friend.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
            assert (await spammer.call("direct.send", {"to": "Friend", **envelope()}))["ok"]
            # Bob acknowledging frees the spammer's slots.
            ids = [e["id"] for e in (await bob.call("inbox.fetch"))["envelopes"]]
            assert (await bob.call("inbox.ack", {"ids": ids[:1]}))["removed"] == 1
            assert (await spammer.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
            assert server.services.metrics.errors["inbox_full"] == 1
        finally:
            for p in (bob, spammer, friend):
                await p.close()
            await server.stop()


async def test_inbox_metric_follows_expiry(live_server_factory: LiveServerFactory,
                                           redis_url: str) -> None:
    import aiohttp

    clock = FakeClock(T0)
    server = await live_server_factory(clock=clock, redis_url=redis_url, run_scheduler=False,
                                       inbox_ttl_seconds=86400)
    bob = await Peer.connect(server.url, "Bob")
    alice = await Peer.connect(server.url, "Alice")

    async def gauge() -> int:
        async with aiohttp.ClientSession() as session, \
                session.get(f"{server.url}/metrics") as resp:
            text = await resp.text()
        return int(text.split("\niltapiiri_inbox_envelopes ", 1)[1].split("\n", 1)[0])

    try:
        for _ in range(3):
            assert (await alice.call("direct.send", {"to": "Bob", **envelope()}))["ok"]
        assert (await bob.call("direct.send", {"to": "Alice", **envelope()}))["ok"]
        assert await gauge() == 4
        ids = [e["id"] for e in (await bob.call("inbox.fetch"))["envelopes"]]
        await bob.call("inbox.ack", {"ids": ids[:1]})
        assert await gauge() == 3
        clock.advance(86400 + 1)
        assert await gauge() == 3  # expired but not yet swept: still counted (see HELP)
        await server.scheduler.tick()
        assert await gauge() == 0
    finally:
        await bob.close()
        await alice.close()
