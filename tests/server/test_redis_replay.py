"""The Redis replay window (server/api/redis_manager.py) on a real redis-server.

Two real `python -m server` processes: the subscription of every process is killed
(`CLIENT KILL TYPE pubsub`) in the middle of a burst from two senders on process A, and the
members on process B still get every envelope exactly once, in each sender's order, because B
reads what it missed from the room's Stream before resuming live. Then the manager alone: a gap
larger than the window (the Stream trimmed behind a subscriber) pushes `room.resync` and replays
what is left; a packet seen before is dropped. `forget_replay` (a night's end, an erasure)
deletes a room's Stream after everything queued before it; the window is on by default."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from server.api import redis_replay
from server.api.redis_manager import RetryingRedisManager
from server.wire.pushes import RoomResync
from tests.fixtures.server import ServerProcess
from tests.server.harness import Peer, envelope, unb64
from tests.server.test_redis_rooms import fanout_counters

PER_SENDER = 20  # the send burst


async def test_no_envelope_lost_when_the_subscription_drops(
        server_process: Callable[..., ServerProcess], redis_url: str) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await Peer.connect(proc_a.url, "Alice")
    carol = await Peer.connect(proc_a.url, "Carol")
    bob = await Peer.connect(proc_b.url, "Bob")
    dave = await Peer.connect(proc_b.url, "Dave")
    peers = [alice, carol, bob, dave]
    client = aioredis.Redis.from_url(redis_url)
    try:
        room = (await alice.call("group.join", {"group_id": "open"}))["room"]
        for peer in (carol, bob, dave):
            assert (await peer.call("group.join", {"group_id": "open"}))["ok"]

        async def send(peer: Peer, i: int) -> None:
            body = f"{peer.pseudonym}:{i}".encode()
            assert (await peer.call("room.send", {"room": room, **envelope(body)}))["ok"]

        async def burst(start: int, stop: int) -> None:
            # Each sender in order (one ack before the next), the two senders concurrently.
            async def one(peer: Peer) -> None:
                for i in range(start, stop):
                    await send(peer, i)
            await asyncio.gather(one(alice), one(carol))

        await burst(0, 6)
        killed = await client.client_kill_filter(_type="pubsub")
        assert killed >= 2  # both processes' subscribers
        await burst(6, 12)  # published while B is reconnecting (it waits >= 50 ms first)
        await burst(12, 14)
        assert await client.client_kill_filter(_type="pubsub") >= 2  # and once more
        await burst(14, PER_SENDER)

        expected = {f"{p}:{i}" for p in ("Alice", "Carol") for i in range(PER_SENDER)}
        orders = []
        for receiver in (bob, dave):
            got = []
            for _ in range(2 * PER_SENDER):
                try:
                    push = await receiver.next("room.envelope", 10.0)
                except TimeoutError:
                    raise AssertionError((sorted(expected - set(got)), got,
                                          fanout_counters(proc_b))) from None
                got.append(unb64(push["body"]).decode())
            await receiver.nothing("room.envelope", 0.5)  # and no duplicate after
            assert len(got) == len(set(got)) and set(got) == expected
            for sender in ("Alice", "Carol"):  # each sender's order kept
                mine = [int(g.split(":")[1]) for g in got if g.startswith(sender)]
                assert mine == list(range(PER_SENDER)), (sender, mine)
            orders.append(got)
            assert receiver.drain("room.resync") == []  # nothing was beyond the window
        assert orders[0] == orders[1]  # one order for the room on B
        counters = fanout_counters(proc_b)
        assert counters["replayed"] >= 1, counters  # the gap was there, and was filled
    finally:
        await client.aclose()
        for peer in peers:
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()


class Recorder(RetryingRedisManager):
    """The manager without a Socket.IO server: what it would deliver locally."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.json = __import__("json")
        self._own_prefix = self._message_prefix(self.host_id)


