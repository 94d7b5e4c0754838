"""The shipped reverse-proxy settings carry a real deployment: two `python -m server` processes
on one real Redis behind Debian's nginx, a group conversation and a 1:1 chat through it, then one
process stops and the clients carry on through the other."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import aiohttp

from client import PeerClient
from tests.deploy.conftest import Nginx
from tests.fixtures.server import ServerProcess

IPV4 = re.compile(r"\b127\.0\.0\.1\b")


async def expect(chat, text: str, timeout: float = 20.0) -> None:
    """Wait for the message `text` (other messages, e.g. before a rotation, are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        msg = await chat.next_message(timeout=max(0.1, deadline - loop.time()))
        if msg.text == text:
            return


async def test_group_and_direct_chat_through_nginx_survive_losing_a_process(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx]) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    proxy = nginx([proc_a.port, proc_b.port])
    alice = await PeerClient.connect(proxy.url, pseudonym="Alice")
    bob = await PeerClient.connect(proxy.url, pseudonym="Bob")
    try:
        group_a = await alice.join_group("open")
        group_b = await bob.join_group("open")
        await group_a.send("hei Bob, kuuletko?")
        await expect(group_b, "hei Bob, kuuletko?")
        await group_b.send("kuulen, Alice")
        await expect(group_a, "kuulen, Alice")
        dm_a = await alice.open_direct("Bob")
        await dm_a.send("yksityisesti: kiitos tästä illasta")
        dm_b = await bob.open_direct("Alice")
        await expect(dm_b, "yksityisesti: kiitos tästä illasta")

        # One process goes away (a deploy, a crash): its clients reconnect through nginx, which
        # sends them to the live process; the conversation goes on for everyone.
        await proc_a.astop()
        for attempt in range(40):
            await group_a.send(f"vielä täällä {attempt}")
            try:
                await expect(group_b, f"vielä täällä {attempt}", timeout=1.5)
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the group did not carry on after one process stopped")
        await group_b.send("niin minäkin")
        await expect(group_a, "niin minäkin")
        await dm_b.send("1:1 toimii yhä")
        await expect(dm_a, "1:1 toimii yhä")
    finally:
        await alice.close()
        await bob.close()
    # nginx logged requests, and no client address (the shipped log format has none).
    assert "GET /socket.io/" in proxy.logs()
    assert not IPV4.search(proxy.logs())


async def socket_opens(url: str, origin: str | None) -> bool:
    """Whether a websocket to the Socket.IO endpoint opens (with this Origin header, if any)."""
    headers = {"Origin": origin} if origin else {}
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket",
                                       headers=headers) as ws:
                first = await ws.receive(timeout=5)
                return isinstance(first.data, str) and first.data.startswith("0{")
        except aiohttp.WSServerHandshakeError as err:
            assert err.status == 400
            return False


async def test_browsers_of_this_site_get_through_nginx_and_other_sites_do_not(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx]) -> None:
    """The socket's Origin check works behind the proxy: the page nginx serves can connect (the
    Host is passed with its port), a page of another site cannot."""
    proc = server_process(redis_url=redis_url)
    proxy = nginx([proc.port])
    assert await socket_opens(proxy.url, proxy.url)
    assert await socket_opens(proxy.url, None)  # non-browser clients send no Origin
    assert not await socket_opens(proxy.url, "http://evil.example")
    assert not await socket_opens(proxy.url, "null")
    assert not await socket_opens(proxy.url, proxy.url.replace("http:", "https:"))
