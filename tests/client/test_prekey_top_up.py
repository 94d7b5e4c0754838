"""The Python client tops up its one-time prekeys when the relay says they run low (issue 8,
finding 7): at once, with no message sent or received and no new sign-in."""

from __future__ import annotations

import asyncio

from client import PeerClient
from tests.client.test_live_groups import close_all, connect_many
from tests.fixtures.server import LiveServerFactory


async def test_keys_low_push_makes_the_client_top_up(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(prekey_fetches_per_requester=1000,
                                       prekey_fetches_per_target=1000)
    bob = await PeerClient.connect(server.url)
    fetchers = await connect_many(server.url, 5)  # key fetches are rate-limited per connection
    try:
        start = (await bob._session.request("keys.count"))["one_time_prekeys"]
        assert start >= 10
        for i in range(start - 5):  # a drain down to 5 left: below the low water of 10
            await fetchers[i % len(fetchers)]._session.request(
                "keys.fetch", {"pseudonym": bob.pseudonym})
        deadline = asyncio.get_running_loop().time() + 10
        while (count := (await bob._session.request("keys.count"))["one_time_prekeys"]) < 10:
            assert asyncio.get_running_loop().time() < deadline, f"not topped up: {count}"
            await asyncio.sleep(0.1)
        assert count >= 10
    finally:
        await close_all([bob, *fetchers])