async def test_gap_beyond_the_window_pushes_resync(redis_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_replay, "ENABLED", True)
    publisher, subscriber = Recorder(redis_url), Recorder(redis_url)
    channel = subscriber.room_channel("/", "g/d1")
    subscriber._wanted.add(channel)
    subscriber._rooms_of[channel] = ("/", "g/d1")
    client = aioredis.Redis.from_url(redis_url)
    stream, counter = subscriber._stream_keys(channel)
    try:
        async def publish(n: int) -> None:
            await publisher._publish({"method": "emit", "event": "room.envelope",
                                      "data": [{"n": n}], "namespace": "/", "room": "g/d1",
                                      "host_id": publisher.host_id})
            while publisher._pub_task is not None:
                await asyncio.sleep(0.01)

        for n in range(1, 4):
            await publish(n)
        assert int(await client.get(counter)) == 3
        assert await client.ttl(stream) > 0  # retention is bounded in time too

        def numbers(items: list[Any]) -> list[int]:
            return [n for n, _ in (i for i in items if isinstance(i, tuple))]

        # It saw packet 1, then missed some: within the window, 2 and 3, no resync.
        assert numbers(await subscriber._replay(channel, 1)) == [2, 3]
        assert subscriber.stats["resyncs"] == 0

        for n in range(4, 8):
            await publish(n)
        await client.xtrim(stream, maxlen=2, approximate=False)  # only 6 and 7 are left
        resync, *rest = await subscriber._replay(channel, 3)
        assert (resync["event"], resync["room"], resync["data"]) == (
            RoomResync.EVENT, "g/d1", [{"room": "g/d1"}])
        assert numbers(rest) == [6, 7] and subscriber.stats["resyncs"] == 1

        # The live path: it saw 1, then 8 arrives (a gap: 2-7 are trimmed, 8-10 are in the
        # Stream): resync first, then 8, 9, 10 from the Stream; the live 8 and 10 are dropped.
        for n in range(8, 11):
            await publish(n)
        await client.xtrim(stream, maxlen=3, approximate=False)
        entries = {int(i.split(b"-")[0]): f[b"p"] for i, f in await client.xrange(stream)}
        assert sorted(entries) == [8, 9, 10]
        subscriber._last[channel] = 1
        live = [(8, entries[8]), (10, entries[10])]

        async def source() -> Any:
            for n, packet in live:
                yield {"type": "message", "channel": channel.encode(),
                       "data": b"%d " % n + packet}
        subscriber._redis_listen_with_retries = source  # type: ignore[method-assign]
        out = [m async for m in subscriber._listen()]
        assert isinstance(out[0], dict) and out[0]["event"] == RoomResync.EVENT
        delivered = [__import__("json").loads(p)["data"][0]["n"] for p in out[1:]]
        assert delivered == [8, 9, 10]  # each once, in order
        assert subscriber.stats["duplicates"] == 2
        assert redis_replay.REPLAY_WINDOW >= 100
    finally:
        await client.aclose()
        for manager in (publisher, subscriber):
            if manager._pub_redis is not None:
                await manager._pub_redis.aclose()


async def test_a_user_room_subscribed_again_is_told_inbox_resync(redis_url: str) -> None:
    # What the listener passes on for each subscription confirmation: the first of a user room
    # nothing; a second one (redis-py's silent reconnect re-subscribes and Redis confirms again)
    # an `inbox.resync` to that user room; a sid's channel and a group room with nothing missed
    # nothing. Not numbered, so independent of the replay window.
    manager = Recorder(redis_url)
    user, sid, group = (manager.room_channel("/", r) for r in ("user:ab12", "sid123", "g/d1"))
    for name, room in ((user, "user:ab12"), (sid, "sid123")):
        manager._wanted.add(name)
        manager._rooms_of[name] = ("/", room)
        manager._pending_subs[name] += 1

    async def confirmations(*names: str) -> list[Any]:
        async def source() -> Any:
            for name in names:
                yield {"type": "subscribe", "channel": name.encode(), "data": 1}
        manager._redis_listen_with_retries = source  # type: ignore[method-assign]
        return [m async for m in manager._listen()]
    try:
        assert await confirmations(user, sid) == []  # first subscriptions
        again = await confirmations(user, sid)
        assert [(m["event"], m["room"], m["data"]) for m in again] == [
            ("inbox.resync", "user:ab12", [{}])]
        assert manager.stats["inbox_resyncs"] == 1
        assert group not in manager._floor  # a group room's floor is the counter (a GET)
    finally:
        if manager._pub_redis is not None:
            await manager._pub_redis.aclose()


