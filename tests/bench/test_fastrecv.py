"""The fan-out generator's C receive path counts exactly what its Python path counts.

Both parsers of bench/fanout_load.py read the same byte stream (deliveries with duplicates and
reordering, acks, pings, a non-delivery event, a close frame, cut at arbitrary points) in two
steps; received, duplicates, reordering, latencies, acks and pings must agree. The C file is
built with the machine's compiler (the CI machine has gcc)."""

from __future__ import annotations

import asyncio
import base64
import random
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import fanout_load as fl  # noqa: E402
import fastrecv  # noqa: E402

pytestmark = pytest.mark.skipif(fastrecv.load() is None, reason="no C compiler")


class Wire:
    """A transport that keeps what the generator writes."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)


def frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


def delivery(sender: int, counter: int, scheduled: int, body: str) -> bytes:
    header = base64.b64encode(fl.HEADER.pack(sender, counter, scheduled)).decode()
    return frame(f'42["room.message",{{"room":"r","seq":1,"kind":"bench","header":"{header}",'
                 f'"body":"{body}"}}]'.encode())


def stream(rng: random.Random, step: int, now: int) -> dict[int, bytes]:
    """Per recipient, one step's bytes."""
    out: dict[int, bytes] = {}
    for recipient in range(3):
        frames = [frame(b"2"), frame(b'43' + str(recipient + 1).encode() + b'[{"ok":true}]')]
        items = [(s, c) for s in range(4) if s != recipient
                 for c in range(step * 40, step * 40 + 40)]
        rng.shuffle(items[:30])  # some reordering
        items[5:5] = items[10:13]  # duplicates in the step
        if step:
            items.append((recipient - 1 if recipient else 1, 3))  # one from the earlier step
        for s, c in items:
            size = rng.choice((10, 200, 70000))
            frames.append(delivery(s, c, now - rng.randrange(10**6, 10**8), "x" * size))
        frames.append(frame(b'42["presence",{"room":"r"}]'))
        frames.append(frame(struct.pack("!H", 4008) + b"slow_consumer", opcode=8))
        out[recipient] = b"".join(frames)
    return out


async def run_both() -> tuple[list[Any], list[Any]]:
    rng = random.Random(7)
    results: list[list[Any]] = [[], []]
    for which, python in enumerate((True, False)):
        rng.seed(7)
        gen = fl.Generator({"body": 16, "python_parser": python})
        assert gen.parser == ("python" if python else "c")
        conns = [fl.Conn(gen, i) for i in range(3)]
        wires = [Wire() for _ in conns]
        for conn, wire in zip(conns, wires, strict=True):
            conn.upgraded = True
            conn.transport = wire  # type: ignore[assignment]
            conn.calls[conn.index + 1] = asyncio.get_running_loop().create_future()
        gen.conns = [*conns, fl.Conn(gen, 3)]  # a sender that receives nothing here
        for step in range(2):
            gen.reset()
            now = fl.time.monotonic_ns()
            for recipient, data in stream(rng, step, now).items():
                pos = 0
                while pos < len(data):
                    cut = pos + rng.choice((1, 2, 3, 500, 4096, 65536, 200000))
                    conns[recipient].data_received(data[pos:cut])
                    pos = cut
            if gen.sink is not None:
                r, d, o, lat = gen.sink.finish(len(gen.conns))
                gen.received += r
                gen.duplicates += d
                gen.reordered += o
                gen.latencies.frombytes(lat.astype("float32").tobytes())
            results[which].append((gen.received, gen.duplicates, gen.reordered,
                                   sorted(gen.latencies),
                                   [c.calls.get(c.index + 1) is None for c in conns],
                                   [w.sent.count(fl.client_frame(b"3")) for w in wires],
                                   sorted(gen.closes)))
            for conn in conns:
                conn.calls[conn.index + 1] = asyncio.get_running_loop().create_future()
    return results[0], results[1]


async def test_the_c_parser_counts_what_the_python_parser_counts() -> None:
    python, c = await run_both()
    for p_step, c_step in zip(python, c, strict=True):
        p_lat, c_lat = p_step[3], c_step[3]
        assert len(p_lat) == len(c_lat)
        # latency = (receive time - scheduled): the two runs read at different moments
        assert max(abs(a - b) for a, b in zip(p_lat, c_lat, strict=True)) < 50
        assert p_step[:3] + p_step[4:] == c_step[:3] + c_step[4:]
    received, duplicates, reordered = python[0][:3]
    assert received == 3 * 3 * 40 and duplicates == 9 and reordered > 0
    assert python[1][1] > duplicates  # the earlier step's counter came again: a duplicate
