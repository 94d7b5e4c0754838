"""Pseudonym binding is atomic in both directions, over the real server on both stores.

Connections race to bind two names to one key, and one name to two keys. On Redis the racing
connections sit on two server processes (in-process apps) sharing one real Redis.
"""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.domain import pseudonyms
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer

ROUNDS = 12
LETTERS = "bdfghkptvwxz"  # no look-alikes among them (i/l/1, o/0, rn/m fold together)


@pytest.fixture(params=["embedded", "redis"])
async def servers(request: pytest.FixtureRequest, live_server_factory: LiveServerFactory
                  ) -> tuple[LiveServer, LiveServer]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return (await live_server_factory(redis_url=url),
                await live_server_factory(redis_url=url))
    one = await live_server_factory()
    return one, one


async def unauthenticated(url: str, key: Ed25519PrivateKey) -> Peer:
    peer = Peer(key)
    await peer.sio.connect(url, transports=["websocket"])
    return peer


async def test_two_names_for_one_key(servers: tuple[LiveServer, LiveServer]) -> None:
    a, b = servers
    store = a.services.stores.identities
    released = []
    for n in range(ROUNDS):
        key = Ed25519PrivateKey.generate()
        names = (f"Kisa {LETTERS[n]}b", f"Kisa {LETTERS[n]}d")
        p1, p2 = await unauthenticated(a.url, key), await unauthenticated(b.url, key)
        try:
            r1, r2 = await asyncio.gather(p1.authenticate(names[0]), p2.authenticate(names[1]))
            assert r1["ok"] and r2["ok"], (r1, r2)
            binding = await store.binding_of_key(p1.identity_key)
            assert binding is not None and binding.pseudonym in names
            # The key holds exactly one of the names; the other is free, not a dangling alias.
            holder = await store.binding_of_name(pseudonyms.fold(binding.pseudonym))
            assert holder is not None and holder.identity_key == p1.identity_key
            other = names[1] if binding.pseudonym == names[0] else names[0]
            assert await store.binding_of_name(pseudonyms.fold(other)) is None, n
            released.append(other)
        finally:
            await p1.close()
            await p2.close()
    for url, name in ((a.url, released[0]), (b.url, released[1])):  # released names are free
        newcomer = await Peer.connect(url, name)
        await newcomer.close()


async def test_one_name_for_two_keys(servers: tuple[LiveServer, LiveServer]) -> None:
    a, b = servers
    store = a.services.stores.identities
    for n in range(ROUNDS):
        name = f"Sama {LETTERS[n]}"
        p1 = await unauthenticated(a.url, Ed25519PrivateKey.generate())
        p2 = await unauthenticated(b.url, Ed25519PrivateKey.generate())
        try:
            r1, r2 = await asyncio.gather(p1.authenticate(name), p2.authenticate(name))
            assert sorted([r1.get("error", "ok"), r2.get("error", "ok")]) == \
                ["ok", "pseudonym_taken"], (r1, r2)
            winner, loser = (p1, p2) if r1["ok"] else (p2, p1)
            holder = await store.binding_of_name(pseudonyms.fold(name))
            assert holder is not None and holder.identity_key == winner.identity_key
            assert await store.binding_of_key(loser.identity_key) is None
        finally:
            await p1.close()
            await p2.close()


async def test_rename_races_a_takeover(servers: tuple[LiveServer, LiveServer]) -> None:
    """A key renames itself while another key asks for each of the two names: whatever the
    order, every name has at most one holder and every holder's record names it."""
    a, b = servers
    store = a.services.stores.identities
    for n in range(ROUNDS):
        old, new = f"Vaihto {LETTERS[n]}b", f"Vaihto {LETTERS[n]}d"
        owner_key = Ed25519PrivateKey.generate()
        first = await Peer.connect(a.url, old, key=owner_key)
        await first.close()
        renamer = await unauthenticated(b.url, owner_key)
        rival = await unauthenticated(a.url, Ed25519PrivateKey.generate())
        try:
            await asyncio.gather(renamer.authenticate(new), rival.authenticate(new))
            for name in (old, new):
                holder = await store.binding_of_name(pseudonyms.fold(name))
                if holder is not None:
                    record = await store.binding_of_key(holder.identity_key)
                    assert record is not None and pseudonyms.fold(record.pseudonym) == \
                        pseudonyms.fold(name), (n, name)
        finally:
            await renamer.close()
            await rival.close()
