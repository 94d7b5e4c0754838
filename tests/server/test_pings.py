"""server.api.pings: one timer pings every socket of a server, and pings keep Engine.IO's
behaviour (a client that answers stays, one that does not is disconnected at the timeout), with
no task per socket. Real server and clients on loopback, short ping intervals."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
from aiohttp import WSMsgType, web
from engineio import packet as eio_packet

from server.api.fanout import FanoutManager, install
from server.api.outbox import Flusher, Outbox
from server.api.pings import PING_FRAME, PingTimer, Silence, send_ping
from tests.server.harness import wait_until
from tests.server.test_fanout import RawClient
from tests.server.test_outbox import FakeTransport, parse

INTERVAL = 0.3
TIMEOUT = 0.3


@pytest.fixture
async def pinging() -> AsyncIterator[tuple[str, socketio.AsyncServer, list[tuple[str, Any]]]]:
    """A python-socketio server on the fast path with short pings; its disconnects."""
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"],
                               client_manager=FanoutManager(), logger=False,
                               engineio_logger=False, ping_interval=INTERVAL,
                               ping_timeout=TIMEOUT)
    install(sio, send_buffer_limit=1 << 20, grace_seconds=1.0)
    gone: list[tuple[str, Any]] = []

    @sio.on("disconnect")
    async def disconnect(sid: str, reason: Any) -> None:
        gone.append((sid, reason))

    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", sio, gone
    await runner.cleanup()


def ping_tasks() -> list[asyncio.Task[Any]]:
    """Engine.IO's own per-socket ping tasks that are running."""
    return [t for t in asyncio.all_tasks()
            if getattr(t.get_coro(), "__qualname__", "") == "AsyncSocket._send_ping"]


async def test_a_client_that_answers_is_pinged_every_interval_by_no_task_of_its_own(
        pinging: tuple[str, socketio.AsyncServer, list[tuple[str, Any]]]) -> None:
    url, sio, gone = pinging
    raws = [await RawClient.connect(url) for _ in range(3)]
    try:
        assert all(type(s.queue) is Outbox for s in sio.eio.sockets.values())
        pings = [0, 0, 0]

        async def answer(i: int) -> None:
            while True:
                if await raws[i].frame() == (0x1, b"2"):
                    pings[i] += 1
                    raws[i].send("3")

        readers = [asyncio.create_task(answer(i)) for i in range(3)]
        t0 = time.monotonic()
        while time.monotonic() - t0 < 6 * INTERVAL:
            assert ping_tasks() == []  # Engine.IO's task per socket is never started
            await asyncio.sleep(0.02)
        for r in readers:
            r.cancel()
        # Each socket got a PING about every interval, answered it, and is still there.
        assert all(4 <= n <= 7 for n in pings), pings
        assert gone == [] and len(sio.eio.sockets) == 3
    finally:
        for raw in raws:
            raw.writer.close()


async def test_a_client_that_stops_answering_pings_is_disconnected_at_the_timeout(
        pinging: tuple[str, socketio.AsyncServer, list[tuple[str, Any]]]) -> None:
    url, sio, gone = pinging
    raw = await RawClient.connect(url)  # answers nothing
    try:
        t0 = time.monotonic()
        assert await asyncio.wait_for(raw.frame(), 5 * INTERVAL) == (0x1, b"2")  # PING
        await wait_until(lambda: len(gone) == 1, 10)
        # Engine.IO's limit: the interval, then the timeout (checked at a timeout's pace).
        assert time.monotonic() - t0 < INTERVAL + 3 * TIMEOUT + 1.0
        assert gone[0][1] in (sio.reason.PING_TIMEOUT, sio.reason.TRANSPORT_CLOSE)
        await wait_until(lambda: not sio.eio.sockets, 10)
        # And the websocket itself is closed, not left half open.
        frames = []
        while True:
            try:
                frames.append(await asyncio.wait_for(raw.frame(), 5))
            except asyncio.IncompleteReadError:
                break
        assert frames[-1][0] == 0x8  # a close frame, then end of stream
    finally:
        raw.writer.close()


