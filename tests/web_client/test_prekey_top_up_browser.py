"""The browser tops up its one-time prekeys when the relay pushes `keys.low` (issue 8, finding
7), with nothing sent or received and no new sign-in."""

from __future__ import annotations

import asyncio

from server.domain import pseudonyms
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer as WirePeer
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import wait_ready


async def test_browser_tops_up_after_keys_low(live_server_factory: LiveServerFactory,
                                              open_peer: OpenPeer) -> None:
    server = await live_server_factory(prekey_fetches_per_requester=1000,
                                       prekey_fetches_per_target=1000)
    peer = await open_peer(server.url)
    await peer.sign_in("Lumi Tops")
    await wait_ready(peer)
    store = server.services.stores.keys
    holder = await server.services.stores.identities.binding_of_name(pseudonyms.fold("Lumi Tops"))
    assert holder is not None
    start = await store.count_one_time_prekeys(holder.identity_key)
    assert start >= 10
    fetchers = [await WirePeer.connect(server.url) for _ in range(3)]
    try:
        for i in range(start - 5):  # down to 5: below the low water of 10
            reply = await fetchers[i % 3].call("keys.fetch", {"pseudonym": "Lumi Tops"})
            assert reply["ok"], reply
        deadline = asyncio.get_running_loop().time() + 15
        while (count := await store.count_one_time_prekeys(holder.identity_key)) < 10:
            assert asyncio.get_running_loop().time() < deadline, f"not topped up: {count}"
            await asyncio.sleep(0.1)
    finally:
        for f in fetchers:
            await f.close()
    assert peer.unexpected_console_errors() == []
