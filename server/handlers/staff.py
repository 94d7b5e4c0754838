"""Staff account rules with I/O: sign-in (Argon2id password + TOTP), sessions, invitations and
the admin operations. Used by the HTTP adapter (server/api/staff_http.py) and the admin CLI.

Sign-in answers one `login_failed` for an unknown name, a disabled account, a wrong password and
a wrong or replayed TOTP code, so the answer does not tell which. Only a right password without
a code answers `totp_required` (or, before enrolment, `totp_enrol` with the provisioning URI).
Argon2 runs in a worker thread so the event loop keeps relaying while a password is checked.
"""

from __future__ import annotations

import asyncio
import hmac
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config.staff_settings import PASSWORD_MAX_CHARS, StaffSettings
from server.clock import Clock, Random
from server.domain import staff as policy
from server.domain.staff_secrets import SealError, open_totp, seal_totp
from server.logs import EventLog
from server.storage.staff import StaffAccount, StaffSession, StaffStore
from server.wire.errors import ApiError


@dataclass(frozen=True, kw_only=True)
class LoginResult:
    """A sign-in: either a session (with the token for the cookie) or, for an account that must
    enrol a second factor first, the `otpauth://` URI to enrol with."""

    session: StaffSession | None = None
    token: str | None = None
    enrol_uri: str | None = None

    def __repr__(self) -> str:
        return f"LoginResult(session={self.session!r}, enrol={self.enrol_uri is not None})"


@dataclass(frozen=True, kw_only=True)
class SignedIn:
    """Who a live session belongs to."""

    username: str
    folded: str
    role: str
    expires_at: float

    def __repr__(self) -> str:
        return f"SignedIn(role={self.role!r}, expires_at={self.expires_at})"


T = TypeVar("T")

# Argon2 checks in flight at once per process, and how many more may wait: each takes the
# configured memory (64 MiB by default) and a core, so a flood of sign-ins is answered with
# `rate_limited` instead of queueing without bound.
MAX_CONCURRENT_HASHES = 2
MAX_WAITING_HASHES = 16


