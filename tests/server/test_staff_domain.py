"""The pure staff policy (server/domain/staff.py, staff_secrets.py) with a fake clock."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.staff_settings import StaffSettings
from server.clock import FakeClock
from server.domain import staff as policy
from server.domain.staff_secrets import SealError, open_totp, seal_totp
from server.storage.staff import StaffAccount
from server.wire.errors import ApiError

S = StaffSettings()
NO_DEADLINE = settings(deadline=None)


class CountingRandom:
    """Deterministic bytes (a different value each call)."""

    def __init__(self) -> None:
        self.n = 0

    def bytes(self, n: int) -> bytes:
        self.n += 1
        return bytes((self.n + i) % 256 for i in range(n))


ACCOUNT = StaffAccount(username="Liisa K", folded="llsak", role="moderator", password_hash="h",
                       totp_sealed=b"", totp_confirmed=False, totp_last_step=0, disabled=False,
                       created_at=0.0, failures=0, last_failure_at=0.0)


def test_usernames_follow_the_pseudonym_rules_and_fold_alike() -> None:
    assert policy.check_username("Liisa K") == ("Liisa K", policy.check_username("liisa_k")[1])
    for bad in ("x", "", None, "a\u200bb c", "Ann\u0430 x" * 5):
        with pytest.raises(ApiError) as err:
            policy.check_username(bad)
        assert err.value.code == "username_invalid"
        assert "pseudonym" not in err.value.message


def test_roles() -> None:
    assert [policy.check_role(r) for r in ("admin", "moderator", "counsellor")]
    for bad in ("peer", "Admin", None, 1):
        with pytest.raises(ApiError):
            policy.check_role(bad)


@pytest.mark.parametrize(("password", "rule"), [
    ("short1!", "at least 12"),
    ("x" * 257, "at most 256"),
    ("abababababababab", "too few"),
    ("my name is Liisa_K ok", "username"),
    (12345678901234, "text"),
])
def test_weak_passwords_are_refused_without_echoing_them(password: object, rule: str) -> None:
    with pytest.raises(ApiError) as err:
        policy.check_password(password, "Liisa K", S)
    assert err.value.code == "password_weak" and rule in err.value.message
    assert str(password) not in err.value.message and str(password) not in repr(err.value)


def test_a_good_password_is_returned_in_nfc() -> None:
    assert policy.check_password("Tyyni\u0301 ilta kahdeksalta", "Liisa K", S) == \
        "Tyyní ilta kahdeksalta"


def test_backoff_then_lockout_with_a_fake_clock() -> None:
    clock = FakeClock(1000.0)
    failures, last = 0, 0.0
    # Free attempts first.
    for _ in range(S.backoff_after):
        assert policy.login_gate(failures, last, clock.now(), S).allowed
        failures, last = failures + 1, clock.now()
    # Now each attempt waits 1, 2, 4, ... seconds after the last failure.
    for k in range(S.lockout_after - S.backoff_after):
        wait = min(2 ** k, S.backoff_max_seconds)
        gate = policy.login_gate(failures, last, clock.now(), S)
        assert not gate.allowed and gate.code == "login_backoff" and gate.retry_after == wait
        clock.advance(wait - 0.01)
        assert not policy.login_gate(failures, last, clock.now(), S).allowed
        clock.advance(0.01)
        assert policy.login_gate(failures, last, clock.now(), S).allowed
        failures, last = failures + 1, clock.now()
    # Locked: nothing for lockout_seconds, then one attempt, then locked again.
    gate = policy.login_gate(failures, last, clock.now() + 1, S)
    assert not gate.allowed and gate.code == "login_locked"
    assert gate.retry_after == S.lockout_seconds - 1
    clock.advance(S.lockout_seconds)
    assert policy.login_gate(failures, last, clock.now(), S).allowed
    failures, last = failures + 1, clock.now()
    assert policy.login_gate(failures, last, clock.now(), S).code == "login_locked"


@NO_DEADLINE
@given(failures=st.integers(0, 50), since=st.floats(0, 10_000), extra=st.floats(0, 10_000))
def test_waiting_longer_never_refuses_what_was_allowed(failures: int, since: float,
                                                       extra: float) -> None:
    if policy.login_gate(failures, 0.0, since, S).allowed:
        assert policy.login_gate(failures, 0.0, since + extra, S).allowed


@NO_DEADLINE
@given(failures=st.integers(0, 50), at=st.floats(0, 10_000))
def test_more_failures_never_open_the_gate_sooner(failures: int, at: float) -> None:
    if not policy.login_gate(failures, 0.0, at, S).allowed:
        assert not policy.login_gate(failures + 1, 0.0, at, S).allowed
    gate = policy.login_gate(failures, 0.0, at, S)
    assert gate.allowed or 0 < gate.retry_after <= max(S.lockout_seconds, S.backoff_max_seconds)


def test_totp_is_required_by_role_and_by_enrolment() -> None:
    assert not policy.totp_required(ACCOUNT, S)
    assert policy.totp_required(dataclasses.replace(ACCOUNT, totp_confirmed=True), S)
    for role in ("admin", "counsellor"):
        assert policy.totp_required(dataclasses.replace(ACCOUNT, role=role), S)
    assert policy.totp_required(ACCOUNT, StaffSettings(moderator_totp=True))


def test_totp_steps_and_format() -> None:
    assert policy.totp_steps(59.9) == (1, 0, 2)
    assert policy.check_totp_format(None) is None
    assert policy.check_totp_format("012345") == "012345"
    for bad in ("12345", "1234567", "12a456", 123456, "١٢٣٤٥٦"):
        with pytest.raises(ApiError) as err:
            policy.check_totp_format(bad)
        assert err.value.code == "login_failed"


def test_sessions_expire_by_lifetime_and_by_idleness() -> None:
    clock = FakeClock(5000.0)
    s = policy.new_session("tok", ACCOUNT, clock.now(), S)
    assert s.token_hash == policy.token_hash("tok") and "tok" not in s.token_hash
    assert policy.session_live(s, clock.now(), S)
    assert not policy.session_live(s, clock.now() + S.session_idle_seconds, S)
    kept = dataclasses.replace(s, last_seen=s.expires_at - 10)
    assert policy.session_live(kept, s.expires_at - 1, S)
    assert not policy.session_live(kept, s.expires_at, S)


def test_tokens_and_codes_are_random_and_only_hashed() -> None:
    rng = CountingRandom()
    tokens = {policy.new_token(rng) for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) == 43 for t in tokens)
    code = policy.new_invite_code(rng)
    assert len(code) == 19 and code.count("-") == 3
    digest = policy.invite_hash(code)
    assert digest is not None and code.replace("-", "") not in digest
    assert policy.invite_hash(code.lower().replace("-", " ")) == digest
    for bad in (None, "", "ABCD", code + "A", "ÄBCD-EFGH-IJKL-MNOP", 7):
        assert policy.invite_hash(bad) is None


def test_invites_expire() -> None:
    clock = FakeClock(100.0)
    invite = policy.new_invite("ABCD-EFGH-IJKL-MNOP", "counsellor", clock.now(), S)
    assert invite.expires_at == 100.0 + S.invite_seconds
    assert policy.new_invite("ABCD-EFGH-IJKL-MNOP", "admin", 0.0, S, 60).expires_at == 60.0
    with pytest.raises(ApiError):
        policy.new_invite("ABCD-EFGH-IJKL-MNOP", "peer", 0.0, S)


def test_a_sealed_secret_opens_only_for_its_account_and_key() -> None:
    rng = CountingRandom()
    key, other = b"k" * 32, b"o" * 32
    secret = policy.new_totp_secret(rng)
    sealed = seal_totp(key, "llsak", secret, rng)
    assert secret.encode() not in sealed
    assert open_totp(key, "llsak", sealed) == secret
    for k, folded, blob in ((other, "llsak", sealed), (key, "anna", sealed),
                            (key, "llsak", sealed[:-1] + bytes([sealed[-1] ^ 1])),
                            (key, "llsak", b"\x02" + sealed[1:]), (key, "llsak", b"")):
        with pytest.raises(SealError):
            open_totp(k, folded, blob)


def test_records_never_show_secrets() -> None:
    account = dataclasses.replace(ACCOUNT, password_hash="$argon2id$SECRETHASH",
                                  totp_sealed=b"SEALED")
    session = policy.new_session("TOKEN", account, 0.0, S)
    invite = policy.new_invite("ABCD-EFGH-IJKL-MNOP", "admin", 0.0, S)
    text = repr(account) + repr(session) + repr(invite)
    for secret in ("SECRETHASH", "SEALED", session.token_hash, invite.code_hash, "Liisa", "llsak"):
        assert secret not in text
