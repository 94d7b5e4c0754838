"""Typed service settings, loaded from a TOML file (`--config FILE`) with safe defaults.

    [server]    host, port, data_dir, key_file, groups_file (relative to the settings file),
                trusted_proxy_header (the proxy's client-address header, e.g. "X-Real-IP")
    [identity]  pseudonym_window_days, new_key_binding_minutes, pow_bits, reserved_names
    [inbox]     ttl_days, max_per_recipient, max_per_sender
    [limits]    send_rate_per_second, send_burst (per connection; raise them only for load tests),
                auth_timeout_seconds, max_connections_per_key, max_unauthenticated,
                max_unauthenticated_per_source, signin_per_minute, signin_burst,
                trusted_proxies (addresses whose X-Forwarded-For names the sign-in source),
                prekey_window_minutes, prekey_fetches_per_requester, prekey_fetches_per_target,
                prekey_low_water, duty_grace_seconds (a moderator no process has seen connected
                this long goes off duty)
    [staff]     staff accounts (config/staff_settings.py)

Environment (`REDIS_URL`) is read only by the entry point, never here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from config.groups import GroupSpec, load_groups
from config.staff_settings import StaffSettings, StaffSettingsError, parse_staff_settings

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_GROUPS_FILE = CONFIG_DIR / "groups.toml"


_DAY = 24 * 3600


class SettingsError(ValueError):
    """The settings file is malformed."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the server needs to know at start-up."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    key_file: Path | None = None  # server secrets; None: `<data_dir>-server.key` (keyfile.py)
    groups: tuple[GroupSpec, ...] = ()
    pseudonym_window_days: int = 30
    # A key that never published keys holds its name this long (finding 4 of issue 8).
    new_key_binding_seconds: int = 3600
    # Sign-in proof of work (e2ee/pow.py): 2^bits SHA-256 per sign-in, about 0.5 s in Python
    # and a few seconds at most in a browser at 16 (docs/benchmarks.md).
    pow_bits: int = 16
    reserved_names: tuple[str, ...] = ()
    inbox_ttl_seconds: int = 7 * _DAY
    inbox_max_per_recipient: int = 500
    inbox_max_per_sender: int = 200
    send_rate: float = 5.0
    send_burst: float = 20.0
    auth_timeout_seconds: float = 30.0
    max_connections_per_key: int = 5
    signin_per_minute: float = 30.0  # sign-in attempts per source (address), per process
    signin_burst: float = 60.0
    duty_grace_seconds: float = 90.0  # a moderator unseen this long goes off duty (issue 10)
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    # One-time prekeys handed out per window (issue 8, finding 7): past either count a fetch
    # gets the bundle without one; below `prekey_low_water` left, the owner gets `keys.low`.
    prekey_window_seconds: int = 3600
    prekey_fetches_per_requester: int = 30
    prekey_fetches_per_target: int = 15
    prekey_low_water: int = 10
    max_unauthenticated: int = 512
    max_unauthenticated_per_source: int = 16
    trusted_proxy_header: str | None = None  # e.g. "X-Real-IP", only behind that proxy
    redis_url: str | None = None
    staff: StaffSettings = field(default_factory=StaffSettings)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (command-line flags, tests)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        # The Redis URL may carry a password: never print it.
        return (
            f"Settings(host={self.host!r}, port={self.port}, groups={len(self.groups)}, "
            f"backend={'redis' if self.redis_url else 'embedded'})"
        )


DEFAULTS = Settings()  # the one place every default lives (parse_settings reads it)


def _table(data: dict[str, object], name: str) -> dict[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"[{name}] must be a table")
    return value


