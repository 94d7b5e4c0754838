"""The fast fan-out (server.api.fanout + server.api.outbox) keeps python-socketio's behaviour: real
server, real python-socketio clients and a raw websocket client, on loopback.

A bare python-socketio app with the fast path installed covers the library features the relay
does not use (namespaces, server-to-client acks, binary attachments, reconnection); the live
Iltapiiri server covers order and exactly-once delivery, and the slow-reader policy."""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
from aiohttp import web

from server.api.fanout import FanoutManager, fast_path_supported, install
from server.api.outbox import Outbox
from server.app import SIO
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer, envelope, wait_until


def test_the_installed_libraries_are_the_tested_versions() -> None:
    # If this fails after an upgrade, the service silently runs the stock path: rerun this
    # file against the new versions, then add them to server.api.fanout.TESTED.
    assert fast_path_supported()


@pytest.fixture
async def bare() -> AsyncIterator[tuple[str, socketio.AsyncServer]]:
    """A python-socketio server on the fast path with a few handlers."""
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"],
                               client_manager=FanoutManager(), logger=False,
                               engineio_logger=False)
    install(sio, send_buffer_limit=1 << 20, grace_seconds=1.0)
    app = web.Application()
    sio.attach(app)

    @sio.on("join")
    async def join(sid: str, room: str) -> str:
        await sio.enter_room(sid, room)
        return "joined"

    @sio.on("say")
    async def say(sid: str, data: Any) -> None:
        await sio.emit("heard", data, to=data["room"], skip_sid=sid)

    @sio.on("blob")
    async def blob(sid: str, data: bytes) -> None:
        await sio.emit("blob", {"raw": data, "n": len(data)}, to="r")

    @sio.on("ask", namespace="/other")
    async def ask(sid: str, data: Any) -> Any:
        return await sio.call("question", data, to=sid, namespace="/other", timeout=5)

    @sio.on("*", namespace="/other")
    async def other_any(event: str, sid: str, data: Any) -> None:
        await sio.emit("echo", data, to=sid, namespace="/other")

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", sio
    await runner.cleanup()


async def client(url: str, namespaces: tuple[str, ...] = ("/", "/other"),
                 **kwargs: Any) -> socketio.AsyncClient:
    c = socketio.AsyncClient(**kwargs)
    await c.connect(url, transports=["websocket"], namespaces=list(namespaces))
    return c


async def test_rooms_acks_namespaces_and_binary_on_the_fast_path(
        bare: tuple[str, socketio.AsyncServer]) -> None:
    url, sio = bare
    a, b, c = [await client(url, reconnection=False) for _ in range(3)]
    heard: dict[str, list[Any]] = {"a": [], "b": [], "c": []}
    for name, cl in (("a", a), ("b", b), ("c", c)):
        cl.on("heard", lambda d, n=name: heard[n].append(d))
    try:
        assert all(type(s.queue) is Outbox for s in sio.eio.sockets.values())
        for cl in (a, b):
            assert await cl.call("join", "r") == "joined"
        for i in range(50):
            await a.emit("say", {"room": "r", "i": i})
        await wait_until(lambda: len(heard["b"]) == 50)
        assert [d["i"] for d in heard["b"]] == list(range(50))  # in order, once each
        assert heard["a"] == [] and heard["c"] == []  # skip_sid; not in the room
        # Binary attachments go the stock way and still arrive whole.
        blobs: list[Any] = []
        b.on("blob", lambda d: blobs.append(d))
        await a.emit("blob", b"\x00\xff" * 1000)
        await wait_until(lambda: len(blobs) == 1)
        assert blobs[0] == {"raw": b"\x00\xff" * 1000, "n": 2000}
        # Another namespace, and a server-to-client call with an ack inside a client call.
        c.on("question", lambda d: {"answer": d["q"] * 2}, namespace="/other")
        assert await c.call("ask", {"q": 21}, namespace="/other") == {"answer": 42}
        echoed: list[Any] = []
        c.on("echo", lambda d: echoed.append(d), namespace="/other")
        await c.emit("anything", [1, 2], namespace="/other")
        await wait_until(lambda: echoed == [[1, 2]])
    finally:
        for cl in (a, b, c):
            await cl.disconnect()
    await wait_until(lambda: not sio.eio.sockets)


