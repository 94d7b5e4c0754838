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
OTHER_CAP = 256


def load() -> tuple[Any, Any] | None:
    """The compiled `parse` (for bytes, for an address), or None where no C compiler is
    found."""
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
    dll = ctypes.CDLL(str(lib))
    on_bytes, on_address = dll["parse_state"], dll["parse_state"]  # bytes pass as they are
    on_bytes.restype = on_address.restype = ctypes.c_size_t
    on_bytes.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p]
    on_address.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    return on_bytes, on_address


class State(ctypes.Structure):
    """`struct state` of bench/fastrecv.c."""

    _fields_ = [("recipient", ctypes.c_int64), ("rec", ctypes.c_void_p),
                ("rec_cap", ctypes.c_size_t), ("rec_n", ctypes.c_size_t),
                ("other", ctypes.c_void_p), ("other_cap", ctypes.c_size_t),
                ("other_n", ctypes.c_size_t)]


class Sink:
    """The records of the current step and what earlier steps of the run saw."""

    def __init__(self, parse: tuple[Any, Any], capacity: int = 1 << 20) -> None:
        self._on_bytes, self._on_address = parse
        self.rec = np.empty((capacity, 4), dtype=np.int64)
        self.other = np.empty((OTHER_CAP, 3), dtype=np.int64)
        self.state = State(0, self.rec.ctypes.data, capacity, 0, self.other.ctypes.data,
                           OTHER_CAP, 0)
        self._ref = ctypes.addressof(self.state)
        self._last: np.ndarray | None = None  # per (recipient, sender): largest counter so far
        self._seen = np.empty(0, dtype=np.int64)  # sorted keys of every earlier step

    @property
    def n(self) -> int:
        """Records of the current step so far."""
        return int(self.state.rec_n)

    def parse(self, data: bytes | bytearray, recipient: int
              ) -> tuple[int, list[tuple[int, int, int]]]:
        """Walk the complete frames of `data`: deliveries become records; returns the bytes
        consumed and the other frames as (offset, length, opcode). A bytes object is read in
        place; a bytearray is pinned while it is read (the caller resizes it afterwards)."""
        st = self.state
        st.recipient = recipient
        if isinstance(data, bytes):
            used = self._on_bytes(data, len(data), self._ref)
            if st.other_n == 0 and st.rec_n < st.rec_cap:
                return used, []  # the usual case, kept short
            anchor = None
        else:
            anchor = ctypes.c_char.from_buffer(data)  # the caller never passes it empty
            used = self._on_address(ctypes.addressof(anchor), len(data), self._ref)
        others: list[tuple[int, int, int]] = []
        pos, size = 0, len(data)
        while True:
            k = st.other_n
            if k:
                others += [(pos + off, length, opcode)
                           for off, length, opcode in self.other[:k].tolist()]
            pos += used
            full = st.rec_n == st.rec_cap
            if pos >= size or not (full or k == OTHER_CAP):
                break  # stopped at an incomplete frame or the end, not at a full output
            if full:
                self.rec = np.concatenate([self.rec, np.empty_like(self.rec)])
                st.rec, st.rec_cap = self.rec.ctypes.data, len(self.rec)
            if anchor is None:
                used = self._on_bytes(data[pos:], size - pos, self._ref)
            else:
                used = self._on_address(ctypes.addressof(anchor) + pos, size - pos, self._ref)
        del anchor  # let a bytearray be resized again
        return pos, others

    def finish(self, conns: int) -> tuple[int, int, int, np.ndarray]:
        """(received, duplicates, reordered, latencies in ms) of the records since the last
        call, which are then forgotten (what they saw is kept for duplicates and order)."""
        r = self.rec[:self.n]
        self.state.rec_n = 0
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
