"""Expired data is deleted (issue 15), on both stores, with a fake clock and the server
in-process: a queued 1:1 envelope past its TTL leaves every byte the server wrote (SQLite files
with their write-ahead log, every Redis key and value) at the scheduler's next tick, and a room's
flags (risk history) go with its night. The searches are shown able to fail: before the deadline
they find what is stored."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from client import PeerClient
from config.groups import parse_groups
from server.clock import FakeClock
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.reliability.helpers import collect
from tests.reliability.test_privacy_scan import NIGHT_TOML
from tests.reliability.wire import RawPeer

CRISIS = "I want to kill myself tonight"
EVENING = dt.datetime(2026, 12, 7, 19, 5, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture(params=["redis", "embedded"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("redis_url")) if request.param == "redis" else None


def stored(server: Any, backend: str | None, *, audit: bool = True) -> list[tuple[str, bytes]]:
    blobs = list(file_blobs([server.data_dir]))
    if backend:
        blobs += [(n, b) for n, b in redis_blobs(backend) if audit or n != "redis:ilp:mod:audit"]
    return blobs


async def test_a_queued_envelope_past_its_ttl_is_gone_from_the_store(
        backend: str | None, live_server_factory: Callable[..., Any]) -> None:
    clock = FakeClock(EVENING.timestamp())
    server = await live_server_factory(clock=clock, run_scheduler=False, redis_url=backend)
    ttl = server.services.settings.inbox_ttl_seconds
    away, sender = RawPeer(server.url), RawPeer(server.url)
    await away.connect()
    away_name = (await away.login())["pseudonym"]
    await away.close()
    await sender.connect()
    try:
        await sender.login()
        body = os.urandom(48)
        assert (await sender.send_direct(away_name, body))["ok"]
        assert find(body, stored(server, backend)), "the envelope is not in the store?"
        clock.advance(ttl - 60)
        await server.scheduler.tick()
        assert find(body, stored(server, backend)), "swept before its TTL"
        clock.advance(61)
        await server.scheduler.tick()
        assert find(body, stored(server, backend)) == []
        assert await server.services.stores.inbox.total(clock.now()) == 0
    finally:
        await sender.close()


async def test_a_rooms_flags_go_with_its_night(
        backend: str | None, live_server_factory: Callable[..., Any]) -> None:
    clock = FakeClock(EVENING.timestamp())
    server = await live_server_factory(clock=clock, run_scheduler=False, redis_url=backend,
                                       groups=parse_groups(tomllib.loads(NIGHT_TOML)))
    await server.scheduler.tick()
    alice = await PeerClient.connect(server.url)
    bob = await PeerClient.connect(server.url)
    flag_store = server.services.stores.flags
    try:
        ga, gb = await alice.join_group("night"), await bob.join_group("night")
        await ga.send(CRISIS)  # alice's client flags its own message
        assert await collect(gb, {CRISIS}, 10)
        night = ga.room.rsplit("/", 1)[-1]
        assert await flag_store.of_night(night, str(alice.pseudonym)), "no flag was stored"
        clock.advance(90 * 60)
        await server.scheduler.tick()
        assert await gb.closed(timeout=10) is not None
        assert await flag_store.of_night(night, str(alice.pseudonym)) == []
        if backend:
            flag_keys = [n for n, _ in stored(server, backend)
                         if n.startswith(("redis:ilp:mod:flags:", "redis:ilp:mod:risk:"))]
            assert flag_keys == []
    finally:
        await alice.close()
        await bob.close()
