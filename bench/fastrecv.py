"""The load generator's receive side in C, with the bookkeeping done once per step in numpy.

At about 350,000 deliveries/s on one core the generator written in Python (bench/fanout_load.py:
a frame walk, a base64 decode and a dictionary walk per delivery, about 2 µs each) used 94-96 %
of its CPU and ended Iltapiiri's ramp before the relay did (docs/benchmarks.md, 2026-12-05).
Here `bench/fastrecv.c` walks the frames of a read and turns every delivery into one record
(recipient, sender, counter, latency ns) in a preallocated array; at the end of a step
`Sink.finish` counts received, duplicates and per-sender reordering from the records with the
same rules as the Python parser (`Conn.delivery`): a duplicate is an (recipient, sender,
counter) seen before in this run, and a delivery is reordered when its counter is below the
largest one its recipient had from that sender before.

The C file is compiled with the machine's `cc` into bench/.build/ (keyed by the source's hash);
without a compiler `load()` returns None and the generator stays on the Python parser.
"""

from __future__ import annotations

import ctypes
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "fastrecv.c"
BUILD = HERE / ".build"
P = ctypes.c_void_p
SIZE = ctypes.c_size_t
I64 = ctypes.c_int64
OTHER_CAP = 256


def load() -> Any | None:
    """The compiled `parse` function, or None where no C compiler is found."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    lib = BUILD / f"fastrecv-{digest}.so"
    if not lib.exists():
        BUILD.mkdir(exist_ok=True)
        tmp = lib.with_suffix(".tmp")
        subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(tmp), str(SOURCE)],
                       check=True, capture_output=True)
        tmp.replace(lib)
    parse = ctypes.CDLL(str(lib)).parse
    parse.restype = SIZE
    parse.argtypes = [P, SIZE, I64, I64, P, SIZE, ctypes.POINTER(SIZE), P, SIZE,
                      ctypes.POINTER(SIZE)]
    return parse


class Sink:
    """The records of the current step and what earlier steps of the run saw."""

    def __init__(self, parse: Any, capacity: int = 1 << 20) -> None:
        self._parse = parse
        self.rec = np.empty((capacity, 4), dtype=np.int64)
        self.n = 0
        self.other = np.empty((OTHER_CAP, 3), dtype=np.int64)
        self._rec_n, self._other_n = SIZE(), SIZE()
        self._last: np.ndarray | None = None  # per (recipient, sender): largest counter so far
        self._seen = np.empty(0, dtype=np.int64)  # sorted keys of every earlier step

    def parse(self, buf: bytearray, recipient: int, now_ns: int
              ) -> tuple[int, list[tuple[int, int, int]]]:
        """Walk the complete frames of `buf`: deliveries become records; returns the bytes
        consumed and the other frames as (offset, length, opcode)."""
        others: list[tuple[int, int, int]] = []
        pos = 0
        anchor = ctypes.c_char.from_buffer(buf)  # the caller keeps `buf` at least 1 byte long
        base = ctypes.addressof(anchor)
        try:
            while len(buf) > pos:
                if self.n == len(self.rec):
                    self.rec = np.concatenate([self.rec, np.empty_like(self.rec)])
                used = self._parse(base + pos, len(buf) - pos, recipient, now_ns,
                                   self.rec.ctypes.data + self.n * 32, len(self.rec) - self.n,
                                   ctypes.byref(self._rec_n), self.other.ctypes.data,
                                   OTHER_CAP, ctypes.byref(self._other_n))
                self.n += self._rec_n.value
                for off, length, opcode in self.other[:self._other_n.value].tolist():
                    others.append((pos + off, length, opcode))
                pos += used
                if self.n < len(self.rec) and self._other_n.value < OTHER_CAP:
                    break  # stopped at an incomplete frame or the end, not at a full output
        finally:
            del anchor  # let `buf` be resized again
        return pos, others

    def finish(self, conns: int) -> tuple[int, int, int, np.ndarray]:
        """(received, duplicates, reordered, latencies in ms) of the records since the last
        call, which are then forgotten (what they saw is kept for duplicates and order)."""
        r = self.rec[:self.n]
        self.n = 0
        if self._last is None or len(self._last) < conns * conns:
            last = np.full(conns * conns, -1, dtype=np.int64)
            if self._last is not None:
                last[:len(self._last)] = self._last
            self._last = last
        if not len(r):
            return 0, 0, 0, np.empty(0)
        pair = r[:, 0] * conns + r[:, 1]
        counter = r[:, 2]
        latencies = r[:, 3] / 1e6
        key = (pair << 32) | counter
        order = np.argsort(key, kind="stable")
        ks = key[order]
        first = np.ones(len(ks), dtype=bool)
        first[1:] = ks[1:] != ks[:-1]
        if len(self._seen):
            at = np.minimum(np.searchsorted(self._seen, ks), len(self._seen) - 1)
            first &= self._seen[at] != ks
        new = np.empty(len(ks), dtype=bool)
        new[order] = first
        duplicates = int(len(ks) - first.sum())
        self._seen = np.union1d(self._seen, ks[first])
        # Reordering among the new deliveries, in arrival order per (recipient, sender).
        p, c = pair[new], counter[new]
        o = np.argsort(p, kind="stable")
        p, c = p[o], c[o]
        big = np.int64(1) << 32
        v = p * big + c
        running = np.maximum.accumulate(v)  # groups ascend, so a maximum stays in its group
        start = np.ones(len(p), dtype=bool)
        start[1:] = p[1:] != p[:-1]
        before = np.empty(len(p), dtype=np.int64)
        before[1:] = running[:-1]
        floor = p * big + self._last[p]
        before[start] = floor[start]
        before = np.maximum(before, floor)
        reordered = int((v < before).sum())
        end = np.ones(len(p), dtype=bool)
        end[:-1] = start[1:]
        self._last[p[end]] = np.maximum(self._last[p[end]], running[end] - p[end] * big)
        return len(ks) - duplicates, duplicates, reordered, latencies
