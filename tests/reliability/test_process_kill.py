"""kill -9 of one of two server processes on Redis during a busy group night, behind nginx.

Ten peers (real `PeerClient`s, end-to-end encrypted) talk in one group and in 1:1 pairs through
nginx, which spreads them over both processes; two more peers are offline with 1:1 envelopes
waiting for them. One process is killed with SIGKILL mid-conversation (no clean-up runs). The
test counts every message:

- 1:1: every envelope the server acknowledged reaches its recipient exactly once, including the
  queued ones (they live in Redis, not in the dead process); a send cut off by the kill without
  an answer may or may not arrive, but never twice.
- group: no member ever gets a message twice; what a member missed while reconnecting (group
  messages are ephemeral) shows as a hole in the room's sequence numbers, so the client can tell;
  once everyone is back, every acknowledged message reaches every member.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from client import ClientError, Group, Message, PeerClient
from tests.deploy.conftest import Nginx
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect, eventually, metrics

PEERS = 10
BUSY_BEFORE_S = 3.0
BUSY_AFTER_S = 6.0
GROUP_PAUSE_S = 0.4  # per sender: 10 senders -> about 25 group messages a second
DIRECT_PAUSE_S = 0.6


class Tally:
    """What was sent (acked or in doubt) and what each peer received."""

    def __init__(self) -> None:
        self.group_acked: list[str] = []
        self.direct_acked: dict[str, list[str]] = {}  # recipient -> texts
        self.direct_doubt: list[str] = []
        self.received: dict[str, list[Message]] = {}


async def keep_sending(group: Group, me: str, stop: asyncio.Event, tally: Tally) -> None:
    i = 0
    while not stop.is_set():
        text = f"g {me} {i}"
        i += 1
        with contextlib.suppress(ClientError):
            await group.send(text)
            tally.group_acked.append(text)
        await asyncio.sleep(GROUP_PAUSE_S)


async def keep_writing(peer: PeerClient, to: str, stop: asyncio.Event, tally: Tally) -> None:
    chat = await peer.open_direct(to)
    i = 0
    while not stop.is_set():
        text = f"d {peer.pseudonym}>{to} {i}"
        i += 1
        try:
            await chat.send(text)
            tally.direct_acked.setdefault(to, []).append(text)
        except ClientError:
            tally.direct_doubt.append(text)  # cut off: the server may or may not have it
        await asyncio.sleep(DIRECT_PAUSE_S)


async def keep_reading(chat: Group, me: str, stop: asyncio.Event, tally: Tally) -> None:
    got = tally.received.setdefault(me, [])
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            got.append(await chat.next_message(timeout=0.5))


async def test_clients_carry_on_after_a_process_is_killed(
        redis_url: str, server_process: Callable[..., ServerProcess],
        nginx: Callable[[list[int]], Nginx], tmp_path: Path) -> None:
    proc_a, proc_b = server_process(redis_url=redis_url), server_process(redis_url=redis_url)
    proxy = nginx([proc_a.port, proc_b.port])
    offline_stores = [tmp_path / f"offline{i}.keys" for i in range(2)]
    offline_names = [f"Poissa{i}" for i in range(2)]
    for name, path in zip(offline_names, offline_stores, strict=True):
        await (await PeerClient.connect(proxy.url, pseudonym=name, keystore=path)).close()
    peers = [await PeerClient.connect(proxy.url, pseudonym=f"Ilta{i}") for i in range(PEERS)]
    tally = Tally()
    stop_send, stop_read = asyncio.Event(), asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        on_each = [(await metrics(p.url))[1]["iltapiiri_authenticated_connections"]
                   for p in (proc_a, proc_b)]
        assert min(on_each) >= 2, f"nginx did not spread the peers: {on_each}"
        groups = [await p.join_group("open") for p in peers]
        names = [p.pseudonym for p in peers]
        assert all(name is not None for name in names)
        # Queued 1:1 envelopes for the offline peers, before anything fails.
        for name in offline_names:
            chat = await peers[0].open_direct(name)
            for i in range(3):
                await chat.send(f"d {names[0]}>{name} jonossa {i}")
                tally.direct_acked.setdefault(name, []).append(f"d {names[0]}>{name} jonossa {i}")
        for i, (peer, group) in enumerate(zip(peers, groups, strict=True)):
            tasks.append(asyncio.create_task(keep_reading(group, str(names[i]), stop_read, tally)))
            tasks.append(asyncio.create_task(keep_sending(group, str(names[i]), stop_send, tally)))
            if i % 2 == 0:
                tasks.append(asyncio.create_task(
                    keep_writing(peer, str(names[i + 1]), stop_send, tally)))
        await asyncio.sleep(BUSY_BEFORE_S)

        assert proc_a.proc is not None
        proc_a.proc.send_signal(signal.SIGKILL)
        proc_a.proc.wait(timeout=10)
        killed_at = len(tally.group_acked)

        # Everyone is back when a probe from each peer reaches every other one.
        async def all_back() -> bool:
            for peer, group in zip(peers, groups, strict=True):
                probe = f"probe {peer.pseudonym} {len(tally.group_acked)}"
                await group.send(probe)
                tally.group_acked.append(probe)
            return True
        back_after = await eventually(all_back, 60, "every peer sends again")
        steady_from = len(tally.group_acked)
        await asyncio.sleep(BUSY_AFTER_S)
        stop_send.set()
        await asyncio.sleep(3.0)  # the last sends settle
        stop_read.set()
        await asyncio.gather(*tasks)

        # Group: no duplicates; every message acked after everyone was back reached everyone;
        # what a member missed before has a sequence number below one it did get (a hole).
        after = set(tally.group_acked[steady_from:])
        seq_of = {m.text: m.seq for got in tally.received.values() for m in got}
        missed_total = 0
        for name in names:
            got = tally.received[str(name)]
            texts = Counter(m.text for m in got)
            assert max(texts.values()) == 1, f"{name} got a group message twice"
            seqs = [m.seq for m in got if m.seq is not None]
            assert len(set(seqs)) == len(seqs) == len(got), "a sequence number twice or none"
            mine = {t for t in tally.group_acked if t.split()[1] == name}
            late = after - mine - set(texts)
            assert not late, f"{name} missed {len(late)} messages sent after all were back"
            missed = set(tally.group_acked) - mine - set(texts)
            invisible = [t for t in missed if (seq_of.get(t) or 0) > max(seqs)]
            assert not invisible, f"{name} cannot see that it missed {invisible}"
            missed_total += len(missed)
        # 1:1: every acked envelope exactly once; those in doubt at most once.
        for i in range(0, PEERS, 2):
            got = Counter(m.text for m in await collect(
                await peers[i + 1].open_direct(str(names[i])),
                set(tally.direct_acked.get(str(names[i + 1]), [])), 20))
            assert set(tally.direct_acked.get(str(names[i + 1]), [])) <= set(got)
            assert max(got.values(), default=1) == 1, "a 1:1 message twice"
        for name, path in zip(offline_names, offline_stores, strict=True):
            late_peer = await PeerClient.connect(proxy.url, keystore=path)
            try:
                want = set(tally.direct_acked[name])
                got = Counter(m.text for m in await collect(
                    await late_peer.open_direct(str(names[0])), want, 20))
                assert set(got) == want and max(got.values()) == 1
            finally:
                await late_peer.close()
        print(f"group acked {len(tally.group_acked)} (at the kill {killed_at}), "
              f"missed while reconnecting {missed_total} (all visible as seq holes), "
              f"direct acked {sum(map(len, tally.direct_acked.values()))}, "
              f"in doubt {len(tally.direct_doubt)}, everyone back in {back_after:.1f} s")
    finally:
        stop_send.set()
        stop_read.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)