async def test_a_staff_room_subscribed_again_is_told_cases_resync(redis_url: str) -> None:
    # The counsellors' rooms are not numbered either: the first confirmation of `cases:duty`
    # and `cases:supervisors` passes on nothing, a second one a `cases.resync` to that room's
    # local connections (they read the queue again; the cases are stored), counted apart from
    # the user rooms' `inbox.resync`.
    manager = Recorder(redis_url)
    rooms = ("cases:duty", "cases:supervisors")
    names = [manager.room_channel("/", r) for r in rooms]
    for name, room in zip(names, rooms, strict=True):
        manager._wanted.add(name)
        manager._rooms_of[name] = ("/", room)
        manager._pending_subs[name] += 1

    async def confirmations() -> list[Any]:
        async def source() -> Any:
            for name in names:
                yield {"type": "subscribe", "channel": name.encode(), "data": 1}
        manager._redis_listen_with_retries = source  # type: ignore[method-assign]
        return [m async for m in manager._listen()]
    try:
        assert await confirmations() == []
        again = await confirmations()
        assert [(m["event"], m["room"], m["data"]) for m in again] == [
            ("cases.resync", "cases:duty", [{}]), ("cases.resync", "cases:supervisors", [{}])]
        assert manager.stats["cases_resyncs"] == 2 and manager.stats["inbox_resyncs"] == 0
        assert not any(redis_replay.replayed(n) or redis_replay.user_channel(n) for n in names)
    finally:
        if manager._pub_redis is not None:
            await manager._pub_redis.aclose()


async def test_a_first_subscribe_lost_with_the_connection_is_told_too(redis_url: str) -> None:
    # The real listener on a real Redis that refuses SUBSCRIBE at first: the user room's first
    # SUBSCRIBE fails with the connection, so when the manager's reconnect gets it confirmed
    # its connections may have missed pushes meanwhile: they are told `inbox.resync`.
    manager = Recorder(redis_url)
    user = manager.room_channel("/", "user:cd34")
    manager._wanted.add(user)
    manager._rooms_of[user] = ("/", "user:cd34")
    admin = aioredis.Redis.from_url(redis_url)
    got: list[Any] = []

    async def listen() -> None:
        async for message in manager._listen():
            got.append(message)
    await admin.execute_command("ACL", "SETUSER", "default", "-subscribe", "-psubscribe")
    task = asyncio.get_running_loop().create_task(listen())
    try:
        await asyncio.sleep(0.5)  # refused, reconnecting with its backoff
        assert got == [] and user not in manager._confirmed
        await admin.execute_command("ACL", "SETUSER", "default", "+subscribe", "+psubscribe")
        for _ in range(200):
            if got:
                break
            await asyncio.sleep(0.05)
        assert [(m["event"], m["room"]) for m in got] == [("inbox.resync", "user:cd34")]
    finally:
        await admin.execute_command("ACL", "SETUSER", "default", "+subscribe", "+psubscribe")
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        with contextlib.suppress(Exception):
            await manager.pubsub.aclose()
            await manager.redis.aclose()
        await admin.aclose()


async def test_a_gap_of_only_own_packets_tells_nobody(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_replay, "ENABLED", True)
    own, other = Recorder(redis_url), Recorder(redis_url)
    channel = own.room_channel("/", "g/d1")
    own._wanted.add(channel)
    own._rooms_of[channel] = ("/", "g/d1")
    stream = own._stream_keys(channel)[0]
    client = aioredis.Redis.from_url(redis_url)

    async def publish(manager: Recorder, n: int) -> None:
        await manager._publish({"method": "emit", "event": "room.envelope", "data": [{"n": n}],
                                "namespace": "/", "room": "g/d1", "host_id": manager.host_id})
        while manager._pub_task is not None:
            await asyncio.sleep(0.01)

    async def trim(keep: int) -> None:
        await client.xtrim(stream, maxlen=keep, approximate=False)
    try:
        await publish(other, 1)
        own._last[channel] = 1  # it saw 1; then its subscription dropped
        for n in range(2, 6):  # its own 2-5, delivered locally, their echoes missed
            await publish(own, n)
        await trim(0)
        assert await own._replay(channel, 1) == []  # only its own packets fell out
        assert own.stats["resyncs"] == 0 and own._last[channel] == 5

        await publish(other, 6)  # another process's packet lost with an own one: a loss
        await publish(own, 7)
        await trim(0)
        (resync,) = await own._replay(channel, 5)
        assert resync["event"] == RoomResync.EVENT and own.stats["resyncs"] == 1

        for n in (8, 9):  # own 8 and 9 trimmed, the other's 10 still kept: read 10, no resync
            await publish(own, n)
        await publish(other, 10)
        await trim(1)
        missed = await own._replay(channel, 7)
        assert [n for n, _ in missed] == [10] and own.stats["resyncs"] == 1
        assert [packet for item in missed for packet in own._accept(channel, item)] == [
            missed[0][1]]  # the other's, passed on (and 10 is now the last seen)
        await publish(own, 11)  # own numbers at or below what it has seen are dropped
        assert list(own._own[channel]) == [11]
    finally:
        await client.aclose()
        for manager in (own, other):
            if manager._pub_redis is not None:
                await manager._pub_redis.aclose()


