"""ClaimStore contract (locks, once-only claims, windowed counters), on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.storage.stores import Stores


async def test_lock_excludes(stores: Stores) -> None:
    inside = 0
    peak = 0

    async def worker() -> None:
        nonlocal inside, peak
        async with stores.claims.lock("x"):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(5)))
    assert peak == 1


async def test_claim_once(stores: Stores) -> None:
    results = await asyncio.gather(*(stores.claims.claim_once("room:opened", 60)
                                     for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert await stores.claims.claim_once("other", 60)


async def test_claims_survive_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    assert await first.claims.claim_once("r:opened", 3600)
    await first.close()
    second = open_stores()
    try:
        assert not await second.claims.claim_once("r:opened", 3600)
    finally:
        await second.close()


async def test_hits_count_per_fixed_window(stores: Stores) -> None:
    hit = stores.claims.hit
    assert [await hit("k", 60, 120.0 + i) for i in range(3)] == [1, 2, 3]
    assert await hit("other", 60, 121.0) == 1
    assert await hit("k", 60, 180.0) == 1  # the next window starts at 180
