"""Staff sign-in over a real server, on SQLite and on a real redis-server, with a fake clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from server.app import STAFF
from server.clock import FakeClock
from server.handlers.staff import StaffService
from server.wire.errors import ApiError
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD, StaffHttp

START = 1_780_000_000.0


@dataclass
class Staffed:
    server: LiveServer
    clock: FakeClock

    @property
    def service(self) -> StaffService:
        return self.server.app[STAFF]

    def http(self) -> StaffHttp:
        return StaffHttp(self.server.url)


@pytest.fixture(params=["embedded", "redis"])
async def staffed(request: pytest.FixtureRequest,
                  live_server_factory: LiveServerFactory) -> Staffed:
    clock = FakeClock(START)
    extra = {"redis_url": request.getfixturevalue("redis_url")} if request.param == "redis" \
        else {}
    server = await live_server_factory(clock=clock, run_scheduler=False, staff=FAST_STAFF,
                                       **extra)
    return Staffed(server, clock)


class SlowReads:
    """The real store, pausing after each account read so that racing sign-ins interleave."""

    def __init__(self, store: object) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def get_account(self, folded: str) -> Any:
        account = await self._store.get_account(folded)  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
        return account


def secret_of(uri: str) -> str:
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    return parse_qs(parts.query)["secret"][0]


async def enrolled(s: Staffed, name: str, role: str) -> tuple[StaffHttp, pyotp.TOTP]:
    """An account whose second factor is enrolled, and the authenticator for it."""
    await s.service.create(name, role, GOOD_PASSWORD)
    http = s.http()
    reply = await http.login(name, GOOD_PASSWORD)
    assert reply.status == 403 and reply.body["error"] == "totp_enrol"
    totp = pyotp.TOTP(secret_of(reply.body["totp_uri"]))
    reply = await http.login(name, GOOD_PASSWORD, totp.at(s.clock.now()))
    assert reply.status == 200, reply.body
    return http, totp


async def test_the_session_cookie_is_httponly_secure_strict(staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    http = staffed.http()
    reply = await http.login("liisa_k", GOOD_PASSWORD)  # any spelling that folds alike
    assert reply.status == 200 and reply.body["role"] == "moderator"
    assert reply.headers["Cache-Control"] == "no-store"
    [cookie] = reply.set_cookie
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert attributes[0].startswith("__host-iltapiiri_staff=")
    assert {"httponly", "secure", "samesite=strict", "path=/",
            f"max-age={FAST_STAFF.session_seconds}"} <= set(attributes)
    assert not any(a.startswith("domain") for a in attributes)
    assert http.cookie is not None and http.cookie not in str(reply.body)
    me = await http.session()
    assert me.status == 200 and (me.body["username"], me.body["role"]) == ("Liisa K", "moderator")
    # Sign-out ends the session on the server, not only in this browser.
    token = http.cookie
    out = await http.logout()
    assert out.status == 200 and "max-age=0" in out.set_cookie[0].lower()
    http.cookie = token
    again = await http.session()
    assert again.status == 401 and again.body["error"] == "not_authenticated"


@pytest.mark.parametrize("role", ["counsellor", "admin"])
async def test_totp_is_required_for_counsellors_and_admins(staffed: Staffed, role: str) -> None:
    http, totp = await enrolled(staffed, "Aino Neuvonen", role)
    assert (await http.session()).body["role"] == role
    fresh = staffed.http()
    reply = await fresh.login("Aino Neuvonen", GOOD_PASSWORD)
    assert reply.status == 401 and reply.body["error"] == "totp_required"
    assert "totp_uri" not in reply.body and fresh.cookie is None
    # The code that enrolled is spent: replaying it fails, the next step's code works.
    reply = await fresh.login("Aino Neuvonen", GOOD_PASSWORD, totp.at(staffed.clock.now()))
    assert reply.status == 401 and reply.body["error"] == "login_failed"
    staffed.clock.advance(30)
    reply = await fresh.login("Aino Neuvonen", GOOD_PASSWORD, totp.at(staffed.clock.now()))
    assert reply.status == 200
    wrong = await staffed.http().login("Aino Neuvonen", GOOD_PASSWORD, "000000"
                                       if totp.now() != "000000" else "111111")
    assert wrong.status == 401 and wrong.body["error"] == "login_failed"


async def test_moderator_totp_is_optional_unless_configured(staffed: Staffed) -> None:
    await staffed.service.create("Mia Moderoi", "moderator", GOOD_PASSWORD)
    assert (await staffed.http().login("Mia Moderoi", GOOD_PASSWORD)).status == 200


async def test_failures_back_off_then_lock_out(staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    http, settings = staffed.http(), FAST_STAFF
    for n in range(settings.lockout_after):
        reply = await http.login("Liisa K", "wrong password here")
        assert reply.status == 401 and reply.body["error"] == "login_failed", n
        if n + 1 >= settings.backoff_after:
            # Too soon: refused without a check, and the refusal does not count.
            soon = await http.login("Liisa K", GOOD_PASSWORD)
            assert soon.status == 429 and soon.body["error"] in ("login_backoff",
                                                                 "login_locked")
            assert int(soon.headers["Retry-After"]) >= 1
            staffed.clock.advance(settings.backoff_max_seconds)
    locked = await http.login("Liisa K", GOOD_PASSWORD)
    assert locked.status == 429 and locked.body["error"] == "login_locked"
    assert http.cookie is None
    staffed.clock.advance(settings.lockout_seconds)
    reply = await http.login("Liisa K", GOOD_PASSWORD)
    assert reply.status == 200 and http.cookie is not None
    account = await staffed.service.account("Liisa K")
    assert account.failures == 0


async def test_unknown_and_disabled_accounts_answer_like_a_wrong_password(
        staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    http = staffed.http()
    assert (await http.login("Liisa K", GOOD_PASSWORD)).status == 200
    await staffed.service.disable("Liisa K")
    assert (await http.session()).body["error"] == "not_authenticated"  # revoked at once
    answers = [await staffed.http().login(name, GOOD_PASSWORD) for name in ("Liisa K", "Nobody")]
    assert {(a.status, a.body["error"], a.body["message"]) for a in answers} == {
        (401, "login_failed", "wrong username, password or code")}


async def test_expired_and_idle_sessions_are_refused(staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    http = staffed.http()
    await http.login("Liisa K", GOOD_PASSWORD)
    staffed.clock.advance(FAST_STAFF.session_idle_seconds - 1)
    assert (await http.session()).status == 200  # use keeps it alive
    staffed.clock.advance(FAST_STAFF.session_idle_seconds - 1)
    assert (await http.session()).status == 200
    staffed.clock.advance(FAST_STAFF.session_idle_seconds)
    idle = await http.session()
    assert idle.status == 401 and idle.body["error"] == "session_expired"
    assert any("max-age=0" in c.lower() for c in idle.set_cookie)
    # Kept busy, a session still ends at its lifetime.
    await http.login("Liisa K", GOOD_PASSWORD)
    step = FAST_STAFF.session_idle_seconds // 2
    answers = []
    for _ in range(FAST_STAFF.session_seconds // step):
        staffed.clock.advance(step)
        answers.append((await http.session()).body.get("error"))
    assert answers[:-1] == [None] * (len(answers) - 1) and answers[-1] == "session_expired"


async def test_reset_totp_revokes_sessions_and_needs_a_new_enrolment(staffed: Staffed) -> None:
    http, old = await enrolled(staffed, "Aino Neuvonen", "counsellor")
    await staffed.service.reset_totp("Aino Neuvonen")
    assert (await http.session()).status == 401
    staffed.clock.advance(30)
    assert (await http.login("Aino Neuvonen", GOOD_PASSWORD, old.at(staffed.clock.now()))
            ).body["error"] == "login_failed"
    staffed.clock.advance(30)
    again = await http.login("Aino Neuvonen", GOOD_PASSWORD)
    assert again.body["error"] == "totp_enrol"
    assert secret_of(again.body["totp_uri"]) != old.secret


async def test_invitations_are_single_use_and_expire(staffed: Staffed) -> None:
    code, expires_at = await staffed.service.invite("counsellor")
    http = staffed.http()
    body = {"code": code, "username": "Uusi Neuvoja", "password": GOOD_PASSWORD}
    weak = await http.request("POST", "/api/staff/redeem", {**body, "password": "short"})
    assert weak.status == 400 and weak.body["error"] == "password_weak"  # code not spent
    made = await http.request("POST", "/api/staff/redeem", body)
    assert made.status == 201 and made.body == {"ok": True, "username": "Uusi Neuvoja",
                                                "role": "counsellor", "totp_required": True}
    twice = await http.request("POST", "/api/staff/redeem", {**body, "username": "Toinen"})
    assert twice.status == 403 and twice.body["error"] == "invite_invalid"
    late, _ = await staffed.service.invite("moderator", ttl_seconds=60)
    staffed.clock.advance(61)
    expired = await http.request("POST", "/api/staff/redeem",
                                 {**body, "code": late, "username": "Myöhäinen"})
    assert expired.status == 403 and expired.body["error"] == "invite_invalid"
    assert expires_at == START + FAST_STAFF.invite_seconds


async def test_bad_requests_change_nothing(staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    http = staffed.http()
    cases = [
        ({"raw": b"username=Liisa+K", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
         400, "bad_request"),
        ({"raw": b"[1]", "headers": {"Content-Type": "application/json"}}, 400, "bad_request"),
        ({"raw": b"{" + b" " * 5000 + b"}", "headers": {"Content-Type": "application/json"}},
         413, "too_large"),
        ({"body": {"username": "Liisa K", "password": GOOD_PASSWORD},
          "headers": {"Origin": "https://evil.example"}}, 403, "bad_origin"),
        ({"body": {"username": "Liisa K", "password": GOOD_PASSWORD},
          "headers": {"Sec-Fetch-Site": "cross-site"}}, 403, "bad_origin"),
        ({"body": {"username": "Liisa K", "password": GOOD_PASSWORD, "totp": "12"}},
         401, "login_failed"),
        ({"body": {"username": ["x"], "password": None}}, 401, "login_failed"),
    ]
    for kwargs, status, code in cases:
        reply = await http.request("POST", "/api/staff/login", **kwargs)  # type: ignore[arg-type]
        assert (reply.status, reply.body["error"]) == (status, code), kwargs
        assert http.cookie is None
    assert (await staffed.service.account("Liisa K")).failures <= 1
    same_origin = await http.request("POST", "/api/staff/login",
                                     {"username": "Liisa K", "password": GOOD_PASSWORD},
                                     headers={"Origin": staffed.server.url,
                                              "Sec-Fetch-Site": "same-origin"})
    assert same_origin.status == 200


async def test_staff_names_cannot_be_taken_as_pseudonyms(staffed: Staffed) -> None:
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    peer = await Peer.connect(staffed.server.url, auth=False)
    try:
        for name in ("Liisa K", "liisa_k", "LIISA.K", "Líísa-K", "L1isa K"):
            reply = await peer.authenticate(name)
            assert reply == {"ok": False, "error": "pseudonym_reserved",
                             "message": "this name is reserved"}, name
    finally:
        await peer.close()
    # A fresh connection: the refusals above used up most of one connection's pre-sign-in budget.
    other = await Peer.connect(staffed.server.url, auth=False)
    try:
        last = await other.authenticate("Liisa M")
        assert last["ok"], last
    finally:
        await other.close()


async def test_a_peer_loses_a_name_that_staff_took_since(staffed: Staffed) -> None:
    peer = await Peer.connect(staffed.server.url, pseudonym="Liisa K")
    key = peer.key
    await peer.close()
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    again = await Peer.connect(staffed.server.url, key=key)
    try:
        assert again.pseudonym is not None and again.pseudonym != "Liisa K"
    finally:
        await again.close()


async def test_racing_guesses_cannot_share_one_back_off_window(staffed: Staffed) -> None:
    # Every guess reads the account before any is counted: the real store, with a pause after
    # each read (over HTTP the requests happen to arrive one after another).
    await staffed.service.create("Liisa K", "moderator", GOOD_PASSWORD)
    staffed.service.store = SlowReads(staffed.service.store)  # type: ignore[assignment]
    for _ in range(FAST_STAFF.backoff_after):
        await staffed.http().login("Liisa K", "wrong password here")
    staffed.clock.advance(FAST_STAFF.backoff_max_seconds)  # exactly one more attempt is due
    replies = await asyncio.gather(
        *(staffed.service.login("Liisa K", f"guess number {n:02}", None) for n in range(12)),
        return_exceptions=True)
    codes = [r.code for r in replies if isinstance(r, ApiError)]
    assert len(codes) == 12 and codes.count("login_failed") == 1
    assert set(codes) == {"login_failed", "login_backoff"}
    account = await staffed.service.account("Liisa K")
    assert account.failures == FAST_STAFF.backoff_after + 1