async def test_forget_replay_runs_after_the_packets_queued_before_it(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_replay, "ENABLED", True)
    publisher, subscriber = Recorder(redis_url), Recorder(redis_url)
    channel = subscriber.room_channel("/", "g/d1")
    subscriber._rooms_of[channel] = ("/", "g/d1")
    stream, counter = subscriber._stream_keys(channel)
    client = aioredis.Redis.from_url(redis_url)

    def packet(n: int, room: str = "g/d1") -> dict[str, Any]:
        return {"method": "emit", "event": "room.envelope", "data": [{"n": n}],
                "namespace": "/", "room": room, "host_id": publisher.host_id}
    try:
        await publisher._publish(packet(0, "g/d0"))  # the publisher connected, its script loaded
        while publisher._pub_task is not None:
            await asyncio.sleep(0.01)
        for n in range(1, 4):  # queued, not yet in Redis when the deletion is asked for
            await publisher._publish(packet(n))
        await publisher.forget_replay(["g/d1"], counters=False)  # an erasure
        while publisher._pub_task is not None:
            await asyncio.sleep(0.01)
        assert await client.exists(stream) == 0, "a packet queued before recreated the Stream"
        assert int(await client.get(counter)) == 3  # the numbering goes on
        # A subscriber that saw 1 cannot read 2 and 3 back: it says so.
        (resync,) = await subscriber._replay(channel, 1)
        assert resync["event"] == RoomResync.EVENT and resync["room"] == "g/d1"
        await publisher._publish(packet(4))
        while publisher._pub_task is not None:
            await asyncio.sleep(0.01)
        assert [n for n, _ in await subscriber._replay(channel, 3)] == [4]
        await publisher.forget_replay(["g/d1"], counters=True)  # the night ended
        assert await client.exists(stream, counter) == 0
    finally:
        await client.aclose()
        for manager in (publisher, subscriber):
            if manager._pub_redis is not None:
                await manager._pub_redis.aclose()


async def test_an_envelope_is_numbered_by_the_script_that_publishes_it(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `emit_numbered`: the seq is written into the packet by the publish script, bound to its
    # writer in the room store's keys, and the packet is kept for replay with it; the packet
    # does not start with the publisher's host id (it delivers it from the channel too).
    monkeypatch.setattr(redis_replay, "ENABLED", True)

    def seq_keys(room: str) -> tuple[str, str]:
        return f"t:{room}:seq", f"t:{room}:senders"
    manager = Recorder(redis_url)
    manager._seq_keys, manager._seq_ttl = seq_keys, 60
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await manager._publish({"method": "emit", "event": "room.membership", "data": [{}],
                                "namespace": "/", "room": "g/d1", "host_id": manager.host_id})
        numbers = [await manager.emit_numbered("room.envelope", {"room": "g/d1", "seq": 0,
                                                                 "body": f"b{i}"},
                                               field="seq", room="g/d1", skip_sid="s1",
                                               writer=writer)
                   for i, writer in enumerate(("Aino", "Bert"))]
        assert numbers == [1, 2]  # the envelopes' own counter: the membership push took none
        assert await client.hgetall("t:g/d1:senders") == {"1": "Aino", "2": "Bert"}
        assert 0 < await client.ttl("t:g/d1:senders") <= 60
        stream = manager._stream_keys(manager.room_channel("/", "g/d1"))[0]
        kept = [fields["p"] for _, fields in await client.xrange(stream)]
        assert len(kept) == 3 and not kept[1].encode().startswith(manager._own_prefix)
        packets = [__import__("json").loads(p) for p in kept[1:]]
        assert [p["data"] for p in packets] == [[{"seq": 1, "room": "g/d1", "body": "b0"}],
                                                [{"seq": 2, "room": "g/d1", "body": "b1"}]]
        assert {(p["echo"], p["host_id"], p["skip_sid"]) for p in packets} == {
            (manager.host_id, None, "s1")}
        monkeypatch.setattr(redis_replay, "ENABLED", False)  # not numbered: the caller's job
        assert await manager.emit_numbered("room.envelope", {"seq": 0}, field="seq",
                                           room="g/d1", skip_sid=None, writer="Aino") is None
        assert manager._outq == [] and await client.xlen(stream) == 3
    finally:
        await client.aclose()
        if manager._pub_redis is not None:
            await manager._pub_redis.aclose()


def test_the_window_setting() -> None:
    assert redis_replay._window(None) == redis_replay._window("") == 1000
    assert redis_replay._window("5") == 5
    for bad in ("0", "-1", "1e3", "100001", "many"):
        with pytest.raises(ValueError, match="ILTAPIIRI_FANOUT_REPLAY_WINDOW"):
            redis_replay._window(bad)
