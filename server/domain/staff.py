"""Staff account policy, pure: usernames, passwords, sign-in back-off and lock-out, sessions,
one-time invitation codes, TOTP time steps. No I/O; the clock's `now` and a `Random` come in.

Sign-in back-off, by the account's count of failures in a row (`f`, reset by a success):

    f < backoff_after                  attempt allowed at once
    backoff_after <= f < lockout_after attempt allowed `min(2 ** (f - backoff_after), max)` s
                                       after the last failure, else `login_backoff`
    f >= lockout_after                 locked: one attempt allowed each `lockout_seconds` after
                                       the last failure, else `login_locked`

An attempt is counted as a failure *before* the password is checked (the store's
`claim_attempt` compares and sets the counter), so racing guesses cannot all pass one gate; a
success resets the counter. A refused attempt changes nothing, so it does not prolong a lock.

Sessions end `session_seconds` after sign-in, or `session_idle_seconds` after last use, or when
revoked (sign-out, account disabled, second factor reset). Tokens and invitation codes are
random; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from dataclasses import dataclass

from config.staff_settings import PASSWORD_MAX_CHARS, STAFF_ROLES, StaffSettings
from server.clock import Random
from server.domain import pseudonyms
from server.domain.staff_records import StaffAccount, StaffInvite, StaffSession
from server.limits import PSEUDONYM_MAX_CHARS
from server.wire.errors import ApiError

TOKEN_BYTES = 32
INVITE_CODE_BYTES = 10  # 80 bits, 16 base32 characters
TOTP_PERIOD_SECONDS = 30
TOTP_DIGITS = 6
TOTP_DRIFT_STEPS = 1  # a code from the step before or after is accepted (clock drift)
TOTP_SECRET_BYTES = 20  # RFC 4226's recommended 160 bits
MIN_DISTINCT_PASSWORD_CHARS = 5
SESSION_TOUCH_SECONDS = 60  # last use is written at most this often
TOTP_ISSUER = "Iltapiiri"
LOGIN_FAILED_MESSAGE = "wrong username, password or code"


@dataclass(frozen=True, kw_only=True)
class Gate:
    """Whether a sign-in attempt may go on; if not, the code and when to try again."""

    allowed: bool
    code: str | None = None
    retry_after: float = 0.0


def check_role(raw: object) -> str:
    """One of admin, moderator, counsellor, or `bad_request`."""
    if raw not in STAFF_ROLES:
        raise ApiError("bad_request", f"role must be one of {', '.join(STAFF_ROLES)}")
    assert isinstance(raw, str)
    return raw


def check_username(raw: object) -> tuple[str, str]:
    """(NFC username, its fold). Usernames follow the pseudonym rules, so the same fold decides
    that no peer can take a staff name and no two staff names look alike."""
    try:
        name = pseudonyms.validate(raw)
    except ApiError as exc:
        raise ApiError("username_invalid", exc.message.replace("pseudonym", "username")) from None
    return name, pseudonyms.fold(name)


def fold_username(raw: object) -> str | None:
    """The fold of a username as typed at sign-in, or None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 4 * PSEUDONYM_MAX_CHARS:
        return None
    return pseudonyms.fold(unicodedata.normalize("NFC", raw))


def check_password(password: object, username: str, settings: StaffSettings) -> str:
    """The NFC password if it follows the rules, else `password_weak` with the rule broken
    (the message never repeats the password)."""
    if not isinstance(password, str):
        raise ApiError("password_weak", "the password must be text")
    text = unicodedata.normalize("NFC", password)
    if len(text) < settings.password_min_chars:
        raise ApiError("password_weak",
                       f"the password needs at least {settings.password_min_chars} characters")
    if len(text) > PASSWORD_MAX_CHARS:
        raise ApiError("password_weak", f"the password may have at most {PASSWORD_MAX_CHARS} "
                                        "characters")
    if len(set(text.casefold())) < MIN_DISTINCT_PASSWORD_CHARS:
        raise ApiError("password_weak", "the password repeats too few characters")
    if pseudonyms.fold(username) in pseudonyms.fold(text):
        raise ApiError("password_weak", "the password may not contain the username")
    return text


