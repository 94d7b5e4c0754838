"""Connection limits over the real server: an unauthenticated connection is closed after the
auth timeout, and one identity key holds at most `max_connections_per_key` connections (across
processes on one Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.app import SIO
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer, wait_until


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


async def test_connection_without_auth_is_closed(live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(auth_timeout_seconds=0.5)
    idle = await Peer.connect(server.url, auth=False)
    greeted = await Peer.connect(server.url, auth=False)
    prompt = await Peer.connect(server.url, "Ajoissa")
    try:
        assert (await greeted.call("hello"))["ok"]  # a challenge alone does not count
        await wait_until(lambda: not idle.sio.connected and not greeted.sio.connected, 5)
        await asyncio.sleep(0.3)
        assert prompt.sio.connected
        assert (await prompt.call("groups.list"))["ok"]
        assert server.services.metrics.auth_timeouts == 2
        await wait_until(lambda: server.services.metrics.connections == 1)
    finally:
        for p in (idle, greeted, prompt):
            await p.close()


async def test_connections_per_key_are_capped(live_server_factory: LiveServerFactory,
                                              backend: dict[str, str]) -> None:
    server = await live_server_factory(max_connections_per_key=2, **backend)
    first = await Peer.connect(server.url, "Monesti")
    second = await Peer.connect(server.url, key=first.key)
    third = await Peer.connect(server.url, auth=False, key=first.key)
    try:
        refused = await third.authenticate("Toinen Nimi")
        assert refused["error"] == "too_many_connections"
        # Nothing changed: the name was not bound and the key keeps its own.
        holder = await server.services.stores.identities.binding_of_key(first.identity_key)
        assert holder is not None and holder.pseudonym == "Monesti"
        other = await Peer.connect(server.url, "Toinen Nimi")  # still free
        await other.close()
        # Another key is not affected.
        stranger = await Peer.connect(server.url, "Vieras")
        await stranger.close()
        # A slot comes free when a connection closes.
        await second.close()
        await wait_until(lambda: server.services.metrics.authenticated == 1)
        assert (await third.authenticate())["ok"]
        assert third.pseudonym == "Monesti"
    finally:
        for p in (first, second, third):
            await p.close()


async def test_cap_holds_across_processes(live_server_factory: LiveServerFactory,
                                          redis_url: str) -> None:
    a = await live_server_factory(redis_url=redis_url, max_connections_per_key=2)
    b = await live_server_factory(redis_url=redis_url, max_connections_per_key=2)
    on_a = await Peer.connect(a.url, "Kahdessa")
    on_b = await Peer.connect(b.url, key=on_a.key)
    extra = await Peer.connect(a.url, auth=False, key=on_a.key)
    try:
        assert (await extra.authenticate())["error"] == "too_many_connections"
        # A connection closed on process B frees its slot for process A.
        await on_b.close()
        await wait_until(lambda: b.services.metrics.authenticated == 0)
        assert (await extra.authenticate())["ok"]
    finally:
        for p in (on_a, on_b, extra):
            await p.close()


async def test_slots_of_a_dead_process_are_freed(live_server_factory: LiveServerFactory,
                                                 redis_url: str) -> None:
    a = await live_server_factory(redis_url=redis_url, max_connections_per_key=1,
                                  run_scheduler=False)
    b = await live_server_factory(redis_url=redis_url, max_connections_per_key=1,
                                  run_scheduler=False)
    gone = await Peer.connect(b.url, "Kaatuva")
    # Process B "crashes": its session record stays behind in Redis, with no disconnect.
    await b.services.stores.rooms.heartbeat(b.services.instance_id, a.services.clock.now() - 3600)
    retry = await Peer.connect(a.url, auth=False, key=gone.key)
    try:
        assert (await retry.authenticate())["error"] == "too_many_connections"
        await a.scheduler.tick()  # reaps B
        assert (await retry.authenticate())["ok"]
    finally:
        await gone.close()
        await retry.close()


async def test_closing_during_auth_leaves_no_slot(live_server_factory: LiveServerFactory,
                                                  backend: dict[str, str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An `auth` that finishes after its connection closed releases what it took."""
    server = await live_server_factory(max_connections_per_key=1, **backend)
    store = server.services.stores.identities
    binding, gate = asyncio.Event(), asyncio.Event()
    bind_if_free = store.bind_if_free

    async def held_bind(*args: object, **kwargs: object) -> bool:
        binding.set()
        await gate.wait()
        return await bind_if_free(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "bind_if_free", held_bind)
    peer = Peer()
    await peer.sio.connect(server.url, transports=["websocket"])
    task = asyncio.create_task(peer.authenticate("Lähtijä"))
    await asyncio.wait_for(binding.wait(), 5)  # auth holds its slot and waits on the store
    await peer.close()
    await wait_until(lambda: server.services.metrics.connections == 0)
    done = asyncio.Event()
    monkeypatch.setattr(store, "session_remove", _then_set(store.session_remove, done))
    gate.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.wait_for(done.wait(), 5)  # the late auth gave its slot back
    await wait_until(lambda: server.services.metrics.authenticated == 0)
    sio_rooms = server.app[SIO].manager.rooms.get("/", {})
    assert not [r for r in sio_rooms if r and r.startswith("user:")]
    again = await Peer.connect(server.url, key=peer.key)  # the one slot is free
    assert again.pseudonym == "Lähtijä"
    await again.close()


def _then_set(method: Any, event: asyncio.Event) -> Any:
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = await method(*args, **kwargs)
        event.set()
        return result
    return wrapped
