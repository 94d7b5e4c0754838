"""One contract suite for the staff port, run on SQLite and on a real redis-server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from server.storage.embedded.staff import EmbeddedStaffStore
from server.storage.redis.staff import RedisStaffStore
from server.storage.staff import StaffAccount, StaffInvite, StaffSession, StaffStore

ACCOUNT = StaffAccount(username="Liisa K", folded="llsak", role="moderator",
                       password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                       totp_sealed=b"\x01sealed", totp_confirmed=False, totp_last_step=0,
                       disabled=False, created_at=100.0, failures=0, last_failure_at=0.0)


def session(token_hash: str, folded: str = "llsak", expires_at: float = 1000.0) -> StaffSession:
    return StaffSession(token_hash=token_hash, folded=folded, role="moderator", created_at=100.0,
                        last_seen=100.0, expires_at=expires_at)


@pytest.fixture(params=["embedded", "redis"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], StaffStore]:
    """Opens the backend on the same place each time (a restart opens it again)."""
    if request.param == "embedded":
        return lambda: EmbeddedStaffStore(tmp_path / "data")
    url = request.getfixturevalue("redis_url")
    return lambda: RedisStaffStore(url)


@pytest.fixture
async def store(open_store: Callable[[], StaffStore]) -> AsyncIterator[StaffStore]:
    s = open_store()
    yield s
    await s.close()


async def test_accounts_are_created_once_and_survive_a_restart(
        open_store: Callable[[], StaffStore]) -> None:
    store = open_store()
    assert await store.create_account(ACCOUNT)
    assert not await store.create_account(dataclasses.replace(ACCOUNT, username="LIISA_K"))
    await store.close()
    store = open_store()
    try:
        assert await store.get_account("llsak") == ACCOUNT
        assert await store.is_staff_name("llsak") and not await store.is_staff_name("anna")
        assert await store.get_account("anna") is None
        other = dataclasses.replace(ACCOUNT, username="Anna", folded="anna", role="admin")
        assert await store.create_account(other)
        assert [a.folded for a in await store.list_accounts()] == ["anna", "llsak"]
    finally:
        await store.close()


async def test_updates_touch_only_existing_accounts(store: StaffStore) -> None:
    assert not await store.set_disabled("llsak", True)
    assert not await store.set_totp("llsak", b"x")
    assert not await store.set_password_hash("llsak", "h")
    assert not await store.use_totp_step("llsak", 5)
    assert not await store.claim_attempt("llsak", 0, 1.0)
    await store.reset_failures("llsak")
    assert await store.get_account("llsak") is None
    await store.create_account(ACCOUNT)
    assert await store.set_disabled("llsak", True)
    assert await store.set_password_hash("llsak", "new-hash")
    got = await store.get_account("llsak")
    assert got is not None and got.disabled and got.password_hash == "new-hash"


async def test_a_totp_step_is_spent_once(store: StaffStore) -> None:
    await store.create_account(ACCOUNT)
    assert await store.use_totp_step("llsak", 10)
    assert not await store.use_totp_step("llsak", 10)
    assert not await store.use_totp_step("llsak", 9)
    got = await store.get_account("llsak")
    assert got is not None and got.totp_confirmed and got.totp_last_step == 10
    # A new secret starts over, not enrolled.
    assert await store.set_totp("llsak", b"\x01other")
    got = await store.get_account("llsak")
    assert got is not None and (got.totp_sealed, got.totp_confirmed, got.totp_last_step) == (
        b"\x01other", False, 0)
    # Racing uses of one step: exactly one wins.
    results = await asyncio.gather(*(store.use_totp_step("llsak", 11) for _ in range(8)))
    assert sum(results) == 1


async def test_attempts_are_claimed_by_compare_and_set(store: StaffStore) -> None:
    await store.create_account(ACCOUNT)
    assert await store.claim_attempt("llsak", 0, 5.0)
    assert not await store.claim_attempt("llsak", 0, 6.0)  # someone else went first
    got = await store.get_account("llsak")
    assert got is not None and (got.failures, got.last_failure_at) == (1, 5.0)
    results = await asyncio.gather(*(store.claim_attempt("llsak", 1, 7.0) for _ in range(8)))
    assert sum(results) == 1
    await store.reset_failures("llsak")
    got = await store.get_account("llsak")
    assert got is not None and got.failures == 0


async def test_sessions(store: StaffStore) -> None:
    await store.session_put(session("h1"))
    await store.session_put(session("h2"))
    await store.session_put(session("h3", folded="anna"))
    assert await store.session_get("h1") == session("h1")
    await store.session_touch("h1", 150.0)
    got = await store.session_get("h1")
    assert got is not None and got.last_seen == 150.0
    assert await store.session_delete("h1")
    assert not await store.session_delete("h1")
    await store.session_touch("h1", 160.0)  # a touch never brings a session back
    assert await store.session_get("h1") is None
    assert await store.revoke_sessions("llsak") == 1
    assert await store.session_get("h2") is None
    assert await store.session_get("h3") is not None
    assert await store.revoke_sessions("llsak") == 0


async def test_invites_are_taken_once_and_not_after_expiry(store: StaffStore) -> None:
    invite = StaffInvite(code_hash="c1", role="counsellor", created_at=100.0, expires_at=200.0)
    await store.invite_put(invite)
    await store.invite_put(dataclasses.replace(invite, code_hash="c2"))
    results = await asyncio.gather(*(store.invite_take("c1", 150.0) for _ in range(6)))
    assert [r for r in results if r is not None] == [invite]
    assert await store.invite_take("c2", 200.0) is None  # expired: gone, and removed
    assert await store.invite_take("c2", 150.0) is None
    assert await store.invite_take("never", 150.0) is None


async def test_sweep_drops_what_has_expired(store: StaffStore) -> None:
    await store.session_put(session("old", expires_at=500.0))
    await store.session_put(session("new", expires_at=900.0))
    await store.invite_put(StaffInvite(code_hash="i1", role="admin", created_at=100.0,
                                       expires_at=500.0))
    assert await store.sweep(600.0) == 2
    assert await store.session_get("old") is None
    assert await store.session_get("new") is not None
    assert await store.invite_take("i1", 100.0) is None
    assert await store.revoke_sessions("llsak") == 1  # only "new" was left to revoke


async def test_an_account_binds_one_identity_key_and_names_the_one_it_replaces(
        open_store: Callable[[], StaffStore]) -> None:
    store = open_store()
    assert await store.bind_key("llsak", b"\x01" * 32) is None
    assert await store.bind_key("llsak", b"\x01" * 32) == b"\x01" * 32
    assert await store.bind_key("llsak", b"\x02" * 32) == b"\x01" * 32
    assert await store.bind_key("olli", b"\x03" * 32) is None
    await store.close()
    again = open_store()  # durable across a restart
    try:
        assert await again.bound_keys() == {"llsak": b"\x02" * 32, "olli": b"\x03" * 32}
    finally:
        await again.close()
