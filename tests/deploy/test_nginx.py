"""The shipped reverse-proxy settings carry a real deployment: two `python -m server` processes
on one real Redis behind Debian's nginx, a group conversation and a 1:1 chat through it, then one
process stops and the clients carry on through the other."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pyotp

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from tests.deploy.conftest import Nginx
from tests.fixtures.server import REPO_ROOT, ServerProcess, write_test_config
from tests.server.staff_http_client import GOOD_PASSWORD, StaffHttp

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


async def test_metrics_are_not_served_through_the_public_proxy(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx]) -> None:
    """Counts of people waiting and alerts open are for the operator's scraper on the process's
    own port, not for anyone who can reach the site."""
    proc = server_process(redis_url=redis_url)
    proxy = nginx([proc.port])
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{proc.port}/metrics") as direct:
            assert direct.status == 200 and "iltapiiri_" in await direct.text()
        async with http.get(proxy.url + "/metrics") as public:
            assert public.status == 403
        async with http.get(proxy.url + "/") as page:  # the rest of the site still is
            assert page.status == 200


FAST_TOML = ("\n[staff]\nkey_file = \"{key}\"\nargon2_time_cost = 1\nargon2_memory_kib = 1024\n"
             "argon2_parallelism = 1\n")


async def test_two_peers_on_different_processes_and_a_counsellor_session_through_nginx(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx], tmp_path: Path) -> None:
    """Two peers whose sockets land on different processes (nginx round-robins; each process's
    log shows which) talk in a group; a person requests a counsellor, a counsellor signed in
    through nginx (the __Host- Secure cookie over http on loopback) claims the case and they
    exchange 1:1 messages."""
    config = write_test_config(tmp_path / "cfg", extra_toml=FAST_TOML.format(
        key=tmp_path / "staff.key"))
    proc_a = server_process(redis_url=redis_url, config=config)
    proc_b = server_process(redis_url=redis_url, config=config)
    proxy = nginx([proc_a.port, proc_b.port])
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"REDIS_URL": redis_url}
    made = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "server", "admin", "create-staff", "--role",
                         "counsellor", "--username", "Anna Neuvoja", "--password-stdin",
                         "--config", str(config), "--data-dir", str(tmp_path / "admin")],
        cwd=REPO_ROOT, env=env, input=GOOD_PASSWORD + "\n", capture_output=True, text=True,
        timeout=60, check=False)
    assert made.returncode == 0, made.stderr

    # The staff cookie through the proxy: __Host-, Secure, HttpOnly, kept over http on loopback.
    http = StaffHttp(proxy.url)
    first = await http.login("Anna Neuvoja", GOOD_PASSWORD)
    assert first.status == 403 and first.body["error"] == "totp_enrol", first.body
    uri = first.body["totp_uri"]
    second = await http.login("Anna Neuvoja", GOOD_PASSWORD, pyotp.parse_uri(uri).now())
    assert second.status == 200, second.body
    cookie_line = next(c for c in second.set_cookie if c.startswith(STAFF_COOKIE + "="))
    assert STAFF_COOKIE.startswith("__Host-")
    for attribute in ("Secure", "HttpOnly", "Path=/"):
        assert attribute.lower() in cookie_line.lower(), cookie_line
    assert "domain=" not in cookie_line.lower()
    assert http.cookie
    assert "gzip" not in second.headers.get("Content-Encoding", "")  # no BREACH on secrets
    assert (await http.session()).status == 200

    alice = await PeerClient.connect(proxy.url, pseudonym="Alice")
    bob = await PeerClient.connect(proxy.url, pseudonym="Bob")
    person = await PeerClient.connect(proxy.url)
    peer = await PeerClient.connect(proxy.url, headers={"Cookie": f"{STAFF_COOKIE}={http.cookie}"})
    staff = StaffClient(proxy.url, peer, http.cookie, peer.role)
    try:
        group_a = await alice.join_group("open")
        group_b = await bob.join_group("open")
        await group_a.send("eri prosesseilla?")
        await expect(group_b, "eri prosesseilla?")
        await group_b.send("kyllä, Redisin kautta")
        await expect(group_a, "kyllä, Redisin kautta")

        assert staff.role == "counsellor"
        await staff.set_available(capacity=2)
        esc = await person.request_counsellor(reason="alcohol", share=[], level=3)
        case = await staff.next_case(timeout=15)
        session = await case.claim()
        assert session.pseudonym == person.pseudonym
        talk = await esc.wait_for_counsellor(timeout=15)
        await session.send("Olen täällä, kuuntelen")
        assert (await talk.next_message(15)).text == "Olen täällä, kuuntelen"
        await talk.send("Kiitos, en jaksa tänään")
        assert (await session.next_message(15)).text == "Kiitos, en jaksa tänään"
    finally:
        for client in (alice, bob, person):
            await client.close()
        await staff.close()
    # nginx round-robins: Alice's and Bob's sockets landed on different processes (each
    # process logged one group.join), so the group conversation crossed Redis.
    for proc in (proc_a, proc_b):
        assert proc.log_text().count('"event":"group.join"') == 1, proc.log_text()[-800:]


async def test_many_people_connecting_at_once_through_nginx_are_not_one_source(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx]) -> None:
    """The shipped nginx forwards no client address and the process trusts loopback, so the
    unauthenticated cap per source (16 by default) must not count everyone behind the proxy as
    one source: 24 people opening the page at the same moment all get a socket (before, the
    17th and later were refused with 401 until someone finished signing in). nginx's own
    `limit_req` per address (burst 60) and the process's total cap (512) still bound them."""
    proc = server_process(redis_url=redis_url)  # the shipped limits
    proxy = nginx([proc.port])
    # One of them forges an X-Forwarded-For on every socket: nginx must not pass it on, or the
    # process (which trusts loopback, the proxy) would count them all as that one address and
    # refuse the 17th; and a flooder could name a new address per socket to escape the caps.
    forged = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7"}
    async with aiohttp.ClientSession() as http:
        held = []
        try:
            for _ in range(24):
                ws = await http.ws_connect(f"{proxy.url}/socket.io/?EIO=4&transport=websocket",
                                           headers=forged)
                held.append(ws)
                first = await ws.receive(timeout=5)
                assert isinstance(first.data, str) and first.data.startswith("0{"), first
        finally:
            for ws in held:
                await ws.close()
    assert len(held) == 24