async def test_disconnect_from_either_side_and_reconnection(
        bare: tuple[str, socketio.AsyncServer]) -> None:
    url, sio = bare
    cl = await client(url, ("/",), reconnection=True, reconnection_delay=0.1,
                      reconnection_delay_max=0.2)
    try:
        first = cl.get_sid()
        # A transport drop (as at a server restart) makes the client come back by itself.
        for sock in list(sio.eio.sockets.values()):
            await sock.close(wait=False, abort=True)
            await sock.queue.put(None)
        await wait_until(lambda: cl.connected and cl.get_sid() not in (None, first), 10)
        assert await cl.call("join", "r") == "joined"
        # A server-side disconnect is told to the client, which stays away.
        gone = asyncio.Event()
        cl.on("disconnect", lambda *_: gone.set())
        await sio.disconnect(cl.get_sid())
        await asyncio.wait_for(gone.wait(), 5)
        await wait_until(lambda: not sio.eio.sockets)
    finally:
        await cl.disconnect()


class RawClient:
    """A websocket-level Socket.IO client that can stop reading (small receive buffer)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, url: str) -> RawClient:
        host, port = url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 22)
        key = base64.b64encode(b"0123456789abcdef").decode()
        writer.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        await reader.readuntil(b"\r\n\r\n")
        raw = cls(reader, writer)
        assert (await raw.frame())[1].startswith(b"0{")  # Engine.IO OPEN
        raw.send("40")
        assert (await raw.frame())[1].startswith(b"40{")  # Socket.IO CONNECT
        return raw

    def send(self, text: str) -> None:
        data = text.encode()
        assert len(data) < 126
        self.writer.write(bytes((0x81, 0x80 | len(data))) + b"\0\0\0\0" + data)

    async def frame(self) -> tuple[int, bytes]:
        first, n = await self.reader.readexactly(2)
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(n)


async def test_a_reader_that_stops_is_dropped_with_a_reason_and_the_room_goes_on(
        live_server_factory: LiveServerFactory) -> None:
    live_server = await live_server_factory(send_rate=100_000, send_burst=100_000)
    services = live_server.services
    sender = await Peer.connect(live_server.url, "Nopea Lahettaja")
    other = await Peer.connect(live_server.url, "Nopea Kuulija")
    room = (await sender.call("group.join", {"group_id": "open"}))["room"]
    assert (await other.call("group.join", {"group_id": "open"}))["ok"]
    stuck = await RawClient.connect(live_server.url)
    sio = live_server.app[SIO]
    stuck_socket = next(s for s in sio.eio.sockets.values()
                        if s.sid not in (sender.sio.eio.sid, other.sio.eio.sid))
    # Put the stuck connection in the room's Socket.IO room, as `group.join` would.
    sid = sio.manager.sid_from_eio_sid(stuck_socket.sid, "/")
    await sio.enter_room(sid, room)
    before = services.metrics.connections
    body = b"x" * 60_000
    sent = 0
    while not stuck_socket.queue.dropped and sent < 2000:
        assert (await sender.call("room.send", {"room": room, **envelope(body)}))["ok"]
        sent += 1
        buffered = stuck_socket.queue._transport.get_write_buffer_size()
        assert buffered <= (1 << 20) + 100_000  # never past the limit (+ one frame)
    assert stuck_socket.queue.dropped
    await wait_until(lambda: services.metrics.connections == before - 1)
    # The others were served all along, in order.
    got = [await other.next("room.envelope") for _ in range(sent)]
    assert [g["seq"] for g in got] == sorted(g["seq"] for g in got) and len(got) == sent
    # When it reads again it finds, after what was buffered, the reason.
    frames = []
    while True:
        opcode, payload = await asyncio.wait_for(stuck.frame(), 10)
        frames.append((opcode, payload))
        if opcode == 0x8:
            break
    assert frames[-2] == (0x1, b'42["connection.dropped",{"reason":"slow_consumer"}]')
    assert struct.unpack("!H", frames[-1][1][:2]) == (4008,)
    assert frames[-1][1][2:] == b"slow_consumer"
    stuck.writer.close()
    assert (await sender.call("room.send", {"room": room, **envelope(b"after")}))["ok"]
    assert (await other.next("room.envelope"))["body"] == base64.b64encode(b"after").decode()
    await sender.close()
    await other.close()


@pytest.mark.parametrize(("namespace", "args"), [
    ("/", [{"room": "open/2026-12-03", "seq": 7, "body": "QUJD", "ä": "ö\u2028"}]),
    ("/other", [1, [2, {"x": None}], "three"]),
    ("/", []),
])
def test_direct_encoding_is_what_python_socketio_writes(namespace: str, args: list[Any]) -> None:
    from socketio import packet as sio_packet

    from server.api.fanout import _encode_event

    class Server:
        packet_class = sio_packet.Packet

    class Manager:
        server = Server()

    ours = _encode_event(Manager(), "room.envelope", args, namespace)  # type: ignore[arg-type]
    theirs = sio_packet.Packet(sio_packet.EVENT, namespace=namespace,
                               data=["room.envelope", *args]).encode()
    assert ours == theirs
    assert _encode_event(Manager(), "blob", [{"raw": b"\x00"}], "/") is None  # type: ignore[arg-type]


async def test_a_room_emit_on_redis_is_encoded_once_into_the_stock_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """FanoutRedisManager.emit: one JSON encoding of the arguments serves the local packet and
    the published message (the stock path walked them for binary data and encoded them twice),
    and what is published decodes to python-socketio's own message, host id first."""
    import json

    from socketio import packet as sio_packet

    from server.api.fanout import FanoutRedisManager

    encodings = []

    class CountingJson:
        loads = staticmethod(json.loads)

        @staticmethod
        def dumps(obj: Any, **kwargs: Any) -> str:
            text = json.dumps(obj, **kwargs)
            if len(text) > 1000:  # the envelope's arguments (alone or inside the message)
                encodings.append(text)
            return text

    walks = []
    stock_walk = sio_packet.Packet.data_is_binary
    monkeypatch.setattr(sio_packet.Packet, "data_is_binary",
                        classmethod(lambda cls, data: walks.append(1) or stock_walk(data)))
    monkeypatch.setattr(sio_packet.Packet, "json", CountingJson)
    manager = FanoutRedisManager("redis://127.0.0.1:1/0")  # nothing is sent to Redis here
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager, logger=False)
    assert sio.manager is manager
    manager.json = CountingJson
    manager._own_prefix = manager._message_prefix(manager.host_id)  # as initialize() does
    published: list[tuple[str, str]] = []
    monkeypatch.setattr(manager, "_queue", lambda channel, text: published.append((channel, text)))
    manager.basic_enter_room("sid-1", "/", "open/2026-12-03", eio_sid="eio-1")  # a local member
    push = {"room": "open/2026-12-03", "seq": 7, "body": "QUJD" * 300, "ä": "ö\u2028"}

    await manager.emit("room.envelope", push, namespace="/", room="open/2026-12-03",
                       skip_sid="sid-2")

    assert len(encodings) == 1 and not walks
    [(channel, text)] = published
    assert channel == manager.room_channel("/", "open/2026-12-03")
    assert text.encode().startswith(manager._own_prefix)  # `_listen` skips it by this prefix
    stock = {"host_id": manager.host_id, "method": "emit", "event": "room.envelope",
             "data": [push], "binary": False, "namespace": "/", "room": "open/2026-12-03",
             "skip_sid": "sid-2", "callback": None}
    assert json.loads(text) == stock and list(json.loads(text)) == list(stock)


