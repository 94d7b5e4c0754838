"""Soak: a few hundred clients across rooms on two server processes on one Redis, for a bounded
time, every message counted: zero lost, zero duplicated, and the servers' memory flat.

Clients are the raw protocol client (tests/reliability/wire.py): opaque envelopes load the relay
exactly as ciphertext does, and hundreds of them fit in the test process. Each body carries
(sender, counter); every member must receive every other member's accepted envelopes exactly
once, with one sequence number each. A send the server never answers (the shared CI machine can
starve the test process past the 20 s call timeout) is counted apart: it must have reached all
of its room or none of it, and there may be at most one in a hundred.

`ILTAPIIRI_SOAK_SECONDS` sets the traffic time (default SOAK_SECONDS, for CI);
`ILTAPIIRI_SOAK_CLIENTS` the number of clients.

RSS bound ("flat"): after the warm-up (the first quarter of the traffic), neither server
process grows by more than RSS_FLAT_KIB up to the end of the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import socketio

from tests.fixtures.server import ServerProcess
from tests.reliability.conftest import open_group_toml, rss_kib, write_config
from tests.reliability.helpers import eventually, metrics
from tests.reliability.wire import RawPeer

SOAK_SECONDS = float(os.environ.get("ILTAPIIRI_SOAK_SECONDS", "90"))
CLIENTS = int(os.environ.get("ILTAPIIRI_SOAK_CLIENTS", "200"))
ROOM_SIZE = 20
SEND_EVERY_S = 6.0  # per client, jittered; far below the send rate
RSS_FLAT_KIB = 24 * 1024
BODY = struct.Struct(">II")  # sender index, counter
ROOMS = (CLIENTS + ROOM_SIZE - 1) // ROOM_SIZE
GROUPS = "".join(open_group_toml(f"soak{i}", capacity=ROOM_SIZE + 5) for i in range(ROOMS))


async def connect_all(urls: list[str]) -> list[RawPeer]:
    peers: list[RawPeer] = []
    for start in range(0, CLIENTS, 20):
        batch = [RawPeer(urls[i % len(urls)]) for i in range(start, min(start + 20, CLIENTS))]
        await asyncio.gather(*(p.connect() for p in batch))
        await asyncio.gather(*(p.login() for p in batch))
        peers += batch
    return peers


# Set-up (connecting and seating 200 clients) and tear-down take about a minute on a loaded
# machine, on top of the traffic time; the suite's default of 120 s is for ordinary tests.
@pytest.mark.timeout(SOAK_SECONDS + 240)
async def test_soak_counts_every_message(
        redis_url: str, server_process: Callable[..., ServerProcess], tmp_path: Path) -> None:
    config = write_config(tmp_path / "cfg", GROUPS)
    servers = [server_process(redis_url=redis_url, config=config) for _ in range(2)]
    pids = [s.proc.pid for s in servers if s.proc is not None]
    loop = asyncio.get_running_loop()
    started = loop.time()
    peers = await connect_all([s.url for s in servers])
    connected = loop.time() - started
    # The rooms fill at once, one member at a time in each.
    rooms = [""] * len(peers)
    for seat in range(ROOM_SIZE):
        members = range(seat * ROOMS, min((seat + 1) * ROOMS, len(peers)))
        for i, room in zip(members, await asyncio.gather(
                *(peers[i].join(f"soak{i % ROOMS}") for i in members)), strict=True):
            rooms[i] = room
    joined = loop.time() - started - connected
    await asyncio.sleep(2.0)  # the last membership pushes settle
    for peer in peers:
        peer.pushes["room.envelope"].clear()

    accepted: list[set[int]] = [set() for _ in peers]  # per sender: counters the server took
    refused: Counter[str] = Counter()
    in_doubt: set[tuple[int, int]] = set()
    stop = asyncio.Event()

    async def chatter(index: int) -> None:
        counter = 0
        await asyncio.sleep(random.uniform(0, SEND_EVERY_S))
        while not stop.is_set():
            try:
                reply = await peers[index].send_room(rooms[index], BODY.pack(index, counter))
            except socketio.exceptions.TimeoutError:
                in_doubt.add((index, counter))  # no answer: the server may or may not have it
                reply = {}
            if not reply:
                pass
            elif reply.get("ok") is True:
                accepted[index].add(counter)
            else:
                refused[str(reply.get("error"))] += 1
            counter += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(),
                                       SEND_EVERY_S * random.uniform(0.8, 1.2))

    rss: list[list[int]] = [[] for _ in pids]

    async def sample() -> None:
        while not stop.is_set():
            for n, pid in enumerate(pids):
                rss[n].append(rss_kib(pid))
            await asyncio.sleep(1.0)

    try:
        tasks = [asyncio.create_task(chatter(i)) for i in range(len(peers))]
        sampler = asyncio.create_task(sample())
        await asyncio.sleep(SOAK_SECONDS)
        stop.set()
        await asyncio.gather(*tasks, sampler)

        members: dict[str, list[int]] = {}
        for i, room in enumerate(rooms):
            members.setdefault(room, []).append(i)
        expected = {i: {(s, c) for s in members[rooms[i]] if s != i for c in accepted[s]}
                    for i in range(len(peers))}

        async def all_delivered() -> bool:
            return all(len(peers[i].pushes["room.envelope"]) >= len(expected[i])
                       for i in range(len(peers)))
        await eventually(all_delivered, 60, "every accepted envelope delivered", pause=0.5)
        await asyncio.sleep(1.0)  # duplicates, if any, would arrive by now

        lost = duplicated = delivered = 0
        for i, peer in enumerate(peers):
            got = [BODY.unpack(b) for b in peer.bodies()]
            counts = Counter(got)
            duplicated += sum(n - 1 for n in counts.values() if n > 1)
            lost += len(expected[i] - set(counts))
            doubtful = {m for m in in_doubt if m[0] != i and rooms[m[0]] == rooms[i]}
            assert set(counts) <= expected[i] | doubtful, "from outside the room, or unsent"
            for message in doubtful:  # an unanswered send reached all of its room or none
                reached = [message in Counter(BODY.unpack(b) for b in peers[j].bodies())
                           for j in members[rooms[i]] if j != message[0]]
                assert all(reached) or not any(reached), "an unanswered send partly delivered"
            seqs = [p["seq"] for p in peer.pushes["room.envelope"]]
            assert len(set(seqs)) == len(seqs)
            delivered += len(got)
        sent = sum(map(len, accepted))
        warm = max(1, len(rss[0]) // 4)
        growth = [max(samples[warm:]) - samples[warm] for samples in rss]
        errors = [(await metrics(s.url))[0] for s in servers]
        print(f"set-up: connect {connected:.1f} s, join {joined:.1f} s; "
              f"soak {SOAK_SECONDS:g} s, {len(peers)} clients in {len(members)} rooms on 2 "
              f"processes: {sent} sent, {delivered} delivered, {lost} lost, {duplicated} "
              f"duplicated, refused {dict(refused)}, unanswered {len(in_doubt)}; RSS KiB start/warm/end "
              f"{[(r[0], r[warm], r[-1]) for r in rss]}, growth after warm-up {growth}")
        assert sent > 0 and lost == 0 and duplicated == 0
        assert len(in_doubt) <= sent // 100, f"{len(in_doubt)} sends never answered"
        assert not refused, refused
        assert all(e.get("internal", 0) == 0 for e in errors), errors
        assert max(growth) <= RSS_FLAT_KIB, f"RSS grew {growth} KiB after the warm-up"
    finally:
        stop.set()
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)
