"""Transports before sign-in (threat-model findings 3 and 9): the auth timeout closes the
websocket itself, unauthenticated transports are capped in total and per source, and events
before sign-in and unknown events are rate limited, then the transport is closed on abuse."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.api.admission import Admission
from server.app import SIO
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer, wait_until
from tests.server.rawsocket import RawSocket
from tests.server.test_reserved_events import raw_auth


async def _refused(url: str, headers: dict[str, str] | None = None,
                   local_addr: str | None = None) -> bool:
    try:
        raw = await RawSocket.open(url, connect=False, headers=headers, local_addr=local_addr)
    except aiohttp.WSServerHandshakeError as err:
        assert err.status == 401
        return True
    await raw.close()
    return False


def test_admission_counts_per_source_and_total() -> None:
    gate = Admission(max_total=3, max_per_source=2, key=b"k" * 32)
    assert gate.admit("a1", "10.1.2.3") and gate.admit("a2", "10.1.2.3")
    assert not gate.admit("a3", "10.1.2.3")  # per source
    assert gate.admit("b1", "10.9.9.9")
    assert not gate.admit("c1", "10.7.7.7")  # total
    gate.release("a1")
    gate.release("a1")  # idempotent
    assert gate.admit("a3", "10.1.2.3") and gate.pending == 3
    assert "10." not in repr(gate) and "10." not in repr(vars(gate))


def test_transports_of_no_known_source_count_only_in_the_total() -> None:
    """A trusted proxy that names no client (the shipped nginx): everyone behind it is not one
    source, or the cap of one address would refuse the 17th person connecting at once."""
    gate = Admission(max_total=4, max_per_source=1, key=b"k" * 32)
    assert all(gate.admit(f"p{i}", None) for i in range(3))
    assert gate.admit("a1", "10.1.2.3") and not gate.admit("a2", "10.1.2.3")
    assert not gate.admit("p9", None)  # the total still holds
    gate.release("p0")
    gate.release("p0")
    assert gate.admit("p9", None) and gate.pending == 4


async def test_auth_timeout_closes_the_websocket(live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(auth_timeout_seconds=0.5)
    silent = await RawSocket.open(server.url, connect=False)  # never sends `40`
    session = await RawSocket.open(server.url)  # `40` but no auth
    greeted = await RawSocket.open(server.url)
    signed = await RawSocket.open(server.url)
    try:
        assert (await greeted.call("hello", {}))["ok"]
        assert (await raw_auth(signed, Ed25519PrivateKey.generate()))["ok"]
        await wait_until(lambda: silent.closed and session.closed and greeted.closed, 5)
        await asyncio.sleep(0.6)
        assert not signed.closed
        assert (await signed.call("groups.list", {}))["ok"]
        assert server.services.metrics.auth_timeouts == 3
        await wait_until(lambda: len(server.app[SIO].eio.sockets) == 1)
    finally:
        for raw in (silent, session, greeted, signed):
            await raw.close()


async def test_second_session_on_one_transport_closes_it(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory()
    raw = await RawSocket.open(server.url)
    try:
        await raw.send("41")  # leave the session, keep the websocket
        await raw.send("40")  # a new session would bring a new auth window
        await wait_until(lambda: raw.closed, 5)
    finally:
        await raw.close()


async def test_unauthenticated_transports_are_capped_per_source(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(max_unauthenticated_per_source=3)
    held = [await RawSocket.open(server.url) for _ in range(3)]
    try:
        assert await _refused(server.url)
        # Signing in frees the place: the source may open another.
        assert (await raw_auth(held[0], Ed25519PrivateKey.generate()))["ok"]
        extra = await RawSocket.open(server.url)
        held.append(extra)
        assert await _refused(server.url)
        # Closing frees one too.
        await held[1].close()
        await wait_until(lambda: held[1].closed)
        await asyncio.sleep(0.1)
        held.append(await RawSocket.open(server.url))
    finally:
        for raw in held:
            await raw.close()


async def test_trusted_proxy_header_is_the_source_and_total_is_capped(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(max_unauthenticated=4, max_unauthenticated_per_source=2,
                                       trusted_proxies=frozenset({"127.0.0.1"}),
                                       trusted_proxy_header="X-Real-IP")
    a = {"X-Real-IP": "10.0.0.1"}
    b = {"X-Real-IP": "10.0.0.2"}
    held = [await RawSocket.open(server.url, headers=a) for _ in range(2)]
    try:
        assert await _refused(server.url, a)
        held += [await RawSocket.open(server.url, headers=b) for _ in range(2)]
        assert await _refused(server.url, {"X-Real-IP": "10.0.0.3"})  # total
    finally:
        for raw in held:
            await raw.close()


async def test_proxy_header_is_ignored_unless_configured(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(max_unauthenticated_per_source=2)
    held = [await RawSocket.open(server.url, headers={"X-Real-IP": f"10.0.0.{i}"})
            for i in range(2)]
    try:
        assert await _refused(server.url, {"X-Real-IP": "10.0.0.9"})  # one source: the peer
    finally:
        for raw in held:
            await raw.close()


async def test_behind_a_trusted_proxy_the_forwarded_address_is_the_source(
        live_server_factory: LiveServerFactory) -> None:
    """The same source as the sign-in rate's: behind a trusted proxy (127.0.0.1 here) its
    X-Forwarded-For entry is the source, and a proxy that forwards no address (the shipped nginx)
    does not make every person behind it one source; the total cap still holds."""
    server = await live_server_factory(max_unauthenticated=6, max_unauthenticated_per_source=2,
                                       trusted_proxies=frozenset({"127.0.0.1"}))
    held = [await RawSocket.open(server.url) for _ in range(3)]  # no address named: all admitted
    try:
        a = {"X-Forwarded-For": "10.0.0.1"}
        held += [await RawSocket.open(server.url, headers=a) for _ in range(2)]
        assert await _refused(server.url, a)  # that address's cap
        held.append(await RawSocket.open(server.url, headers={"X-Forwarded-For": "10.0.0.2"}))
        assert await _refused(server.url)  # total: 6
    finally:
        for raw in held:
            await raw.close()


async def test_a_direct_client_cannot_name_its_own_source(
        live_server_factory: LiveServerFactory) -> None:
    """Only a trusted proxy's X-Forwarded-For (or configured header) is believed. A client
    connecting from 127.0.0.2 is no proxy (127.0.0.1 is): a new forged address per connection
    must not make it a new source. (Engine.IO's driver says REMOTE_ADDR = 127.0.0.1 for every
    request, so every client was the trusted proxy and got past the per-source cap.)"""
    server = await live_server_factory(max_unauthenticated=20, max_unauthenticated_per_source=2,
                                       trusted_proxies=frozenset({"127.0.0.1"}),
                                       trusted_proxy_header="X-Real-IP")
    forged = [{"X-Forwarded-For": f"10.0.0.{i}", "X-Real-IP": f"10.1.0.{i}"} for i in range(4)]
    held = [await RawSocket.open(server.url, headers=forged[i], local_addr="127.0.0.2")
            for i in range(2)]
    try:
        assert await _refused(server.url, forged[2], local_addr="127.0.0.2")  # one source
        # From the trusted proxy's address the header still names the source.
        held.append(await RawSocket.open(server.url, headers=forged[3]))
    finally:
        for raw in held:
            await raw.close()


@pytest.mark.parametrize("event", ["hello", "no.such.event"])
async def test_events_before_sign_in_are_rate_limited(
        live_server_factory: LiveServerFactory, event: str) -> None:
    server = await live_server_factory()
    raw = await RawSocket.open(server.url)
    try:
        codes = [(await raw.call(event, {})).get("error", "ok") for _ in range(15)]
        assert "rate_limited" in codes
        assert codes.count("ok" if event == "hello" else "bad_request") <= 11
    finally:
        await raw.close()


async def test_unknown_events_after_sign_in_are_rate_limited_then_closed(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory()
    raw = await RawSocket.open(server.url)
    bystander = await Peer.connect(server.url, "Sivullinen")
    try:
        assert (await raw_auth(raw, Ed25519PrivateKey.generate()))["ok"]
        codes = [(await raw.call("no.such.event", {})).get("error") for _ in range(45)]
        assert codes[0] == "bad_request" and "rate_limited" in codes
        for _ in range(40):  # keeps going after being told: abuse
            if raw.closed:
                break
            await raw.send('42["no.such.event",{}]')
        await wait_until(lambda: raw.closed, 5)
        assert (await bystander.call("groups.list"))["ok"]
    finally:
        await raw.close()
        await bystander.close()