def login_gate(failures: int, last_failure_at: float, now: float,
               settings: StaffSettings) -> Gate:
    """May a sign-in attempt go on now, after `failures` failures in a row?"""
    if failures < settings.backoff_after:
        return Gate(allowed=True)
    if failures >= settings.lockout_after:
        wait, code = float(settings.lockout_seconds), "login_locked"
    else:
        wait = float(min(2 ** (failures - settings.backoff_after), settings.backoff_max_seconds))
        code = "login_backoff"
    ready_at = last_failure_at + wait
    if now >= ready_at:
        return Gate(allowed=True)
    return Gate(allowed=False, code=code, retry_after=ready_at - now)


def totp_required(account: StaffAccount, settings: StaffSettings) -> bool:
    """A second factor is needed for the role, or because the person enrolled one anyway."""
    return account.role in settings.totp_roles or account.totp_confirmed


def totp_steps(now: float) -> tuple[int, ...]:
    """The TOTP time steps a code typed now may belong to, current step first."""
    step = int(now // TOTP_PERIOD_SECONDS)
    return (step, *(step - d for d in range(1, TOTP_DRIFT_STEPS + 1)),
            *(step + d for d in range(1, TOTP_DRIFT_STEPS + 1)))


def check_totp_format(raw: object) -> str | None:
    """A six-digit code, None if absent; anything else is `login_failed`."""
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) != TOTP_DIGITS or not raw.isascii() \
            or not raw.isdigit():
        raise ApiError("login_failed", LOGIN_FAILED_MESSAGE)
    return raw


def new_totp_secret(rng: Random) -> str:
    """A fresh base32 TOTP secret (what authenticator apps are given)."""
    return base64.b32encode(rng.bytes(TOTP_SECRET_BYTES)).decode("ascii")


def new_token(rng: Random) -> str:
    """A session token for the cookie (URL-safe base64, 256 bits)."""
    return base64.urlsafe_b64encode(rng.bytes(TOKEN_BYTES)).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    """What the store keeps of a session token."""
    return hashlib.sha256(b"iltapiiri/staff-session/v1\x00" + token.encode("utf-8")).hexdigest()


def new_session(token: str, account: StaffAccount, now: float,
                settings: StaffSettings) -> StaffSession:
    """The record of a sign-in made now."""
    return StaffSession(token_hash=token_hash(token), folded=account.folded, role=account.role,
                        created_at=now, last_seen=now, expires_at=now + settings.session_seconds)


def session_live(session: StaffSession, now: float, settings: StaffSettings) -> bool:
    """False once the session is past its lifetime or has been idle too long."""
    return now < session.expires_at and now < session.last_seen + settings.session_idle_seconds


def new_invite_code(rng: Random) -> str:
    """A one-time invitation code to read out or paste: `ABCD-EFGH-IJKL-MNOP` (base32)."""
    text = base64.b32encode(rng.bytes(INVITE_CODE_BYTES)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def invite_hash(code: object) -> str | None:
    """What the store keeps of an invitation code (case and dashes ignored), or None if `code`
    cannot be one."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    text = code.replace("-", "").replace(" ", "").upper()
    if len(text) != INVITE_CODE_BYTES * 8 // 5 or not text.isascii() or not text.isalnum():
        return None
    return hashlib.sha256(b"iltapiiri/staff-invite/v1\x00" + text.encode("ascii")).hexdigest()


def new_invite(code: str, role: str, now: float, settings: StaffSettings,
               ttl_seconds: int | None = None) -> StaffInvite:
    """The record of an invitation made now (expires after `ttl_seconds` or the setting)."""
    digest = invite_hash(code)
    assert digest is not None
    return StaffInvite(code_hash=digest, role=check_role(role), created_at=now,
                       expires_at=now + (ttl_seconds or settings.invite_seconds))


def staff_id(folded: str) -> str:
    """A short id for logs (never the username itself)."""
    return hashlib.sha256(b"iltapiiri/staff-id\x00" + folded.encode("utf-8")).hexdigest()[:16]
