"""One contract suite for the storage port, run on the embedded store and on a real Redis."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from server.storage.embedded import EmbeddedStore
from server.storage.ports import Binding, Store
from server.storage.redis_store import RedisStore

KEY_A = b"A" * 32
KEY_B = b"B" * 32
KEY_S = b"S" * 32  # a sender
KEY_T = b"T" * 32  # another sender


@pytest.fixture(params=["embedded", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """Opens the backend on the same place each time (a restart opens it again)."""
    if request.param == "embedded":
        return lambda: EmbeddedStore(tmp_path / "data")
    url = request.getfixturevalue("redis_url")
    return lambda: RedisStore(url)


@pytest.fixture
async def store(open_store: Callable[[], Store]) -> AsyncIterator[Store]:
    s = open_store()
    yield s
    await s.close()


async def test_no_secrets_in_a_new_store(store: Store) -> None:
    # Server secrets live in the key file (server/keyfile.py); a new store has none to migrate.
    assert await store.legacy_secret("room_signing_key") is None
    await store.drop_legacy_secret("room_signing_key")  # a no-op
    assert await store.agree_public_key(b"\x01" * 32) == b"\x01" * 32


async def test_bindings(store: Store) -> None:
    assert await store.binding_of_key(KEY_A) is None
    assert await store.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Anna", folded="anna", last_seen=10), 0)
    got = await store.binding_of_name("anna")
    assert got is not None and (got.identity_key, got.pseudonym, got.last_seen) == (KEY_A, "Anna", 10)
    await store.touch(KEY_A, 20)
    assert (await store.binding_of_key(KEY_A)).last_seen == 20  # type: ignore[union-attr]
    await store.touch(KEY_B, 20)  # no binding: nothing is created
    assert await store.binding_of_key(KEY_B) is None
    # Renaming releases the old name.
    assert await store.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Aino", folded="alno", last_seen=30), 0)
    assert await store.binding_of_name("anna") is None
    # A holder seen since `taken_since` keeps the name; nothing changes for the asker.
    assert not await store.bind_if_free(
        Binding(identity_key=KEY_B, pseudonym="AINO", folded="alno", last_seen=40), 30)
    assert await store.binding_of_key(KEY_B) is None
    # A lapsed holder loses it: taking over drops the previous holder's binding.
    assert await store.bind_if_free(
        Binding(identity_key=KEY_B, pseudonym="AINO", folded="alno", last_seen=40), 31)
    holder = await store.binding_of_name("alno")
    assert holder is not None and holder.identity_key == KEY_B
    assert await store.binding_of_key(KEY_A) is None


async def test_binding_races(open_store: Callable[[], Store]) -> None:
    """Two store clients (two processes on Redis) race: one key, two names; one name, two
    keys. Every name ends with at most one key and every key with one name."""
    one, two = open_store(), open_store()
    try:
        for n in range(20):
            a_key, b_key = bytes([n]) * 32, bytes([n + 100]) * 32
            names = (f"x{n}a", f"x{n}b")
            assert all(await asyncio.gather(*(
                s.bind_if_free(Binding(identity_key=a_key, pseudonym=name, folded=name,
                                       last_seen=1), 0)
                for s, name in zip((one, two), names, strict=True))))
            kept = await one.binding_of_key(a_key)
            assert kept is not None and kept.folded in names
            other = names[1] if kept.folded == names[0] else names[0]
            assert await two.binding_of_name(other) is None
            shared = f"y{n}"
            won = await asyncio.gather(*(
                s.bind_if_free(Binding(identity_key=k, pseudonym=shared, folded=shared,
                                       last_seen=1), 0)
                for s, k in ((one, a_key), (two, b_key))))
            assert sorted(won) == [False, True]
            holder = await one.binding_of_name(shared)
            winner, loser = (a_key, b_key) if won[0] else (b_key, a_key)
            assert holder is not None and holder.identity_key == winner
            lost = await two.binding_of_key(loser)
            assert lost is None or lost.folded != shared
    finally:
        await one.close()
        await two.close()


async def test_key_directory(store: Store) -> None:
    assert await store.get_bundle(KEY_A) is None
    await store.put_bundle(KEY_A, '{"v": 1}')
    await store.put_bundle(KEY_A, '{"v": 2}')
    assert await store.get_bundle(KEY_A) == '{"v": 2}'
    assert await store.add_one_time_prekeys(KEY_A, [json.dumps(i) for i in range(5)], 4) == 4
    assert await store.pop_one_time_prekey(KEY_A) == "1"  # the oldest beyond the cap went
    assert await store.count_one_time_prekeys(KEY_A) == 3
    assert await store.add_one_time_prekeys(KEY_A, [], 4) == 3
    for expected in ("2", "3", "4"):
        assert await store.pop_one_time_prekey(KEY_A) == expected
    assert await store.pop_one_time_prekey(KEY_A) is None
    assert await store.count_one_time_prekeys(KEY_B) == 0


async def test_room_membership(store: Store) -> None:
    room = "g/2026-11-26"
    await store.room_add(room, "s1", "ka", '{"m": "a"}', "p1")
    await store.room_add(room, "s2", "ka", '{"m": "a"}', "p1")  # a second connection of ka
    await store.room_add(room, "s3", "kb", '{"m": "b"}', "p2")
    assert set(await store.room_members(room)) == {"ka", "kb"}
    assert await store.room_sids(room) == {"s1": "ka", "s2": "ka", "s3": "kb"}
    assert await store.room_has_sid(room, "s3") and not await store.room_has_sid(room, "s9")
    assert not await store.room_has_sid("other/2026-11-26", "s1")
    assert await store.room_remove_sid(room, "s1") is None  # ka still has s2
    assert await store.room_remove_sid(room, "s2") == "ka"
    assert await store.room_remove_sid(room, "nope") is None
    assert set(await store.room_members(room)) == {"kb"}
    assert set(await store.room_clear(room)) == {"kb"}
    assert await store.room_members(room) == {} and await store.room_sids(room) == {}


async def test_counters(store: Store) -> None:
    assert await store.epoch("r") == 0
    assert [await store.next_epoch("r") for _ in range(3)] == [1, 2, 3]
    assert await store.epoch("r") == 3
    assert [await store.next_seq("r") for _ in range(3)] == [1, 2, 3]
    assert await store.next_seq("other") == 1
    # A night's end drops its room's counters and no other room's.
    await store.room_forget("r")
    assert await store.epoch("r") == 0 and await store.next_seq("r") == 1
    assert await store.next_seq("other") == 2


async def test_inbox_ttl_cap_and_ack(store: Store) -> None:
    ids = [f"{i:032x}" for i in range(4)]
    assert await store.inbox_put(KEY_A, KEY_S, ids[0], '"e0"', expires_at=100, now=0, cap=3, per_sender_cap=3)
    assert await store.inbox_put(KEY_A, KEY_S, ids[1], '"e1"', expires_at=200, now=0, cap=3, per_sender_cap=3)
    assert await store.inbox_put(KEY_A, KEY_S, ids[2], '"e2"', expires_at=300, now=0, cap=3, per_sender_cap=3)
    assert not await store.inbox_put(KEY_A, KEY_S, ids[3], '"e3"', expires_at=400, now=0, cap=3, per_sender_cap=3)
    assert await store.inbox_list(KEY_A, now=0, limit=10) == ['"e0"', '"e1"', '"e2"']
    assert await store.inbox_list(KEY_A, now=0, limit=2) == ['"e0"', '"e1"']
    assert await store.inbox_total(now=0) == 3
    # e0 expires: it is gone and its slot is free again.
    assert await store.inbox_list(KEY_A, now=150, limit=10) == ['"e1"', '"e2"']
    assert await store.inbox_put(KEY_A, KEY_S, ids[3], '"e3"', expires_at=400, now=150, cap=3, per_sender_cap=3)
    assert await store.inbox_ack(KEY_A, [ids[1], "f" * 32]) == 1
    assert await store.inbox_ack(KEY_B, [ids[2]]) == 0  # someone else's inbox
    assert await store.inbox_list(KEY_A, now=150, limit=10) == ['"e2"', '"e3"']
    assert await store.inbox_list(KEY_B, now=150, limit=10) == []


async def test_lock_excludes(store: Store) -> None:
    inside = 0
    peak = 0

    async def worker() -> None:
        nonlocal inside, peak
        async with store.lock("x"):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(5)))
    assert peak == 1


async def test_claim_once(store: Store) -> None:
    results = await asyncio.gather(*(store.claim_once("room:opened", 60) for _ in range(5)))
    assert sorted(results) == [False] * 4 + [True]
    assert await store.claim_once("other", 60)


async def test_repr_hides_everything(store: Store) -> None:
    assert "redis://" not in repr(store) and "127.0.0.1" not in repr(store)


async def test_inbox_keeps_arrival_order_at_equal_times(store: Store) -> None:
    ids = [f"{i:032x}" for i in range(20)]
    for i in ids:
        assert await store.inbox_put(KEY_A, KEY_S, i, json.dumps(i), expires_at=500, now=0, cap=50, per_sender_cap=50)
    assert await store.inbox_list(KEY_A, now=0, limit=50) == [json.dumps(i) for i in ids]


async def test_durable_data_survives_reopening(open_store: Callable[[], Store]) -> None:
    first = open_store()
    assert await first.bind_if_free(
        Binding(identity_key=KEY_A, pseudonym="Anna", folded="anna", last_seen=5), 0)
    await first.put_bundle(KEY_A, "{}")
    await first.add_one_time_prekeys(KEY_A, ['"p1"', '"p2"'], 10)
    await first.inbox_put(KEY_B, KEY_S, "a" * 32, '"queued"', expires_at=10**10, now=0, cap=5, per_sender_cap=5)
    await first.next_seq("r")
    await first.next_epoch("r")
    assert await first.claim_once("r:opened", 3600)
    await first.close()
    second = open_store()
    try:
        binding = await second.binding_of_name("anna")
        assert binding is not None and binding.identity_key == KEY_A
        assert await second.get_bundle(KEY_A) == "{}"
        assert await second.count_one_time_prekeys(KEY_A) == 2
        assert await second.inbox_list(KEY_B, now=1, limit=5) == ['"queued"']
        assert await second.next_seq("r") == 2 and await second.epoch("r") == 1
        assert not await second.claim_once("r:opened", 3600)
    finally:
        await second.close()


async def test_sequence_numbers_survive_a_crash_without_a_write_per_envelope(
        open_store: Callable[[], Store], tmp_path: Path) -> None:
    first = open_store()
    given = [await first.next_seq("crash") for _ in range(2500)]
    assert given == list(range(1, 2501))
    if isinstance(first, EmbeddedStore):
        # Writes to the file: one lease per SEQ_LEASE numbers, not one per envelope.
        changes = first._db.total_changes
        for _ in range(500):
            await first.next_seq("crash")
        assert first._db.total_changes - changes <= 1
        given += list(range(2501, 3001))
        first._db.close()  # a crash: `close` never runs
    else:
        await first.close()
    second = open_store()
    try:
        assert await second.next_seq("crash") > max(given)
    finally:
        await second.close()


async def test_process_liveness(store: Store) -> None:
    await store.room_add("r1", "s1", "ka", "{}", "p1")
    await store.room_add("r2", "s2", "ka", "{}", "p1")
    await store.room_add("r1", "s3", "kb", "{}", "p2")
    await store.room_add("r3", "s4", "kc", "{}", "p1")
    await store.heartbeat("p1", 100)
    await store.heartbeat("p2", 100)
    assert await store.dead_owners(120, 30) == []
    await store.heartbeat("p2", 140)
    assert await store.dead_owners(140, 30) == ["p1"]
    await store.room_remove_sid("r2", "s2")  # a clean leave is no longer the owner's
    await store.room_clear("r3")  # nor are connections of a closed room
    assert await store.owner_connections("p1") == [("r1", "s1")]
    assert await store.owner_connections("p2") == [("r1", "s3")]
    await store.forget_owner("p1")
    assert await store.dead_owners(1000, 30) == ["p2"]
    assert await store.owner_connections("p1") == []


async def test_embedded_file_is_private(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "fresh")
    await store.put_bundle(KEY_A, "{}")
    await store.close()
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700
    for f in (tmp_path / "fresh").iterdir():
        assert f.stat().st_mode & 0o077 == 0, f


async def test_sessions_are_capped_per_key(store: Store) -> None:
    assert await store.session_add(KEY_A, "s1", "p1", 2)
    assert await store.session_add(KEY_A, "s1", "p1", 2)  # the same connection again
    assert await store.session_add(KEY_A, "s2", "p2", 2)
    assert not await store.session_add(KEY_A, "s3", "p1", 2)
    assert await store.session_add(KEY_B, "s4", "p1", 2)  # another key has its own slots
    await store.session_remove(KEY_A, "s1")
    await store.session_remove(KEY_A, "unknown")
    assert await store.session_add(KEY_A, "s3", "p1", 2)
    assert not await store.session_add(KEY_A, "s5", "p1", 2)
    await store.forget_owner("p1")  # a dead process's connections free their slots
    assert await store.session_add(KEY_A, "s5", "p3", 2)
    assert await store.session_add(KEY_B, "s6", "p3", 1)


async def test_inbox_cap_per_sender(store: Store) -> None:
    def put(sender: bytes, n: int, now: float = 0, recipient: bytes = KEY_A) -> object:
        return store.inbox_put(recipient, sender, f"{n:032x}", json.dumps(n), expires_at=100 + n,
                               now=now, cap=5, per_sender_cap=2)

    assert await put(KEY_S, 0) and await put(KEY_S, 1)
    assert not await put(KEY_S, 2)  # S has its share of A's inbox: nothing stored
    assert await put(KEY_S, 3, recipient=KEY_B)  # ...but not of B's
    assert await put(KEY_T, 4) and await put(KEY_T, 5)
    assert await store.inbox_list(KEY_A, now=0, limit=10) == ["0", "1", "4", "5"]
    assert await store.inbox_ack(KEY_A, [f"{0:032x}"]) == 1  # an ack frees a slot
    assert await put(KEY_S, 6)
    assert not await put(KEY_S, 7)
    assert not await put(KEY_T, 8)
    # Expiry frees slots too (envelope 1 expires at 101).
    assert await put(KEY_S, 9, now=101)
    assert await store.inbox_list(KEY_A, now=101, limit=10) == ["4", "5", "6", "9"]
    assert await store.inbox_total(now=101) == 5


async def test_inbox_total_follows_put_ack_and_sweep(store: Store) -> None:
    for n in range(6):
        recipient = KEY_A if n % 2 else KEY_B
        assert await store.inbox_put(recipient, KEY_S, f"{n:032x}", "{}", expires_at=100 + n,
                                     now=0, cap=10, per_sender_cap=10)
    assert await store.inbox_total(now=0) == 6
    assert await store.inbox_ack(KEY_A, [f"{1:032x}", f"{1:032x}", "f" * 32]) == 1
    assert await store.inbox_total(now=0) == 5
    # Envelopes 0, 2 (B) and 3 (A) expire by 103; a sweep removes them from both inboxes.
    assert await store.inbox_sweep(now=103, max_recipients=10) == 3
    assert await store.inbox_total(now=103) == 2
    assert await store.inbox_sweep(now=103, max_recipients=10) == 0
    assert await store.inbox_list(KEY_A, now=103, limit=10) == ["{}"]
    assert await store.inbox_list(KEY_B, now=103, limit=10) == ["{}"]
    assert await store.inbox_sweep(now=10**6, max_recipients=10) == 2
    assert await store.inbox_total(now=10**6) == 0


async def test_embedded_inbox_from_before_the_sender_column(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "old"
    data.mkdir()
    db = sqlite3.connect(data / "iltapiiri.sqlite3")
    db.execute("CREATE TABLE inbox (id TEXT PRIMARY KEY, recipient BLOB NOT NULL, "
               "json TEXT NOT NULL, expires_at REAL NOT NULL, n INTEGER NOT NULL)")
    db.execute("INSERT INTO inbox VALUES (?, ?, ?, ?, ?)", ("a" * 32, KEY_A, '"old"', 500, 1))
    db.commit()
    db.close()
    store = EmbeddedStore(data)
    try:
        assert await store.inbox_put(KEY_A, KEY_S, "b" * 32, '"new"', expires_at=600, now=0,
                                     cap=5, per_sender_cap=1)
        assert await store.inbox_list(KEY_A, now=0, limit=5) == ['"old"', '"new"']
    finally:
        await store.close()


async def test_redis_inbox_from_an_older_version(redis_url: str) -> None:
    """Envelopes stored before the counts existed (no sender record, a key TTL) are served,
    never counted, and the TTL no longer applies once new envelopes join them."""
    import redis.asyncio as aioredis

    raw = aioredis.Redis.from_url(redis_url, decode_responses=True)
    recipient = base64.b64encode(KEY_A).decode()
    await raw.hset(f"ilp:inbox:{recipient}", "a" * 32, '"old"')
    await raw.zadd(f"ilp:inboxexp:{recipient}", {"a" * 32: 500})
    await raw.expire(f"ilp:inbox:{recipient}", 3600)
    await raw.expire(f"ilp:inboxexp:{recipient}", 3600)
    store = RedisStore(redis_url)
    try:
        assert await store.inbox_put(KEY_A, KEY_S, "b" * 32, '"new"', expires_at=600, now=0,
                                     cap=5, per_sender_cap=5)
        assert await raw.ttl(f"ilp:inbox:{recipient}") == -1
        assert await store.inbox_list(KEY_A, now=0, limit=5) == ['"old"', '"new"']
        assert await store.inbox_total(now=0) == 1
        assert await store.inbox_ack(KEY_A, ["a" * 32, "b" * 32]) == 2
        assert await store.inbox_total(now=0) == 0
    finally:
        await store.close()
        await raw.aclose()
