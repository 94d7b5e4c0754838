"""InboxStore contract (TTL, caps per recipient and per sender, ack, sweep), on both backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B, KEY_S, KEY_T, envelope, ids


async def test_inbox_ttl_cap_and_ack(stores: Stores) -> None:
    store = stores.inbox
    for n, expires in enumerate((100, 200, 300)):
        assert await store.put(KEY_A, KEY_S, envelope(n), expires, 0, 3, 3)
    assert not await store.put(KEY_A, KEY_S, envelope(3), 400, 0, 3, 3)
    assert ids(await store.pending(KEY_A, 0, 10)) == [0, 1, 2]
    assert ids(await store.pending(KEY_A, 0, 2)) == [0, 1]
    assert await store.total(0) == 3
    # 0 expires: it is gone and its slot is free again.
    assert ids(await store.pending(KEY_A, 150, 10)) == [1, 2]
    assert await store.put(KEY_A, KEY_S, envelope(3), 400, 150, 3, 3)
    assert await store.ack(KEY_A, [envelope(1).id, "f" * 32]) == 1
    assert await store.ack(KEY_B, [envelope(2).id]) == 0  # someone else's inbox
    assert ids(await store.pending(KEY_A, 150, 10)) == [2, 3]
    assert await store.pending(KEY_B, 150, 10) == []


async def test_an_envelope_reads_back_whole(stores: Stores) -> None:
    sent = envelope(5)
    stamped = dataclasses.replace(envelope(7), commitment=b"c" * 32, stamp=b"t" * 32)
    assert await stores.inbox.put(KEY_A, KEY_S, sent, 100, 0, 5, 5)
    assert await stores.inbox.put(KEY_A, KEY_S, envelope(6), 100, 0, 5, 5)
    await stores.inbox.ack(KEY_A, [envelope(6).id])
    assert await stores.inbox.put(KEY_B, KEY_S, stamped, 100, 0, 5, 5)
    assert await stores.inbox.pending(KEY_A, 0, 5) == [sent]
    assert await stores.inbox.pending(KEY_B, 0, 5) == [stamped]


async def test_inbox_keeps_arrival_order_at_equal_times(stores: Stores) -> None:
    for n in range(20):
        assert await stores.inbox.put(KEY_A, KEY_S, envelope(n), 500, 0, 50, 50)
    assert ids(await stores.inbox.pending(KEY_A, 0, 50)) == list(range(20))


async def test_inbox_cap_per_sender(stores: Stores) -> None:
    store = stores.inbox

    async def put(sender: bytes, n: int, now: float = 0, recipient: bytes = KEY_A) -> bool:
        return await store.put(recipient, sender, envelope(n, sender), 100 + n, now, 5, 2)

    assert await put(KEY_S, 0) and await put(KEY_S, 1)
    assert not await put(KEY_S, 2)  # S has its share of A's inbox: nothing stored
    assert await put(KEY_S, 3, recipient=KEY_B)  # ...but not of B's
    assert await put(KEY_T, 4) and await put(KEY_T, 5)
    assert ids(await store.pending(KEY_A, 0, 10)) == [0, 1, 4, 5]
    assert await store.ack(KEY_A, [envelope(0).id]) == 1  # an ack frees a slot
    assert await put(KEY_S, 6)
    assert not await put(KEY_S, 7)
    assert not await put(KEY_T, 8)
    # Expiry frees slots too (envelope 1 expires at 101).
    assert await put(KEY_S, 9, now=101)
    assert ids(await store.pending(KEY_A, 101, 10)) == [4, 5, 6, 9]
    assert await store.total(101) == 5


async def test_inbox_total_follows_put_ack_and_sweep(stores: Stores) -> None:
    store = stores.inbox
    for n in range(6):
        recipient = KEY_A if n % 2 else KEY_B
        assert await store.put(recipient, KEY_S, envelope(n), 100 + n, 0, 10, 10)
    assert await store.total(0) == 6
    assert await store.ack(KEY_A, [envelope(1).id, envelope(1).id, "f" * 32]) == 1
    assert await store.total(0) == 5
    # Envelopes 0, 2 (B) and 3 (A) expire by 103; a sweep removes them from both inboxes.
    assert await store.sweep(103, 10) == 3
    assert await store.total(103) == 2
    assert await store.sweep(103, 10) == 0
    assert ids(await store.pending(KEY_A, 103, 10)) == [5]
    assert ids(await store.pending(KEY_B, 103, 10)) == [4]
    assert await store.sweep(10**6, 10) == 2
    assert await store.total(10**6) == 0


async def test_the_inbox_survives_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    await first.inbox.put(KEY_B, KEY_S, envelope(1), 10**10, 0, 5, 5)
    await first.close()
    second = open_stores()
    try:
        assert await second.inbox.pending(KEY_B, 1, 5) == [envelope(1)]
    finally:
        await second.close()


def test_an_envelope_repr_shows_no_sender_or_ciphertext() -> None:
    text = repr(envelope(1))
    assert "Lähettäjä" not in text and "U1NT" not in text and "\\x01" not in text
