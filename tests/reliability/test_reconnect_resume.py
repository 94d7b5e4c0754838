"""A client whose connection drops (three times, mid-stream) and comes back by itself resumes
without duplicates, and without gaps it cannot see, in a group and in 1:1.

Group messages are ephemeral (no transcript on the server): what is relayed while a member is
away is gone for them, but every group envelope carries the room's sequence number, so each hole
is visible (the member gets a later number). 1:1 envelopes wait in the inbox until acknowledged,
so every one of them arrives, exactly once, even when a push and the inbox fetch after the
reconnect both carry it. Both storage backends, the server as a subprocess.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import pytest

from client import ClientError, PeerClient
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect, drain, eventually

DROPS = 3
STREAM_PAUSE_S = 0.08  # below the send rate (5/s with a burst of 20) on average over the run


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "embedded" else str(request.getfixturevalue("redis_url"))


async def test_dropped_client_resumes_without_duplicates_or_hidden_gaps(
        backend: str | None, server_process: Callable[..., ServerProcess]) -> None:
    server = server_process(redis_url=backend)
    alice = await PeerClient.connect(server.url, pseudonym="Alice")
    bob = await PeerClient.connect(server.url, pseudonym="Bob")
    try:
        group_a, group_b = await alice.join_group("open"), await bob.join_group("open")
        dm_a, dm_b = await alice.open_direct("Bob"), await bob.open_direct("Alice")
        await group_a.send("alku")
        assert [m.text for m in await collect(group_b, {"alku"}, 10)] == ["alku"]

        group_sent: list[str] = []
        direct_sent: list[str] = []
        stop = asyncio.Event()

        async def stream() -> None:
            i = 0
            while not stop.is_set():
                text = f"ryhmä {i}"
                try:
                    await group_a.send(text)
                    group_sent.append(text)
                except ClientError:
                    pass
                if i % 3 == 0:
                    await dm_a.send(f"kahden kesken {i}")
                    direct_sent.append(f"kahden kesken {i}")
                i += 1
                await asyncio.sleep(STREAM_PAUSE_S)

        sender = asyncio.create_task(stream())
        received = []
        for _ in range(DROPS):
            received += await drain(group_b, 0.3)
            await bob.drop_connection()

            async def bob_is_back() -> bool:
                await bob.list_groups()
                return True
            await eventually(bob_is_back, 20, "bob reconnects")
            received += await drain(group_b, 0.3)
        stop.set()
        await sender
        tail = "loppu"
        await group_a.send(tail)
        received += await collect(group_b, {tail}, 10)

        texts = Counter(m.text for m in received)
        assert max(texts.values()) == 1, "a group message delivered twice"
        seqs = [m.seq for m in received]
        assert all(s is not None for s in seqs)
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "out of order or repeated"
        assert received[-1].text == tail
        missed = set(group_sent) - set(texts)
        # Every miss is a hole: the sequence numbers of what bob got are not contiguous, and
        # the count of missing numbers is at least the count of missed messages.
        first, last = seqs[0], seqs[-1]
        assert first is not None and last is not None
        holes = (last - first + 1) - len(seqs)
        assert holes >= len(missed), f"{len(missed)} missed but only {holes} visible holes"
        print(f"group: {len(group_sent)} sent, {len(received)} received, {len(missed)} missed "
              f"while away, {holes} holes; 1:1: {len(direct_sent)} sent")

        direct = Counter(m.text for m in await collect(dm_b, set(direct_sent), 20))
        assert set(direct) == set(direct_sent), "a 1:1 message lost across the drops"
        assert max(direct.values()) == 1, "a 1:1 message delivered twice"
        assert await drain(dm_b, 1.0) == []
    finally:
        await alice.close()
        await bob.close()
