"""Groups over the real server: five members, leave/rotation at the envelope level, late joiner."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from client import Group, MessageTimeout, PeerClient, RoomClosedError, StaffClient
from e2ee.envelopes import GroupEnvelope
from e2ee.errors import E2EEError
from tests.server.mod_harness import STAFF_PASSWORD, staff_token


def record_envelopes(peer: PeerClient) -> list[dict[str, Any]]:
    """Keep a copy of every raw ``room.envelope`` the peer's socket receives."""
    seen: list[dict[str, Any]] = []
    original = peer._session._dispatch

    async def dispatch(name: str, data: Any) -> None:
        if name == "room.envelope":
            seen.append(copy.deepcopy(data))
        await original(name, data)

    peer._session._dispatch = dispatch  # type: ignore[method-assign]
    return seen


@contextlib.asynccontextmanager
async def handler_frozen(peer: PeerClient) -> AsyncIterator[None]:
    """Stop the peer's push handler for the block, then restart it.

    Inside, pushes pile up unhandled, as on a busy client whose send races them.
    """
    assert peer._session._worker is not None
    peer._session._worker.cancel()
    await asyncio.gather(peer._session._worker, return_exceptions=True)
    try:
        yield
    finally:
        peer._session._worker = asyncio.create_task(peer._session._run())


