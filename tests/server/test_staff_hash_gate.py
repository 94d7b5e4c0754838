"""The Argon2 gate: a bounded number of checks at once and a bounded queue behind them."""

from __future__ import annotations

import asyncio
import threading

import pytest

from server.handlers.staff import HashGate
from server.wire.errors import ApiError


async def test_the_gate_bounds_running_and_waiting_checks() -> None:
    gate = HashGate(concurrent=1, waiting=1)
    release = threading.Event()
    started = threading.Event()

    def slow(x: int) -> int:
        started.set()
        release.wait(10)
        return x

    first = asyncio.create_task(gate.run(slow, 1))
    await asyncio.to_thread(started.wait, 10)
    second = asyncio.create_task(gate.run(slow, 2))
    await asyncio.sleep(0.05)
    assert gate.waiting == 1
    with pytest.raises(ApiError) as err:
        await gate.run(slow, 3)
    assert err.value.code == "rate_limited"
    release.set()
    assert await asyncio.gather(first, second) == [1, 2]
    assert gate.waiting == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    gate = HashGate(concurrent=1, waiting=1)
    release = threading.Event()
    first = asyncio.create_task(gate.run(release.wait, 10))
    await asyncio.sleep(0.05)
    waiter = asyncio.create_task(gate.run(release.wait, 10))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    release.set()
    assert await first is True
    assert await gate.run(lambda: 7) == 7