def test_a_published_room_emit_is_read_into_the_packet_without_decoding_it() -> None:
    """emit_parts (FanoutRedisManager._listen): a room emit from another process becomes the
    local Socket.IO packet from its text, the packet python-socketio would encode from the
    decoded message; anything it cannot read so (binary, an ack, several rooms) goes the stock
    way (None)."""
    import json

    from socketio import packet as sio_packet

    from server.api.fanout import emit_parts

    def stock_message(**over: Any) -> bytes:
        message = {"method": "emit", "event": "room.envelope", "data": [push], "binary": False,
                   "namespace": "/", "room": "open/2026-12-03", "skip_sid": "sid-2",
                   "callback": None, "host_id": "h1", **over}
        return json.dumps({"host_id": message["host_id"], **message}).encode()  # as _publish

    # a payload holding the very key sequence the reader looks for, and awkward strings
    push = {"room": "open/2026-12-03", "seq": 7, "body": 'Q", "binary": false, "namespace": ',
            "x": {"binary": False, "namespace": "/"}, "ä": "ö\u2028"}
    for namespace, args in (("/", [push]), ("/other", [push, 2, None]), ("/", [[]])):
        text = stock_message(namespace=namespace, data=args)
        parts = emit_parts(text)
        assert parts is not None
        packet, got_namespace, room, skip = parts
        theirs = sio_packet.Packet(sio_packet.EVENT, namespace=namespace,
                                   data=["room.envelope", *args]).encode()
        assert sio_packet.Packet(encoded_packet=packet).data == \
            sio_packet.Packet(encoded_packet=theirs).data
        assert packet.startswith(theirs[:theirs.index("[")])  # the namespace's prefix
        assert (got_namespace, room, skip) == (namespace, "open/2026-12-03", "sid-2")
    assert emit_parts(stock_message(skip_sid=["a", "b"]))[3] == ["a", "b"]  # type: ignore[index]
    assert emit_parts(stock_message(binary=True)) is None
    assert emit_parts(stock_message(callback=["open/2026-12-03", "/", 3])) is None
    assert emit_parts(stock_message(room=["r1", "r2"])) is None
    assert emit_parts(stock_message(method="enter_room")) is None
    assert emit_parts(b'{"host_id": "h1", "method": "emit", "event": ') is None
    assert emit_parts(b"\xff\xfe") is None
