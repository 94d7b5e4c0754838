"""A case on Redis survives a crash of redis-server itself (kill -9) with the append-only file
on, as deploy/redis.conf sets it (docs/decisions.md, "Durable shared data on Redis")."""

from __future__ import annotations

from escalation import machine as m
from escalation.case import CaseSource, CaseState
from server.storage.redis import open_redis
from tests.escalation.helpers import POLICY
from tests.server.aof_redis import RedisWithAof

T0 = 1_790_000_000.0


async def test_a_case_survives_redis_being_killed(aof_redis: RedisWithAof) -> None:
    stores = open_redis(aof_redis.url)
    requested = m.request(case_id="c1", pseudonym="Aamu", severity=4, categories=("suicide",),
                          source=CaseSource.SELF, now=T0)
    assert await stores.cases.create(requested)
    case = m.enqueue(requested, now=T0, policy=POLICY)
    assert await stores.cases.replace(case, expected_version=requested.version)
    await stores.cases.add_note("c1", b"sealed-note")
    await stores.close()
    aof_redis.kill9()
    aof_redis.start()
    stores = open_redis(aof_redis.url)
    try:
        again = await stores.cases.get("c1")
        assert again == case and again.state is CaseState.QUEUED
        assert [c.id for c in await stores.cases.waiting(5)] == ["c1"]
        assert [c.id for c in await stores.cases.due(T0 + 60, 5)] == ["c1"]
        assert await stores.cases.open_of("Aamu") == case
        assert await stores.cases.notes("c1") == [b"sealed-note"]
    finally:
        await stores.close()