async def queued(peer: PeerClient, name: str, timeout: float = 20) -> None:
    """Wait until a push called ``name`` sits in the peer's queue."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(item[0] == name for item in list(peer._session._pushes._queue)):  # type: ignore[attr-defined]
        assert loop.time() < deadline, f"no {name} push arrived"
        await asyncio.sleep(0.02)


async def connect_many(url: str, n: int) -> list[PeerClient]:
    return list(await asyncio.gather(*(PeerClient.connect(url) for _ in range(n))))


async def close_all(peers: list[PeerClient]) -> None:
    await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)


async def drain(group: Group, n: int, timeout: float = 15) -> list[tuple[str, str]]:
    return [(m.sender, m.text) for m in [await group.next_message(timeout) for _ in range(n)]]


async def test_group_of_five_everyone_reads_everyone(any_backend_url: str) -> None:
    peers = await connect_many(any_backend_url, 5)
    try:
        groups = [await p.join_group("open") for p in peers]
        assert len({g.room for g in groups}) == 1
        for peer, group in zip(peers, groups, strict=True):
            await group.send(f"hello from {peer.pseudonym}")
            await group.send(f"second from {peer.pseudonym}")
        for me, group in zip(peers, groups, strict=True):
            got = await drain(group, 8)
            others = [p.pseudonym for p in peers if p is not me]
            assert sorted(got) == sorted(
                [(name, f"hello from {name}") for name in others]
                + [(name, f"second from {name}") for name in others]
            )
            # per sender, in the order sent; never my own echo
            for name in others:
                assert [t for s, t in got if s == name] == [f"hello from {name}", f"second from {name}"]
            with pytest.raises(MessageTimeout):
                await group.next_message(timeout=0.3)
    finally:
        await close_all(peers)


async def test_member_who_left_cannot_decrypt_what_follows(embedded_url: str) -> None:
    alice, bob, carol = await connect_many(embedded_url, 3)
    try:
        ga, gb, gc = [await p.join_group("open") for p in (alice, bob, carol)]
        raw_at_bob = record_envelopes(bob)
        await ga.send("warm-up")
        assert (await gc.next_message(10)).text == "warm-up"
        assert (await gb.next_message(10)).text == "warm-up"
        # A malicious carol keeps a copy of every key she held before leaving.
        carol_keys = copy.deepcopy(carol._engine)

        await ga.send("before carol leaves")
        assert (await gb.next_message(10)).text == "before carol leaves"
        await gc.leave()
        with pytest.raises(RoomClosedError):
            await gc.send("I left")
        # wait until bob saw carol leave (alice rotates on the same signed event)
        for _ in range(100):
            if carol.pseudonym not in gb.members and carol.pseudonym not in ga.members:
                break
            await asyncio.sleep(0.05)
        await ga.send("after carol left")
        assert (await gb.next_message(10)).text == "after carol left"

        envs = [GroupEnvelope.from_wire(e) for e in raw_at_bob]
        before = next(e for e in envs if e.seq == envs[1].seq)
        after = envs[-1]
        # Control: the kept keys do open a message from before the leave ...
        assert carol_keys.decrypt_group(before).text == "before carol leaves"
        # ... but not the one after it: alice rotated and never sent carol the new key.
        with pytest.raises(E2EEError):
            carol_keys.decrypt_group(after)
    finally:
        await close_all([alice, bob, carol])


async def test_late_joiner_reads_forward_only(embedded_url: str) -> None:
    alice, bob, carol = await connect_many(embedded_url, 3)
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        raw_at_bob = record_envelopes(bob)
        await ga.send("before carol came")
        assert (await gb.next_message(10)).text == "before carol came"
        gc = await carol.join_group("open")
        for _ in range(100):
            if carol.pseudonym in ga.members:
                break
            await asyncio.sleep(0.05)
        await ga.send("welcome carol")
        await gb.send("hi carol, bob here")
        got = await drain(gc, 2)
        assert sorted(got) == sorted(
            [(alice.pseudonym, "welcome carol"), (bob.pseudonym, "hi carol, bob here")]
        )
        with pytest.raises(MessageTimeout):
            await gc.next_message(timeout=0.5)
        # Even given the old ciphertext, carol's keys start after it.
        old = GroupEnvelope.from_wire(raw_at_bob[0])
        with pytest.raises(E2EEError):
            carol._engine.decrypt_group(old)
    finally:
        await close_all([alice, bob, carol])


async def test_sending_to_a_room_i_left_is_a_clear_error(embedded_url: str) -> None:
    alice = await PeerClient.connect(embedded_url)
    try:
        group = await alice.join_group("open")
        await group.leave()
        assert group.is_closed
        assert await group.closed(timeout=1) == "left"
        with pytest.raises(RoomClosedError) as err:
            await group.send("anyone?")
        assert err.value.code == "room_closed"
        with pytest.raises(RoomClosedError) as closed:
            await group.next_message(timeout=1)
        assert isinstance(closed.value, TimeoutError)  # "no message will come", either way
    finally:
        await alice.close()


async def test_group_survives_a_dropped_socket(embedded_url: str) -> None:
    alice, bob = await connect_many(embedded_url, 2)
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        epoch = alice._groups.keys.rooms[ga.room].epoch
        await bob.drop_connection()
        # bob reconnects and rejoins by himself; alice sees him leave and come back
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not (bob._session._ready.is_set() and alice._groups.keys.rooms[ga.room].epoch >= epoch + 2
                   and bob.pseudonym in ga.members):
            assert loop.time() < deadline, "bob did not come back"
            await asyncio.sleep(0.05)
        await ga.send("are you back?")
        assert (await gb.next_message(15)).text == "are you back?"
        await gb.send("yes")
        assert (await ga.next_message(15)).text == "yes"
    finally:
        await close_all([alice, bob])


async def test_night_end_closes_the_room_and_drops_its_keys(clocked_server) -> None:
    alice, bob = await connect_many(clocked_server.url, 2)
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        await ga.send("last words tonight")
        assert (await gb.next_message(10)).text == "last words tonight"
        assert ga.room in alice._engine._groups.rooms()

        await clocked_server.advance(24 * 3600)  # the night is over: the server closes the room
        assert await ga.closed(timeout=10) is not None
        assert await gb.closed(timeout=10) is not None
        assert ga.room not in alice._engine._groups.rooms()
        assert gb.room not in bob._engine._groups.rooms()
        with pytest.raises(RoomClosedError) as err:
            await ga.send("too late")
        assert err.value.code == "room_closed"
        with pytest.raises(RoomClosedError):
            await gb.next_message(timeout=1)
        # tonight's new room is a new room: joining again works and starts fresh
        new = await alice.join_group("open")
        assert new.room != ga.room and not new.is_closed
    finally:
        await close_all([alice, bob])


async def test_scheduled_night_warns_then_closes(live_server_factory, tmp_path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from server.clock import FakeClock

    helsinki = ZoneInfo("Europe/Helsinki")
    today = datetime.now(helsinki).date()

    def at(hour: int, minute: int) -> float:
        return datetime(today.year, today.month, today.day, hour, minute, tzinfo=helsinki).timestamp()

    clock = FakeClock(at(19, 5))
    server = await live_server_factory(clock=clock, run_scheduler=False)
    await server.scheduler.tick()
    await staff_token(server, "Ohjaaja Olli")  # a real staff account signs in on the socket
    mod = (await StaffClient.login(server.url, "Ohjaaja Olli", STAFF_PASSWORD)).peer
    peer = await PeerClient.connect(server.url)
    try:
        assert mod.role == "moderator" and peer.role == "peer"
        gm = await mod.join_group("nightly")
        gp = await peer.join_group("nightly")
        await gm.send("welcome, tonight we talk about cravings")
        assert (await gp.next_message(10)).sender == mod.pseudonym

        clock.set(at(20, 27))  # the night ends 20:30: a warning first
        await server.scheduler.tick()
        closes_at = await gp.closing(timeout=10)
        assert closes_at is not None and "20:30" in closes_at
        assert not gp.is_closed
        await gp.send("thank you all")
        assert (await gm.next_message(10)).text == "thank you all"

        clock.set(at(20, 31))
        await server.scheduler.tick()
        assert await gp.closed(timeout=10) is not None
        assert await gm.closed(timeout=10) is not None
        assert gp.room not in peer._engine._groups.rooms()
        with pytest.raises(RoomClosedError):
            await gm.send("anyone still here?")
    finally:
        await close_all([mod, peer])


async def test_send_right_after_a_join_reaches_the_newcomer(any_backend_url: str) -> None:
    """No waiting between the join and the send: the sender must act on the join first."""
    peers = await connect_many(any_backend_url, 4)
    try:
        ga = await peers[0].join_group("open")
        await peers[1].join_group("open")
        sender = peers[0]
        for newcomer in peers[2:]:
            # The join news is still queued when the sender sends (a send racing the push).
            async with handler_frozen(sender):
                gn = await newcomer.join_group("open")
                await queued(sender, "room.membership")  # the join news waits, unhandled
                await ga.send(f"welcome {newcomer.pseudonym}")
            msg = await gn.next_message(10)
            assert msg.text == f"welcome {newcomer.pseudonym}"
    finally:
        await close_all(peers)


async def test_send_right_after_a_leave_is_unreadable_with_old_keys(embedded_url: str) -> None:
    alice, bob, carol = await connect_many(embedded_url, 3)
    try:
        ga, gb, gc = [await p.join_group("open") for p in (alice, bob, carol)]
        raw_at_bob = record_envelopes(bob)
        await ga.send("hello all")
        assert (await gc.next_message(10)).text == "hello all"
        carol_keys = copy.deepcopy(carol._engine)
        async with handler_frozen(alice):  # the leave news is still queued when alice sends
            await gc.leave()
            await queued(alice, "room.membership")  # the leave news waits, unhandled
            await ga.send("carol has gone")
        assert (await gb.next_message(10)).text in {"hello all", "carol has gone"}
        envs = [GroupEnvelope.from_wire(e) for e in raw_at_bob]
        with pytest.raises(E2EEError):
            carol_keys.decrypt_group(envs[-1])
    finally:
        await close_all([alice, bob, carol])


async def test_five_join_at_once_and_speak_at_once(any_backend_url: str) -> None:
    peers = await connect_many(any_backend_url, 5)
    try:
        groups = list(await asyncio.gather(*(p.join_group("open") for p in peers)))
        await asyncio.gather(*(g.send(f"from {p.pseudonym}") for p, g in zip(peers, groups, strict=True)))
        for me, group in zip(peers, groups, strict=True):
            got = sorted(await drain(group, 4))
            assert got == sorted((p.pseudonym, f"from {p.pseudonym}") for p in peers if p is not me)
    finally:
        await close_all(peers)


async def test_groups_are_listed_and_described_as_typed_objects(embedded_url: str) -> None:
    peer = await PeerClient.connect(embedded_url)
    try:
        groups = {g.id: g for g in await peer.list_groups()}
        assert groups["open"].open and groups["open"].state == "open"
        assert groups["open"].starts_at.tzinfo is not None
        joined = await peer.join_group("open")
        assert joined.info is not None and joined.info.room == joined.room
        assert joined.info.seats_left < groups["open"].seats_left + 1
    finally:
        await peer.close()