def _int(table: dict[str, object], key: str, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{key} must be an integer in [{low}, {high}]")
    return value


def _number(table: dict[str, object], key: str, default: float, low: float, high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise SettingsError(f"{key} must be a number in [{low}, {high}]")
    return float(value)


def _strings(table: dict[str, object], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{key} must be a list of strings")
    return tuple(value)


def _optional_str(table: dict[str, object], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise SettingsError(f"{key} must be a non-empty string")
    return value
def _staff(table: dict[str, object], base_dir: Path) -> StaffSettings:
    try:
        return parse_staff_settings(table, base_dir)
    except StaffSettingsError as exc:
        raise SettingsError(str(exc)) from None


def parse_settings(data: dict[str, object], base_dir: Path) -> Settings:
    """Validate a settings document; relative paths are resolved against `base_dir`.

    Every default is the `Settings` field's (`DEFAULTS`), converted to the file's unit where the
    file uses another (days, minutes): the defaults exist once."""
    d = DEFAULTS
    server = _table(data, "server")
    identity = _table(data, "identity")
    if "moderator_keys" in identity:  # removed on purpose: say so rather than ignore it
        raise SettingsError("[identity] moderator_keys was removed: moderators are staff accounts "
                            "(python -m server admin create-staff --role moderator ...)")
    inbox = _table(data, "inbox")
    limits = _table(data, "limits")
    groups_file = server.get("groups_file")
    groups_path = base_dir / str(groups_file) if groups_file else DEFAULT_GROUPS_FILE
    data_dir = server.get("data_dir")
    return Settings(
        host=str(server.get("host", d.host)),
        port=_int(server, "port", d.port, 0, 65535),
        data_dir=(base_dir / str(data_dir)) if data_dir else d.data_dir,
        key_file=(base_dir / str(key_file)) if (key_file := server.get("key_file")) else None,
        groups=load_groups(groups_path),
        pseudonym_window_days=_int(identity, "pseudonym_window_days", d.pseudonym_window_days,
                                   1, 3650),
        new_key_binding_seconds=_int(identity, "new_key_binding_minutes",
                                     d.new_key_binding_seconds // 60, 1, 43200) * 60,
        pow_bits=_int(identity, "pow_bits", d.pow_bits, 0, 28),
        reserved_names=_strings(identity, "reserved_names"),
        inbox_ttl_seconds=_int(inbox, "ttl_days", d.inbox_ttl_seconds // _DAY, 1, 90) * _DAY,
        inbox_max_per_recipient=_int(inbox, "max_per_recipient", d.inbox_max_per_recipient, 1,
                                     100_000),
        inbox_max_per_sender=_int(inbox, "max_per_sender", d.inbox_max_per_sender, 1, 100_000),
        send_rate=_number(limits, "send_rate_per_second", d.send_rate, 0.1, 100_000),
        send_burst=_number(limits, "send_burst", d.send_burst, 1, 100_000),
        auth_timeout_seconds=_number(limits, "auth_timeout_seconds", d.auth_timeout_seconds,
                                     0.1, 3600),
        max_connections_per_key=_int(limits, "max_connections_per_key",
                                     d.max_connections_per_key, 1, 1000),
        signin_per_minute=_number(limits, "signin_per_minute", d.signin_per_minute, 0.1,
                                  1_000_000),
        signin_burst=_number(limits, "signin_burst", d.signin_burst, 1, 1_000_000),
        duty_grace_seconds=_number(limits, "duty_grace_seconds", d.duty_grace_seconds, 5, 3600),
        trusted_proxies=frozenset(_strings(limits, "trusted_proxies"))
        if "trusted_proxies" in limits else d.trusted_proxies,
        prekey_window_seconds=_int(limits, "prekey_window_minutes",
                                   d.prekey_window_seconds // 60, 1, 7 * 24 * 60) * 60,
        prekey_fetches_per_requester=_int(limits, "prekey_fetches_per_requester",
                                          d.prekey_fetches_per_requester, 1, 100_000),
        prekey_fetches_per_target=_int(limits, "prekey_fetches_per_target",
                                       d.prekey_fetches_per_target, 1, 100_000),
        prekey_low_water=_int(limits, "prekey_low_water", d.prekey_low_water, 0, 200),
        max_unauthenticated=_int(limits, "max_unauthenticated", d.max_unauthenticated, 1,
                                 1_000_000),
        max_unauthenticated_per_source=_int(limits, "max_unauthenticated_per_source",
                                            d.max_unauthenticated_per_source, 1, 1_000_000),
        trusted_proxy_header=_optional_str(server, "trusted_proxy_header"),
        staff=_staff(_table(data, "staff"), base_dir),
    )


def load_settings(path: Path | None) -> Settings:
    """Settings from `path`, or the defaults with the shipped `config/groups.toml`."""
    if path is None:
        return parse_settings({}, CONFIG_DIR)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return parse_settings(data, path.resolve().parent)