class HashGate:
    """Bounds concurrent and waiting Argon2 computations (one per process)."""

    def __init__(self, concurrent: int = MAX_CONCURRENT_HASHES,
                 waiting: int = MAX_WAITING_HASHES) -> None:
        self._slots = asyncio.Semaphore(concurrent)
        self._max_waiting = waiting
        self._waiting = 0

    def __repr__(self) -> str:
        return f"HashGate(waiting={self._waiting})"

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in a worker thread once a slot is free; `rate_limited` if too many wait."""
        if self._waiting >= self._max_waiting:
            raise ApiError("rate_limited", "too many sign-ins at once; try again in a moment")
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            return await asyncio.to_thread(fn, *args)
        finally:
            self._slots.release()

    @property
    def waiting(self) -> int:
        """Calls waiting for a slot."""
        return self._waiting


AuditHook = Callable[[str, str, dict[str, int | str]], Awaitable[object]]
"""(action, actor, details) -> appended to the audit log."""


class LoginRefused(ApiError):
    """`login_backoff` or `login_locked`: no attempt was made; try again in `retry_after` s."""

    def __init__(self, code: str, retry_after: float) -> None:
        self.retry_after = max(1, round(retry_after))
        super().__init__(code, f"try again in {self.retry_after} s")


def make_hasher(settings: StaffSettings) -> PasswordHasher:
    """Argon2id with the configured cost."""
    return PasswordHasher(time_cost=settings.argon2_time_cost,
                          memory_cost=settings.argon2_memory_kib,
                          parallelism=settings.argon2_parallelism)


class StaffService:
    """Staff accounts over a StaffStore; clock and randomness injected."""

    def __init__(self, *, store: StaffStore, settings: StaffSettings, seal_key: bytes,
                 clock: Clock, rng: Random, log: EventLog) -> None:
        self.store = store
        self.settings = settings
        self._seal_key = seal_key
        self._clock = clock
        self._rng = rng
        self._log = log
        self._hasher = make_hasher(settings)
        self.hash_gate = HashGate()
        # Checked against when the name is unknown, so that costs as much as a wrong password.
        self._dummy_hash: str | None = None
        self.audit: AuditHook | None = None  # the server's audit log (server/app.py)

    def __repr__(self) -> str:
        return "StaffService()"

    # Accounts (admin) ---------------------------------------------------------------------------
    async def create(self, username: object, role: object, password: object) -> StaffAccount:
        """A new enabled account; its second factor is enrolled at first sign-in."""
        name, folded = policy.check_username(username)
        the_role = policy.check_role(role)
        secret = policy.check_password(password, name, self.settings)
        digest = await self.hash_gate.run(self._hasher.hash, secret)
        account = StaffAccount(
            username=name, folded=folded, role=the_role, password_hash=digest,
            totp_sealed=seal_totp(self._seal_key, folded, policy.new_totp_secret(self._rng),
                                  self._rng),
            totp_confirmed=False, totp_last_step=0, disabled=False,
            created_at=self._clock.now(), failures=0, last_failure_at=0.0)
        if not await self.store.create_account(account):
            raise ApiError("username_taken")
        self._log.info("staff.created", user_id=policy.staff_id(folded), role=the_role)
        return account

    async def invite(self, role: object, ttl_seconds: int | None = None) -> tuple[str, float]:
        """A one-time invitation code for `role` and when it expires."""
        code = policy.new_invite_code(self._rng)
        invite = policy.new_invite(code, policy.check_role(role), self._clock.now(),
                                   self.settings, ttl_seconds)
        await self.store.invite_put(invite)
        self._log.info("staff.invited", role=invite.role)
        return code, invite.expires_at

    async def redeem(self, code: object, username: object, password: object) -> StaffAccount:
        """Create the account an invitation grants. Name and password are checked before the
        code is spent; a code is spent by any attempt that gets that far."""
        digest = policy.invite_hash(code)
        name, folded = policy.check_username(username)
        policy.check_password(password, name, self.settings)
        if await self.store.is_staff_name(folded):
            raise ApiError("username_taken")
        invite = None if digest is None else await self.store.invite_take(
            digest, self._clock.now())
        if invite is None:
            raise ApiError("invite_invalid")
        return await self.create(name, invite.role, password)

    async def account(self, username: object) -> StaffAccount:
        """The named account or `unknown_staff`."""
        folded = policy.fold_username(username)
        account = None if folded is None else await self.store.get_account(folded)
        if account is None:
            raise ApiError("unknown_staff")
        return account

    async def disable(self, username: object) -> int:
        """Disable the account and end its sessions; return how many ended."""
        account = await self.account(username)
        await self.store.set_disabled(account.folded, True)
        ended = await self.store.revoke_sessions(account.folded)
        self._log.info("staff.disabled", user_id=policy.staff_id(account.folded), count=ended)
        return ended

    async def set_lead(self, username: object, lead: bool) -> StaffAccount:
        """Make a moderator an on-duty lead (`mod.debrief` goes to the leads on duty first), or
        not (the admin command line audits it). Only moderators can be leads (`not_moderator`)."""
        account = await self.account(username)
        if account.role != "moderator":
            raise ApiError("not_moderator", "only a moderator can be an on-duty lead")
        await self.store.set_lead(account.folded, lead)
        self._log.info("staff.lead", user_id=policy.staff_id(account.folded), on=int(lead))
        return replace(account, lead=lead)

    async def lead_keys(self) -> set[bytes]:
        """The bound identity keys of the enabled moderator accounts marked lead."""
        bound = await self.store.bound_keys()
        return {bound[a.folded] for a in await self.store.list_accounts()
                if a.lead and not a.disabled and a.role == "moderator" and a.folded in bound}

    async def disabled_keys(self) -> set[bytes]:
        """The bound identity keys of disabled accounts (the scheduler takes them off duty and
        hands a counsellor's cases back: server/handlers/offboard.py)."""
        bound = await self.store.bound_keys()
        return {bound[a.folded] for a in await self.store.list_accounts()
                if a.disabled and a.folded in bound}

    async def counsellor_keys(self) -> dict[str, bytes]:
        """username -> bound identity key of every enabled counsellor account: the counsellor
        team the team key is wrapped to (e2ee/team.py)."""
        bound = await self.store.bound_keys()
        return {a.username: bound[a.folded] for a in await self.store.list_accounts()
                if not a.disabled and a.role == "counsellor" and a.folded in bound}

    async def reset_totp(self, username: object) -> int:
        """A new second factor to enrol at next sign-in; ends the account's sessions."""
        account = await self.account(username)
        sealed = seal_totp(self._seal_key, account.folded, policy.new_totp_secret(self._rng),
                           self._rng)
        await self.store.set_totp(account.folded, sealed)
        ended = await self.store.revoke_sessions(account.folded)
        self._log.info("staff.totp_reset", user_id=policy.staff_id(account.folded), count=ended)
        return ended

    async def is_staff_name(self, folded: str) -> bool:
        """True if a staff account holds this folded name (peers may not take it)."""
        return await self.store.is_staff_name(folded)

    # Sign-in ------------------------------------------------------------------------------------
    async def login(self, username: object, password: object, totp: object) -> LoginResult:
        """Check password and second factor; on success a new session. Sign-ins and failed
        attempts go to the audit log when the server wired one in (`audit`)."""
        folded = policy.fold_username(username)
        actor = "staff:" + (policy.staff_id(folded) if folded else "unknown")
        try:
            result = await self._login(username, password, totp)
        except ApiError as exc:
            if self.audit is not None:
                await self.audit("login_failed", actor, {"code": exc.code})
            raise
        if self.audit is not None and result.session is not None:
            await self.audit("login", actor, {"role": result.session.role})
        return result

    async def _login(self, username: object, password: object, totp: object) -> LoginResult:
        code = policy.check_totp_format(totp)
        folded = policy.fold_username(username)
        account = None if folded is None else await self.store.get_account(folded)
        if not isinstance(password, str) or len(password) > PASSWORD_MAX_CHARS:
            raise self._failed(account, "bad_input")
        password = unicodedata.normalize("NFC", password)
        if account is None or account.disabled:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash_gate.run(
                    self._hasher.hash, policy.new_token(self._rng))
            await self.hash_gate.run(self._check_password, self._dummy_hash, password)
            raise self._failed(account, "unknown" if account is None else "disabled")
        now = self._clock.now()
        gate = policy.login_gate(account.failures, account.last_failure_at, now, self.settings)
        if not gate.allowed:
            assert gate.code is not None
            self._log.warning("staff.login_refused", user_id=policy.staff_id(account.folded),
                              code=gate.code)
            raise LoginRefused(gate.code, gate.retry_after)
        if not await self.store.claim_attempt(account.folded, account.failures, now):
            raise LoginRefused("login_backoff", 1)  # a racing attempt went first
        if not await self.hash_gate.run(self._check_password, account.password_hash, password):
            raise self._failed(account, "password")
        if policy.totp_required(account, self.settings):
            try:
                secret = open_totp(self._seal_key, account.folded, account.totp_sealed)
            except SealError:
                raise self._failed(account, "sealed") from None
            if code is None:
                if account.totp_confirmed:
                    raise ApiError("totp_required", "enter the code from your authenticator")
                return LoginResult(enrol_uri=pyotp.TOTP(secret).provisioning_uri(
                    name=account.username, issuer_name=policy.TOTP_ISSUER))
            step = self._matching_step(secret, code, now)
            if step is None or not await self.store.use_totp_step(account.folded, step):
                raise self._failed(account, "totp")
        await self.store.reset_failures(account.folded)
        await self._maybe_rehash(account, password)
        token = policy.new_token(self._rng)
        session = policy.new_session(token, account, now, self.settings)
        await self.store.session_put(session)
        await self.store.sweep(now)
        self._log.info("staff.login", user_id=policy.staff_id(account.folded), role=account.role)
        return LoginResult(session=session, token=token)

    async def bind_key(self, folded: str, identity_key: bytes) -> bytes | None:
        """Bind the account's end-to-end identity key (socket sign-in); the one it replaced."""
        return await self.store.bind_key(folded, identity_key)

    async def bound_keys(self) -> dict[str, bytes]:
        """folded username -> bound identity key."""
        return await self.store.bound_keys()

    async def logout(self, token: str | None) -> bool:
        """End the session of this token (no-op for an unknown one)."""
        if not token:
            return False
        return await self.store.session_delete(policy.token_hash(token))

    async def check_session(self, token: str | None) -> SignedIn:
        """The live session of this token, else `not_authenticated` or `session_expired`.
        A disabled or deleted account's sessions end here too."""
        if not token or len(token) > 2 * policy.TOKEN_BYTES:
            raise ApiError("not_authenticated")
        digest = policy.token_hash(token)
        session = await self.store.session_get(digest)
        if session is None:
            raise ApiError("not_authenticated")
        now = self._clock.now()
        if not policy.session_live(session, now, self.settings):
            await self.store.session_delete(digest)
            raise ApiError("session_expired")
        account = await self.store.get_account(session.folded)
        if account is None or account.disabled or account.role != session.role:
            await self.store.revoke_sessions(session.folded)
            raise ApiError("not_authenticated")
        if now - session.last_seen >= policy.SESSION_TOUCH_SECONDS:
            await self.store.session_touch(digest, now)
        return SignedIn(username=account.username, folded=account.folded, role=account.role,
                        expires_at=session.expires_at)

    def _failed(self, account: StaffAccount | None, why: str) -> ApiError:
        user = policy.staff_id(account.folded) if account is not None else None
        self._log.warning("staff.login_failed", user_id=user, reason=why)
        return ApiError("login_failed", policy.LOGIN_FAILED_MESSAGE)

    def _check_password(self, digest: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(digest, password))
        except (VerificationError, InvalidHashError):
            return False

    def _matching_step(self, secret: str, code: str, now: float) -> int | None:
        totp = pyotp.TOTP(secret, digits=policy.TOTP_DIGITS,
                          interval=policy.TOTP_PERIOD_SECONDS)
        for step in policy.totp_steps(now):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    async def _maybe_rehash(self, account: StaffAccount, password: str) -> None:
        if self._hasher.check_needs_rehash(account.password_hash):
            digest = await self.hash_gate.run(self._hasher.hash, password)
            await self.store.set_password_hash(account.folded, digest)
