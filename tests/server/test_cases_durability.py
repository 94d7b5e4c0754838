"""A case is never lost when a server process is killed with `kill -9`: on the embedded store
(the same data dir restarted) and on Redis (the person comes back through another process, and a
counsellor on a third claims it). The process that was killed ran no clean-up at all."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.limits import PROCESS_DEAD_AFTER_SECONDS
from tests.fixtures.server import LiveServerFactory, ServerProcess
from tests.server.aof_redis import RedisWithAof
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor, until
from tests.server.harness import Peer


def kill9(proc: ServerProcess) -> None:
    assert proc.proc is not None
    proc.proc.send_signal(signal.SIGKILL)
    proc.proc.wait(timeout=10)


async def test_a_queued_case_survives_kill_9_on_the_embedded_store(
        server_process: Callable[..., ServerProcess]) -> None:
    proc = server_process()
    key = Ed25519PrivateKey.generate()
    person = await Peer.connect(proc.url, "Aamu", key=key)
    code = (await ask(person, level=4, reason="overdose"))["case_code"]
    kill9(proc)
    await person.close()
    await proc.astart()
    back = await Peer.connect(proc.url, "Aamu", key=key)
    status = await back.call("case.resume", {"case_code": code})
    assert status["ok"] and status["state"] == "queued" and status["position"] == 1
    assert status["level"] == 4
    assert (await ask(back, level=2))["case_code"] == code  # still the one open case
    await back.close()


async def test_a_case_survives_kill_9_of_its_process_on_redis(
        server_process: Callable[..., ServerProcess], live_server_factory: LiveServerFactory,
        redis_url: str) -> None:
    doomed = server_process(redis_url=redis_url)
    other = await live_server_factory(**FAST_STAFF, redis_url=redis_url)
    key = Ed25519PrivateKey.generate()
    person = await Peer.connect(doomed.url, "Aamu", key=key)
    code = (await ask(person, level=3))["case_code"]
    kill9(doomed)
    await person.close()
    back = await Peer.connect(other.url, "Aamu", key=key)
    status = await back.call("case.resume", {"case_code": code})
    assert status["ok"] and status["state"] == "queued" and status["position"] == 1
    anna = await make_counsellor(other, "Anna")
    assert (await anna.call("case.claim", {"case_id": code}))["ok"]
    assert (await back.next("case.counsellor"))["counsellor"]["name"] == "Anna"
    await back.close()
    await anna.close()


async def test_a_case_survives_redis_being_killed_under_a_running_server(
        aof_redis: RedisWithAof, live_server_factory: LiveServerFactory) -> None:
    # (aof_redis first: the server is stopped before Redis at teardown)
    server = await live_server_factory(**FAST_STAFF, redis_url=aof_redis.url)
    key = Ed25519PrivateKey.generate()
    person = await Peer.connect(server.url, "Aamu", key=key)
    code = (await ask(person, level=4))["case_code"]
    aof_redis.kill9()
    aof_redis.start()
    # The server's Redis clients reconnect by themselves (bounded backoff).
    status = await person.call("case.resume", {"case_code": code}, timeout=15)
    assert status["ok"], status
    assert status["state"] == "queued" and status["position"] == 1 and status["level"] == 4
    await person.close()


async def test_timers_fire_once_with_two_servers_ticking(live_server_factory: LiveServerFactory,
                                                         redis_url: str) -> None:
    fake = clock()
    one = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, redis_url=redis_url)
    two = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False, redis_url=redis_url)
    anna = await make_counsellor(one, "Anna")
    bengt = await make_counsellor(one, "Bengt", url=two.url)
    person = await Peer.connect(two.url, "Aamu")
    await ask(person, level=4)
    fake.advance(60)
    await asyncio.gather(one.scheduler.tick(), two.scheduler.tick(), one.scheduler.tick())
    assert (await anna.next("case.alert"))["realerts"] == 1
    assert (await bengt.next("case.alert"))["realerts"] == 1
    await asyncio.sleep(0.3)
    assert anna.drain("case.alert") == [] and bengt.drain("case.alert") == []
    for p in (anna, bengt, person):
        await p.close()


async def test_counsellors_of_a_crashed_process_are_set_away(
        live_server_factory: LiveServerFactory) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False)
    anna = await make_counsellor(server, "Anna")
    store = server.services.stores.cases
    # As if Anna's connection lived on a process that has since crashed: it beat once, long ago.
    record = next(c for c in await store.counsellors() if c.name == "Anna")
    await store.put_counsellor(replace(record, owner="deadbeefdeadbeef"))
    await server.services.stores.rooms.heartbeat("deadbeefdeadbeef", fake.now())
    person = await Peer.connect(server.url, "Aamu")
    assert (await ask(person, level=3))["fallback"] is None  # Anna counts as available
    fake.advance(PROCESS_DEAD_AFTER_SECONDS + 1)
    await server.scheduler.tick()
    assert not (await store.counsellor(record.id)).available  # type: ignore[union-attr]
    update = await until(person, "case.update", lambda p: p["fallback"] == "no_counsellor")
    assert update["alternatives"]
    for p in (anna, person):
        await p.close()
