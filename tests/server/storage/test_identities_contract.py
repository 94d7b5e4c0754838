"""IdentityStore contract (pseudonym bindings, sessions per key), on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.domain.records import Binding
from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B


async def test_bindings(stores: Stores) -> None:
    store = stores.identities
    assert await store.binding_of_key(KEY_A) is None
    assert await store.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Anna", folded="anna", last_seen=10), 0)
    got = await store.binding_of_name("anna")
    assert got is not None and (got.identity_key, got.pseudonym, got.last_seen) == (KEY_A, "Anna", 10)
    await store.touch(KEY_A, 20)
    assert (await store.binding_of_key(KEY_A)).last_seen == 20  # type: ignore[union-attr]
    await store.touch(KEY_B, 20)  # no binding: nothing is created
    assert await store.binding_of_key(KEY_B) is None
    # Renaming releases the old name.
    assert await store.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Aino", folded="alno", last_seen=30), 0)
    assert await store.binding_of_name("anna") is None
    # A holder seen since `taken_since` keeps the name; nothing changes for the asker.
    assert not await store.bind_if_free(
        Binding(identity_key=KEY_B, pseudonym="AINO", folded="alno", last_seen=40), 30)
    assert await store.binding_of_key(KEY_B) is None
    # A lapsed holder loses it: taking over drops the previous holder's binding.
    assert await store.bind_if_free(
        Binding(identity_key=KEY_B, pseudonym="AINO", folded="alno", last_seen=40), 31)
    holder = await store.binding_of_name("alno")
    assert holder is not None and holder.identity_key == KEY_B
    assert await store.binding_of_key(KEY_A) is None


async def test_binding_races(open_stores: Callable[[], Stores]) -> None:
    """Two store clients (two processes on Redis) race: one key, two names; one name, two
    keys. Every name ends with at most one key and every key with one name."""
    first, second = open_stores(), open_stores()
    one, two = first.identities, second.identities
    try:
        for n in range(20):
            a_key, b_key = bytes([n]) * 32, bytes([n + 100]) * 32
            names = (f"x{n}a", f"x{n}b")
            assert all(await asyncio.gather(*(
                s.bind_if_free(Binding(identity_key=a_key, pseudonym=name, folded=name,
                                       last_seen=1), 0)
                for s, name in zip((one, two), names, strict=True))))
            kept = await one.binding_of_key(a_key)
            assert kept is not None and kept.folded in names
            other = names[1] if kept.folded == names[0] else names[0]
            assert await two.binding_of_name(other) is None
            shared = f"y{n}"
            won = await asyncio.gather(*(
                s.bind_if_free(Binding(identity_key=k, pseudonym=shared, folded=shared,
                                       last_seen=1), 0)
                for s, k in ((one, a_key), (two, b_key))))
            assert sorted(won) == [False, True]
            holder = await one.binding_of_name(shared)
            winner, loser = (a_key, b_key) if won[0] else (b_key, a_key)
            assert holder is not None and holder.identity_key == winner
            lost = await two.binding_of_key(loser)
            assert lost is None or lost.folded != shared
    finally:
        await first.close()
        await second.close()


async def test_sessions_are_capped_per_key(stores: Stores) -> None:
    store = stores.identities
    assert await store.session_add(KEY_A, "s1", "p1", 2)
    assert await store.session_add(KEY_A, "s1", "p1", 2)  # the same connection again
    assert await store.session_add(KEY_A, "s2", "p2", 2)
    assert not await store.session_add(KEY_A, "s3", "p1", 2)
    assert await store.session_add(KEY_B, "s4", "p1", 2)  # another key has its own slots
    await store.session_remove(KEY_A, "s1")
    await store.session_remove(KEY_A, "unknown")
    assert await store.session_add(KEY_A, "s3", "p1", 2)
    assert not await store.session_add(KEY_A, "s5", "p1", 2)
    await store.forget_owner("p1")  # a dead process's connections free their slots
    assert await store.session_add(KEY_A, "s5", "p3", 2)
    assert await store.session_add(KEY_B, "s6", "p3", 1)


async def test_bindings_survive_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    assert await first.identities.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Anna", folded="anna", last_seen=5), 0)
    await first.close()
    second = open_stores()
    try:
        binding = await second.identities.binding_of_name("anna")
        assert binding is not None and binding.identity_key == KEY_A
    finally:
        await second.close()


def test_a_binding_repr_shows_no_key_or_name() -> None:
    text = repr(Binding(identity_key=KEY_A, pseudonym="Salainen", folded="salalnen",
                        last_seen=1))
    assert "Salainen" not in text and "AAAA" not in text