class FakeSocket:
    """What send_ping reads and writes on an Engine.IO socket."""

    def __init__(self, queue: Any, *, closing: bool = False, closed: bool = False) -> None:
        self.queue, self.closing, self.closed = queue, closing, closed
        self.last_ping: float | None = None
        self.server = self  # send_ping logs a failure on `socket.server.logger`
        self.logger = logging.getLogger(__name__)


class StampingQueue(asyncio.Queue[Any]):
    """Engine.IO's own queue (a socket not on the fast path), noting the loop time of each put."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def put_nowait(self, item: Any) -> None:
        self.at.append(asyncio.get_running_loop().time())
        super().put_nowait(item)


async def test_the_timer_pings_what_is_due_in_order_and_skips_closed_sockets() -> None:
    timer = PingTimer(0.05)
    flusher = Flusher()
    transports = [FakeTransport() for _ in range(3)]
    live = [FakeSocket(Outbox(t, flusher, 1 << 20, lambda: None)) for t in transports[:2]]
    closed = FakeSocket(Outbox(transports[2], flusher, 1 << 20, lambda: None), closed=True)
    queued = FakeSocket(StampingQueue())
    scheduled = asyncio.get_running_loop().time()
    for s in (*live, closed, queued):
        timer.schedule(s)
    assert len(timer) == 4
    await asyncio.sleep(0)
    assert all(s.last_ping is None for s in live)  # nothing at once
    await wait_until(lambda: len(timer) == 0, 2)
    await asyncio.sleep(0)  # the flusher's tick
    assert queued.queue.at[0] - scheduled >= 0.05 - 0.01  # not before its time
    assert [t.writes for t in transports[:2]] == [[PING_FRAME]] * 2
    assert parse(PING_FRAME) == [(WSMsgType.TEXT, "2", None)]
    assert transports[2].writes == [] and closed.last_ping is None
    assert all(s.last_ping is not None for s in (*live, queued))
    pkt = queued.queue.get_nowait()
    assert (pkt.packet_type, pkt.data) == (eio_packet.PING, None)


async def test_one_failing_socket_does_not_stop_the_others_pings() -> None:
    class Broken:
        def put_nowait(self, _: object) -> None:
            raise RuntimeError("boom")

    timer = PingTimer(0.01)
    broken, fine = FakeSocket(Broken()), FakeSocket(asyncio.Queue())
    timer.schedule(broken)
    timer.schedule(fine)
    await wait_until(lambda: len(timer) == 0, 2)
    assert fine.last_ping is not None and fine.queue.qsize() == 1
    # Scheduled again later, the timer still runs.
    timer.schedule(fine)
    await wait_until(lambda: fine.queue.qsize() == 2, 2)


def test_send_ping_is_engineio_send_ping_after_its_sleep() -> None:
    q: asyncio.Queue[Any] = asyncio.Queue()
    sock = FakeSocket(q, closing=True)
    send_ping(sock)
    assert q.empty() and sock.last_ping is None  # a closing socket is not pinged
    sock.closing = False
    before = time.time()
    send_ping(sock)
    assert sock.last_ping is not None and before <= sock.last_ping <= time.time()


async def test_the_sweep_ends_only_the_connections_silent_past_the_limit() -> None:
    silence = Silence(limit=0.2, period=0.05, grace=0.1)
    flusher = Flusher()
    quiet_t, talking_t = FakeTransport(), FakeTransport()
    quiet = Outbox(quiet_t, flusher, 1 << 20, lambda: None)  # type: ignore[arg-type]
    talking = Outbox(talking_t, flusher, 1 << 20, lambda: None)  # type: ignore[arg-type]
    silence.watch(quiet)
    silence.watch(talking)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    while not quiet.closed:
        talking.seen_at = loop.time()  # a message arrived
        assert loop.time() - t0 < 2
        await asyncio.sleep(0.01)
    assert loop.time() - t0 >= 0.2  # not before the limit
    assert parse(quiet_t.writes[-1])[-1][0] == WSMsgType.CLOSE and quiet_t.closing
    assert not talking.closed and len(silence) == 1
    await wait_until(lambda: quiet_t.aborted, 2)  # it did not read: aborted after the grace
    silence.forget(talking)
    assert len(silence) == 0
