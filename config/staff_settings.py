"""Typed `[staff]` settings: passwords, second factor, sign-in back-off, sessions, invitations.

    [staff]
    moderator_totp = false        # TOTP is always required for admins and counsellors
    password_min_chars = 12
    session_hours = 12            # absolute lifetime of a sign-in
    session_idle_minutes = 120    # a session unused this long ends
    invite_hours = 72             # lifetime of a one-time invitation code
    backoff_after = 3             # failures before each further attempt must wait
    backoff_max_seconds = 60
    lockout_after = 10            # failures in a row that lock the account
    lockout_minutes = 15
    argon2_time_cost = 3          # Argon2id (RFC 9106 second recommendation by default)
    argon2_memory_kib = 65536
    argon2_parallelism = 4
    key_file = "staff.key"        # seals TOTP secrets; relative to the settings file;
                                  # default <data_dir>/staff.key

Only the limits live here; the rules that use them are `server/domain/staff.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAFF_ROLES = ("admin", "moderator", "counsellor")
PASSWORD_MAX_CHARS = 256  # longer input is refused before hashing (Argon2 cost is per byte)


class StaffSettingsError(ValueError):
    """The [staff] table is malformed."""


@dataclass(frozen=True, kw_only=True)
class StaffSettings:
    """Staff account policy limits (defaults are the production values)."""

    moderator_totp: bool = False
    password_min_chars: int = 12
    session_seconds: int = 12 * 3600
    session_idle_seconds: int = 120 * 60
    invite_seconds: int = 72 * 3600
    backoff_after: int = 3
    backoff_max_seconds: int = 60
    lockout_after: int = 10
    lockout_seconds: int = 15 * 60
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    key_file: Path | None = None  # None: <data_dir>/staff.key

    @property
    def totp_roles(self) -> frozenset[str]:
        """Roles that must sign in with a TOTP code."""
        roles = {"admin", "counsellor"}
        if self.moderator_totp:
            roles.add("moderator")
        return frozenset(roles)


def _int(table: dict[str, object], key: str, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StaffSettingsError(f"[staff] {key} must be an integer in [{low}, {high}]")
    return value


def parse_staff_settings(table: dict[str, object], base_dir: Path) -> StaffSettings:
    """Validate the `[staff]` table; a relative `key_file` is resolved against `base_dir`."""
    moderator_totp = table.get("moderator_totp", False)
    if not isinstance(moderator_totp, bool):
        raise StaffSettingsError("[staff] moderator_totp must be true or false")
    key_file = table.get("key_file")
    if key_file is not None and not isinstance(key_file, str):
        raise StaffSettingsError("[staff] key_file must be a path")
    settings = StaffSettings(
        moderator_totp=moderator_totp,
        password_min_chars=_int(table, "password_min_chars", 12, 8, 128),
        session_seconds=_int(table, "session_hours", 12, 1, 24 * 7) * 3600,
        session_idle_seconds=_int(table, "session_idle_minutes", 120, 1, 24 * 60) * 60,
        invite_seconds=_int(table, "invite_hours", 72, 1, 24 * 30) * 3600,
        backoff_after=_int(table, "backoff_after", 3, 1, 100),
        backoff_max_seconds=_int(table, "backoff_max_seconds", 60, 1, 3600),
        lockout_after=_int(table, "lockout_after", 10, 2, 1000),
        lockout_seconds=_int(table, "lockout_minutes", 15, 1, 24 * 60) * 60,
        argon2_time_cost=_int(table, "argon2_time_cost", 3, 1, 20),
        argon2_memory_kib=_int(table, "argon2_memory_kib", 65536, 8, 4 * 1024 * 1024),
        argon2_parallelism=_int(table, "argon2_parallelism", 4, 1, 64),
        key_file=(base_dir / key_file) if key_file else None,
    )
    if settings.backoff_after >= settings.lockout_after:
        raise StaffSettingsError("[staff] backoff_after must be below lockout_after")
    return settings
