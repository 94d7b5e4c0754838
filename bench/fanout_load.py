"""The load generator of bench/fanout_bench.py: raw Engine.IO v4 / Socket.IO v5 over websockets
on plain asyncio protocols (no socketio.AsyncClient), light enough not to be the bottleneck.

    python bench/fanout_load.py SPEC.json      (prints one JSON result line; run by the bench)

Each connection does the relay's real handshake (Iltapiiri: `hello`, Ed25519-signed `auth`,
`group.join`; Socket.IO baselines: `group.join`; the websocket baseline: a URL per room), then
the senders send `room.send` with an ack id at a fixed offered rate (open loop: a ticker sends
what is due; the scheduled send time travels in the envelope header, so queueing delay counts).
Every delivery is parsed without a JSON decoder (the header is found by its key) and counted
per recipient and sender: latency from the scheduled send, reach, duplicates, reordering. The
generator's own CPU is measured per step; the bench rejects a step where it saturated.

    header (18 bytes, base64 in the envelope) = sender u32 | counter u32 | scheduled ns u64 | 0 u16
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import sys
import time
from array import array
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import fastrecv  # noqa: E402
from fastrecv import Sink  # noqa: E402

HEADER = struct.Struct("!IIQxx")
KEY = b'"header":"'
WS_KEY = base64.b64encode(b"iltapiiri-bench!").decode()


def client_frame(text: bytes) -> bytes:
    """A masked client text frame (zero mask key: the payload bytes stay as they are)."""
    n = len(text)
    if n < 126:
        head = bytes((0x81, 0x80 | n))
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 0xFE, n)
    else:
        head = struct.pack("!BBQ", 0x81, 0xFF, n)
    return head + b"\0\0\0\0" + text


class Conn(asyncio.Protocol):
    """One websocket connection: frame parsing, Engine.IO pings, acks, deliveries."""

    def __init__(self, gen: Generator, index: int) -> None:
        self.gen, self.index = gen, index
        self.buf = bytearray()
        self.upgraded = False
        self.ready = asyncio.get_running_loop().create_future()
        self.calls: dict[int, asyncio.Future[Any]] = {}
        self.next_id = 0
        self.transport: asyncio.Transport | None = None
        self.seen: dict[int, bytearray] = {}
        self.last: dict[int, int] = {}
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (uvloop's is no asyncio.Transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.gen.lost += 1
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed during the handshake"))

    def send(self, text: str | bytes) -> None:
        assert self.transport is not None
        self.transport.write(client_frame(text.encode() if isinstance(text, str) else text))

    def data_received(self, data: bytes) -> None:
        sink = self.gen.sink
        if sink is not None and self.upgraded and not self.buf:
            pos = self.fast(sink, data)  # the usual case: read in place, nothing copied
            if pos < len(data):
                self.buf += data[pos:]
            return
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buf[:60]).decode("latin-1")))
                return
            del buf[:end + 4]
            self.upgraded = True
        if sink is not None:
            if buf:
                pos = self.fast(sink, buf)
                if pos:
                    del buf[:pos]
            return
        pos, size = 0, len(buf)
        while size - pos >= 2:
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n, head = (buf[pos + 2] << 8) | buf[pos + 3], 4
            elif n == 127:
                if size - pos < 10:
                    break
                n, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if size - pos < head + n:
                break
            opcode = buf[pos] & 0x0F
            payload = bytes(buf[pos + head:pos + head + n])
            pos += head + n
            if opcode in (1, 2):
                self.message(payload)
            elif opcode == 8:
                self.gen.closes.append(payload[2:].decode(errors="replace"))
        if pos:
            del buf[:pos]

    def fast(self, sink: Sink, buf: bytes | bytearray) -> int:
        """The C parser's walk (bench/fastrecv.py): deliveries become records, every other
        frame is handled here as by the Python walk; the bytes consumed."""
        pos, others = sink.parse(buf, self.index)
        for off, n, opcode in others:
            if opcode in (1, 2):
                self.message(bytes(buf[off:off + n]))
            elif opcode == 8:
                self.gen.closes.append(bytes(buf[off + 2:off + n]).decode(errors="replace"))
        return pos

    def message(self, p: bytes) -> None:
        if p.startswith(b"42"):
            at = p.find(KEY)
            if at >= 0:
                self.delivery(base64.b64decode(p[at + 10:at + 34]))
            return
        if p.startswith(b"43"):
            end = p.index(b"[")
            future = self.calls.pop(int(p[2:end]), None)
            if future is not None and not future.done():
                future.set_result(json.loads(p[end:])[0])
            elif b'"ok":false' in p:
                self.gen.refused += 1
            return
        if p == b"2":
            self.send(b"3")
        elif p.startswith(b"0{"):
            self.send(b"40")
        elif p.startswith((b"40", b"{")) and not self.ready.done():  # "{": the ws relay
            self.ready.set_result(None)

    def delivery(self, header: bytes) -> None:
        sender, counter, scheduled, = HEADER.unpack(header)
        gen = self.gen
        gen.latencies.append((time.monotonic_ns() - scheduled) / 1e6)
        seen = self.seen.get(sender)
        if seen is None:
            seen = self.seen[sender] = bytearray(4096)
        if counter >= len(seen):
            seen.extend(bytes(counter - len(seen) + 4096))
        if seen[counter]:
            gen.duplicates += 1
            return
        seen[counter] = 1
        gen.received += 1
        if counter < self.last.get(sender, -1):
            gen.reordered += 1
        else:
            self.last[sender] = counter

    async def call(self, event: str, data: Any, timeout: float = 120) -> Any:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.calls[self.next_id] = future
        self.send(f'42{self.next_id}{json.dumps([event, data], separators=(",", ":"))}')
        return await asyncio.wait_for(future, timeout)


class Generator:
    """All connections of one run and the counters of the current step."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.conns: list[Conn] = []
        self.rooms: list[str] = []  # per connection
        self.latencies = array("f")
        self.received = self.duplicates = self.reordered = self.refused = self.lost = 0
        self.closes: list[str] = []
        self.counters: dict[int, int] = {}
        parse = None if spec.get("python_parser") else fastrecv.load()
        self.sink = Sink(parse) if parse is not None else None
        self.parser = "python" if self.sink is None else "c"
        body = base64.b64encode(os.urandom(spec.get("body", 1024))).decode()
        commitment = base64.b64encode(os.urandom(32)).decode()
        self.tail = f'","body":"{body}","commitment":"{commitment}"}}]'.encode()

    async def open(self, index: int, url: str) -> Conn:
        host, port = url.removeprefix("http://").split(":")
        path = self.spec.get("path", "/socket.io/?EIO=4&transport=websocket")
        loop = asyncio.get_running_loop()
        transport, conn = await loop.create_connection(lambda: Conn(self, index), host,
                                                       int(port))
        transport.write((f"GET {path.format(room=index)} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                         ).encode())
        await asyncio.wait_for(conn.ready, 120)
        return conn

    async def handshake(self, conn: Conn, group: str) -> str:
        kind = self.spec["kind"]
        if kind == "iltapiiri":
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            from e2ee.identity import auth_message
            key = Ed25519PrivateKey.generate()
            pub = key.public_key().public_bytes_raw()
            hello = await conn.call("hello", {})
            challenge = base64.b64decode(hello["challenge"])
            reply = await conn.call("auth", {
                "identity_key": base64.b64encode(pub).decode(),
                "signature": base64.b64encode(key.sign(auth_message(
                    challenge, pub, base64.b64decode(hello["server_key"])))).decode()})
            if not reply.get("ok"):
                raise RuntimeError(f"auth refused: {reply}")
        if kind == "ws" or self.spec.get("idle"):
            return group
        joined = await conn.call("group.join", {"group_id": group})
        if not joined.get("ok"):
            raise RuntimeError(f"join refused: {joined}")
        return str(joined["room"])

    async def connect_all(self, count: int, offset: int = 0) -> None:
        urls, groups = self.spec["urls"], self.spec["groups"]
        per_room = self.spec.get("members", count)
        gate = asyncio.Semaphore(100)

        async def one(i: int) -> tuple[Conn, str]:
            async with gate:
                group = groups[(i // per_room) % len(groups)]
                if self.spec["kind"] == "ws":
                    self.spec["path"] = f"/ws?room={group}"
                conn = await self.open(i, urls[i % len(urls)])
                return conn, await self.handshake(conn, group)

        done = await asyncio.gather(*(one(offset + i) for i in range(count)))
        self.conns += [c for c, _ in done]
        self.rooms += [r for _, r in done]

    def reset(self) -> None:
        self.latencies = array("f")
        self.received = self.duplicates = self.reordered = self.refused = 0

    async def step(self, rate: float, seconds: float, senders: list[int]) -> dict[str, Any]:
        """Send at `rate` envelopes/s (round-robin over `senders`) for `seconds`, then drain."""
        self.reset()
        loop = asyncio.get_running_loop()
        room_size: dict[str, int] = {}
        for i, room in enumerate(self.rooms):
            if not self.spec.get("slow") or i not in self.spec["slow"]:
                room_size[room] = room_size.get(room, 0) + 1
        for s in senders:
            self.counters.setdefault(s, 0)
        rests = [f'["room.send",{{"room":"{self.rooms[s]}","kind":"bench","header":"'.encode()
                 for s in senders]
        counters = self.counters  # per sender index, never reset (they identify envelopes)
        expected = sent = 0
        cpu0, server0 = time.process_time(), server_cpu(self.spec["pids"])
        start = time.monotonic_ns()
        period = 1e9 / rate
        while True:
            now = time.monotonic_ns()
            if now - start >= seconds * 1e9:
                break
            due = min(int((now - start) / period) + 1, int(seconds * rate))
            while sent < due:
                k = sent % len(senders)
                conn = self.conns[senders[k]]
                if not conn.closed:
                    conn.next_id += 1
                    s = senders[k]
                    header = HEADER.pack(s, counters[s], start + int(sent * period))
                    conn.send(b"42" + str(conn.next_id).encode() + rests[k]
                              + base64.b64encode(header) + self.tail)
                    counters[s] += 1
                    expected += room_size[self.rooms[senders[k]]] - 1
                sent += 1
            await asyncio.sleep(0.001)
        send_s = (time.monotonic_ns() - start) / 1e9
        deadline = loop.time() + self.spec.get("drain", 3.0)
        sink = self.sink
        while self.received + (sink.n if sink else 0) < expected and loop.time() < deadline:
            await asyncio.sleep(0.01)
        wall = (time.monotonic_ns() - start) / 1e9
        generator_cpu = (time.process_time() - cpu0) / wall
        server_s = server_cpu(self.spec["pids"]) - server0
        if sink is not None:  # the records' bookkeeping, after the step's measured window
            received, duplicates, reordered, latencies = sink.finish(len(self.conns))
            self.received += received
            self.duplicates += duplicates
            self.reordered += reordered
            self.latencies.frombytes(latencies.astype("float32").tobytes())
        lat = sorted(self.latencies)

        def pct(q: float) -> float:
            return float(lat[min(len(lat) - 1, int(q / 100 * len(lat)))]) if lat else float("nan")

        return {"rate": rate, "sent": sent, "send_s": send_s, "expected": expected,
                "received": self.received, "duplicates": self.duplicates,
                "reordered": self.reordered, "refused": self.refused,
                "deliveries_per_s": self.received / send_s,
                "p50": pct(50), "p99": pct(99), "p999": pct(99.9),
                "generator_cpu": generator_cpu, "server_cpu_s": server_s,
                "parser": self.parser}


def server_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes so far (schedstat run time over their threads)."""
    total = 0.0
    for pid in pids:
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[0]) / 1e9
        except OSError:
            pass
    return total


def rss_kb(pid: int) -> int:
    """Resident set size of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    gen = Generator(spec)
    if spec.get("idle"):
        pid, out, have = spec["pids"][0], [], 0
        await asyncio.sleep(1.0)
        base = rss_kb(pid)
        for level in spec["idle"]:
            await gen.connect_all(level - have, offset=have)
            have = level
            await asyncio.sleep(2.0)
            out.append({"connections": level, "rss_kb": rss_kb(pid), "base_kb": base,
                        "per_conn_kb": (rss_kb(pid) - base) / level})
        return {"idle": out, "lost": gen.lost}
    total = spec["members"] * len(spec["groups"])
    await gen.connect_all(total)
    slow = spec.get("slow", [])
    for i in slow:
        transport = gen.conns[i].transport
        assert transport is not None
        transport.pause_reading()
    senders = [i for i in range(total) if i not in slow]
    await asyncio.sleep(0.5)
    await gen.step(min(spec["rates"][0], 500), min(1.0, spec["seconds"]), senders)  # warm-up
    steps = []
    for rate in spec["rates"]:
        result = await gen.step(rate, spec["seconds"], senders)
        steps.append(result)
        print(json.dumps({"progress": result}), file=sys.stderr, flush=True)
        # Go on past p99 = 100 ms (a shared machine's queueing) while every delivery arrives:
        # the CPU cost per delivery at higher rates is the load-independent figure.
        if spec.get("ramp") and (result["p99"] > 2000 or result["generator_cpu"] > 0.9
                                 or result["received"] < 0.999 * result["expected"]):
            break
    return {"steps": steps, "lost": gen.lost, "closes": sorted(set(gen.closes))}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop
        result = uvloop.run(run(spec))
    except ImportError:
        result = asyncio.run(run(spec))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
