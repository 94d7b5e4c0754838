"""Fixtures shared by the server tests."""

from __future__ import annotations

import pytest

from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.aof_redis import aof_redis  # noqa: F401 (a fixture for the tests below)


@pytest.fixture(params=["embedded", "redis"])
async def server(request: pytest.FixtureRequest, live_server_factory: LiveServerFactory
                 ) -> LiveServer:
    """A live relay, once on the embedded store and once on redis."""
    if request.param == "redis":
        return await live_server_factory(redis_url=request.getfixturevalue("redis_url"))
    return await live_server_factory()


@pytest.fixture(params=["embedded", "redis"])
def backend_kwargs(request: pytest.FixtureRequest) -> dict[str, object]:
    """Extra arguments for `live_server_factory`: nothing (embedded) or a Redis URL."""
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}
