"""One-time prekeys cannot be drained (issue 8, finding 7), on both stores."""

from __future__ import annotations

from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer
from tests.server.test_direct_and_keys import bundle

T0 = 1_790_000_000.0


async def prekeys_taken(peer: Peer, name: str, fetches: int) -> int:
    taken = 0
    for _ in range(fetches):
        reply = await peer.call("keys.fetch", {"pseudonym": name})
        assert reply["ok"] and reply["dh_key"], reply  # the bundle always comes
        taken += reply["one_time_prekey"] is not None
    return taken


async def test_one_requester_cannot_drain_a_peer(live_server_factory: LiveServerFactory,
                                                 backend_kwargs: dict[str, object]) -> None:
    clock = FakeClock(T0)
    server = await live_server_factory(clock=clock, prekey_fetches_per_requester=5,
                                       prekey_fetches_per_target=8, **backend_kwargs)
    alice = await Peer.connect(server.url, "Alice")
    mallory = await Peer.connect(server.url, "Mallory")
    try:
        assert (await alice.call("keys.publish", bundle(100)))["ok"]
        assert await prekeys_taken(mallory, "Alice", 50) == 5  # was 50 of 50
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 95
        clock.advance(3600)  # a new window
        assert await prekeys_taken(mallory, "Alice", 10) == 5
    finally:
        await alice.close()
        await mallory.close()


async def test_many_requesters_cannot_drain_a_peer(live_server_factory: LiveServerFactory,
                                                   backend_kwargs: dict[str, object]) -> None:
    server = await live_server_factory(prekey_fetches_per_requester=5,
                                       prekey_fetches_per_target=8, **backend_kwargs)
    alice = await Peer.connect(server.url, "Alice")
    sybils = [await Peer.connect(server.url) for _ in range(4)]
    try:
        assert (await alice.call("keys.publish", bundle(100)))["ok"]
        taken = [await prekeys_taken(s, "Alice", 5) for s in sybils]
        assert sum(taken) == 8, taken
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 92
    finally:
        for p in (alice, *sybils):
            await p.close()


async def test_owner_is_told_when_prekeys_run_low(live_server_factory: LiveServerFactory,
                                                  backend_kwargs: dict[str, object]) -> None:
    server = await live_server_factory(prekey_low_water=3, **backend_kwargs)
    alice = await Peer.connect(server.url, "Alice")
    bob = await Peer.connect(server.url, "Bob")
    try:
        assert (await alice.call("keys.publish", bundle(5)))["ok"]
        await prekeys_taken(bob, "Alice", 2)
        await alice.nothing("keys.low", 0.2)
        await prekeys_taken(bob, "Alice", 1)
        assert (await alice.next("keys.low")) == {"one_time_prekeys": 2}
    finally:
        await alice.close()
        await bob.close()
