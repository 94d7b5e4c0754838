"""server.api.outbox as pure logic: frame bytes (RFC 6455 layouts, checked by aiohttp's own frame
reader), one write per connection per tick, order kept, and the slow-consumer limit."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
from aiohttp import WSMsgType
from engineio import packet as eio_packet

from server.api.outbox import (
    BINARY,
    DROPPED_FRAME,
    SLOW_CONSUMER_CLOSE_CODE,
    Flusher,
    Outbox,
    close_frame,
    event_frame,
    packet_frame,
    ws_frame,
)


class FakeTransport:
    """Records writes; `buffered` stands for bytes the kernel has not taken yet."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.buffered = 0
        self.closing = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.aborted = self.closing = True


def parse(data: bytes) -> list[tuple[Any, Any, Any]]:
    """Frames read by the RFC 6455 5.2 layout: (type, text/bytes/close code, close reason)."""
    out: list[tuple[Any, Any, Any]] = []
    i = 0
    while i < len(data):
        first, second = data[i], data[i + 1]
        assert first & 0x80 and not first & 0x70 and not second & 0x80  # FIN, no RSV, no mask
        n, i = second & 0x7F, i + 2
        if n == 126:
            (n,), i = struct.unpack("!H", data[i:i + 2]), i + 2
        elif n == 127:
            (n,), i = struct.unpack("!Q", data[i:i + 8]), i + 8
        payload, i = data[i:i + n], i + n
        opcode = first & 0x0F
        if opcode == 0x1:
            out.append((WSMsgType.TEXT, payload.decode(), None))
        elif opcode == 0x2:
            out.append((WSMsgType.BINARY, payload, None))
        else:
            assert opcode == 0x8
            out.append((WSMsgType.CLOSE, struct.unpack("!H", payload[:2])[0],
                        payload[2:].decode()))
    return out


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_frames_have_the_rfc_6455_length_layouts(size: int) -> None:
    payload = b"abcdefgh" * (size // 8) + b"z" * (size % 8)
    frame = ws_frame(payload)
    header = 2 if size < 126 else 4 if size < 65536 else 10
    assert len(frame) == header + size and frame[0] == 0x81
    assert (frame[1] & 0x80) == 0  # servers never mask
    [(kind, data, _)] = parse(frame)
    assert (kind, data) == (WSMsgType.TEXT, payload.decode())


def test_engineio_packets_keep_their_kind() -> None:
    [(kind, data, _)] = parse(packet_frame(eio_packet.Packet(eio_packet.MESSAGE, "2[\"x\"]")))
    assert (kind, data) == (WSMsgType.TEXT, '42["x"]')
    binary = packet_frame(eio_packet.Packet(eio_packet.MESSAGE, b"\x01\x02"))
    assert binary[0] == 0x80 | BINARY
    [(kind, data, _)] = parse(binary)
    assert (kind, data) == (WSMsgType.BINARY, b"\x01\x02")
    [(kind, data, extra)] = parse(close_frame(4008, "slow_consumer"))
    assert (kind, data, extra) == (WSMsgType.CLOSE, 4008, "slow_consumer")
    assert struct.unpack("!H", close_frame(1001, "")[2:4]) == (1001,)


async def test_one_write_per_connection_per_tick_in_push_order() -> None:
    flusher = Flusher()
    a, b = FakeTransport(), FakeTransport()
    box_a = Outbox(a, flusher, 1 << 20, lambda: None)  # type: ignore[arg-type]
    box_b = Outbox(b, flusher, 1 << 20, lambda: None)  # type: ignore[arg-type]
    frames = [event_frame(f'2["e",{i}]') for i in range(5)]
    for frame in frames:
        box_a.push(frame)
        box_b.push(frame)
    await box_a.put(eio_packet.Packet(eio_packet.PING))
    assert a.writes == [] and b.writes == []  # nothing written inside the tick
    await asyncio.sleep(0)
    assert a.writes == [b"".join(frames) + packet_frame(eio_packet.Packet(eio_packet.PING))]
    assert b.writes == [b"".join(frames)]
    assert [d for _, d, _ in parse(a.writes[0])] == [f'42["e",{i}]' for i in range(5)] + ["2"]
    box_a.push(frames[0])
    await asyncio.sleep(0)
    assert len(a.writes) == 2 and len(b.writes) == 1


async def test_a_slow_consumer_is_dropped_at_the_limit_with_a_reason() -> None:
    flusher = Flusher()
    transport = FakeTransport()
    drops: list[bool] = []
    box = Outbox(transport, flusher, 1000, lambda: drops.append(True))  # type: ignore[arg-type]
    frame = event_frame("2" + '["e","' + "x" * 90 + '"]')
    box.push(frame)
    await asyncio.sleep(0)
    transport.buffered = 900  # the kernel is not taking the bytes
    box.push(frame)  # 900 + ~100 > 1000
    assert drops == [True] and box.closed and box.dropped and transport.closing
    assert transport.writes[-1] == DROPPED_FRAME + close_frame(SLOW_CONSUMER_CLOSE_CODE,
                                                               "slow_consumer")
    written = len(transport.writes)
    for _ in range(100):
        box.push(frame)  # nothing more is kept or written
    await asyncio.sleep(0)
    assert len(transport.writes) == written and box.qsize() == 0
    kinds = [(k, d) for k, d, _ in parse(transport.writes[-1])]
    assert kinds == [(WSMsgType.TEXT, '42["connection.dropped",{"reason":"slow_consumer"}]'),
                     (WSMsgType.CLOSE, 4008)]


async def test_stop_signal_flushes_then_closes() -> None:
    transport = FakeTransport()
    box = Outbox(transport, Flusher(), 1 << 20, lambda: None)  # type: ignore[arg-type]
    box.push(event_frame('2["last"]'))
    waiter = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    await box.put(None)
    await asyncio.wait_for(waiter, 1)
    assert [k for k, _, _ in parse(b"".join(transport.writes))] == [WSMsgType.TEXT,
                                                                    WSMsgType.CLOSE]
    assert transport.closing and repr(box) == "Outbox(pending=0, closed=True)"
