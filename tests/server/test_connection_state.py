"""What an idle connection keeps in the server (issue 14: memory per idle connection): slotted
state objects, token buckets made on first use, no kept copy of the upgrade's headers, no HTTP
parser once upgraded."""

from __future__ import annotations

import asyncio

import pytest

from server.api.outbox import Flusher, Outbox
from server.app import ADAPTER, SIO
from server.domain.ratelimit import TokenBucket
from server.handlers.services import BUCKET_LIMITS, Connection
from server.limits import PREAUTH_BURST, PREAUTH_RATE
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, wait_until
from tests.server.test_fanout import RawClient
from tests.server.test_outbox import FakeTransport


@pytest.mark.parametrize("make", [
    lambda: Connection(sid="s"),
    lambda: TokenBucket(1.0, 2.0),
    lambda: Outbox(FakeTransport(), Flusher(), 1 << 20, lambda: None),  # type: ignore[arg-type]
])
def test_per_connection_objects_are_slotted(make: object) -> None:
    obj = make()  # type: ignore[operator]
    assert not hasattr(obj, "__dict__"), type(obj).__name__
    with pytest.raises(AttributeError):
        obj.not_a_field = 1


def test_buckets_are_made_full_on_first_use_with_their_limits() -> None:
    conn = Connection(sid="s", send_rate=3.0, send_burst=2.0)
    send = conn.bucket("send")
    assert (send.rate, send.burst) == (3.0, 2.0)
    assert conn.bucket("send") is send  # one bucket per budget, kept
    assert [send.take(0.0), send.take(0.0), send.take(0.0)] == [True, True, False]
    for budget, (rate, burst) in BUCKET_LIMITS.items():
        made = conn.bucket(budget)
        assert (made.rate, made.burst) == (rate, burst)
    assert BUCKET_LIMITS["preauth"] == (PREAUTH_RATE, PREAUTH_BURST)
    with pytest.raises(KeyError):
        conn.bucket("nonsense")


def test_signing_in_forgets_the_pre_sign_in_bucket() -> None:
    conn = Connection(sid="s")
    spent = conn.bucket("preauth")
    assert spent.take(0.0)
    conn.signed_in()
    assert conn.bucket("preauth") is not spent  # never spent from again; a new one if asked


async def test_a_signed_in_connection_keeps_no_environ(live_server: LiveServer) -> None:
    peer = await Peer.connect(live_server.url)
    try:
        sio = live_server.app[SIO]
        [conn] = live_server.app[ADAPTER].connections.values()
        assert conn.authenticated and conn.source  # the source tag was read before
        eio_sid = sio.manager.eio_sid_from_sid(conn.sid, "/")
        # The dict Engine.IO built from the upgrade request is emptied once the session is
        # open (its frames hold it for the websocket's life); the session works on.
        assert sio.environ[eio_sid] == {}
        assert (await peer.call("groups.list"))["ok"]
    finally:
        await peer.close()
    await wait_until(lambda: not live_server.app[SIO].environ)


def masked_frame(text: str) -> bytes:
    """A client text frame (zero mask key), any length up to 64 KiB."""
    data = text.encode()
    assert len(data) < 65536
    head = bytes((0x81, 0x80 | len(data))) if len(data) < 126 else \
        bytes((0x81, 0xFE)) + len(data).to_bytes(2, "big")
    return head + b"\0\0\0\0" + data


async def test_a_websocket_without_its_http_parser_reads_a_burst_and_ends_cleanly(
        live_server: LiveServer) -> None:
    raw = await RawClient.connect(live_server.url)
    try:
        [handler] = live_server.runner.server.connections
        assert handler._parser is None  # let go after the accepted upgrade
        # ~200 KB in one write: more than aiohttp's websocket reader buffers before it pauses
        # the transport's reading (flow control), which must not need the HTTP parser.
        pad = "x" * 20_000
        raw.writer.write(b"".join(masked_frame(f'42{i}["groups.list",{{"pad":"{pad}"}}]')
                                  for i in range(1, 11)))
        acks: set[int] = set()
        while len(acks) < 10:
            _, data = await asyncio.wait_for(raw.frame(), 10)
            if data.startswith(b"43"):
                acks.add(int(data[2:data.index(b"[")]))
        assert acks == set(range(1, 11))
    finally:
        raw.writer.close()
    await wait_until(lambda: not live_server.runner.server.connections)
    await wait_until(lambda: not live_server.app[ADAPTER].connections)
