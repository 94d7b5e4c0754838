"""Settings TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import SettingsError, load_settings, parse_settings


def test_defaults_use_shipped_groups() -> None:
    settings = load_settings(None)
    assert settings.port == 8080 and settings.host == "127.0.0.1"
    assert settings.pseudonym_window_days == 30 and settings.inbox_ttl_seconds == 7 * 86400
    assert (settings.send_rate, settings.send_burst) == (5.0, 20.0)
    assert any(g.id == "open" for g in settings.groups)


def test_full_file(tmp_path: Path) -> None:
    (tmp_path / "g.toml").write_text(
        '[[group]]\nid = "x"\nname = "X"\nlanguage = "sv"\nalways_open = true\n',
        encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(
        '[server]\nhost = "0.0.0.0"\nport = 9000\ndata_dir = "d"\ngroups_file = "g.toml"\n'
        '[identity]\npseudonym_window_days = 10\nreserved_names = ["Liisa"]\n'
        '[inbox]\nttl_days = 3\nmax_per_recipient = 9\n'
        'max_per_sender = 4\n[limits]\nsend_rate_per_second = 50\nsend_burst = 100\n'
        'auth_timeout_seconds = 2.5\nmax_connections_per_key = 3\n', encoding="utf-8")
    s = load_settings(path)
    assert (s.host, s.port, s.data_dir) == ("0.0.0.0", 9000, tmp_path / "d")
    assert [g.id for g in s.groups] == ["x"]
    assert s.reserved_names == ("Liisa",) and not hasattr(s, "moderator_keys")
    assert (s.inbox_ttl_seconds, s.inbox_max_per_recipient) == (3 * 86400, 9)
    assert (s.send_rate, s.send_burst, s.pseudonym_window_days) == (50.0, 100.0, 10)
    assert (s.inbox_max_per_sender, s.auth_timeout_seconds, s.max_connections_per_key) == \
        (4, 2.5, 3)


def test_an_empty_file_gives_the_settings_field_defaults() -> None:
    """One place for defaults: parse_settings reads the Settings fields, so an empty document
    and a default-built Settings agree on every field (groups and staff come from files)."""
    from dataclasses import fields

    from config.settings import DEFAULTS, Settings

    parsed = parse_settings({}, Path("."))
    for f in fields(Settings):
        if f.name not in ("groups", "staff"):
            assert getattr(parsed, f.name) == getattr(DEFAULTS, f.name), f.name


def test_the_server_limits_hold_no_copy_of_a_setting() -> None:
    from server import limits

    assert not [name for name in vars(limits) if name.startswith("DEFAULT_")]


@pytest.mark.parametrize("doc", [
    {"server": {"port": 70000}}, {"server": {"port": "80"}}, {"server": []},
    {"identity": {"reserved_names": "Liisa"}}, {"inbox": {"ttl_days": 0}},
    {"limits": {"send_burst": True}}, {"limits": {"auth_timeout_seconds": 0}},
    {"limits": {"max_connections_per_key": 0}}, {"inbox": {"max_per_sender": "9"}},
])
def test_bad_values_refused(doc: dict[str, object]) -> None:
    with pytest.raises(SettingsError):
        parse_settings(doc, Path("."))


def test_example_settings_are_the_defaults() -> None:
    example = load_settings(Path("config/settings.example.toml"))
    default = load_settings(None)
    assert example == default.with_overrides(data_dir=example.data_dir)


def test_shipped_sign_in_costs_are_real() -> None:
    """Issue 8: test servers may set the proof of work low; what ships must not."""
    s = load_settings(None)
    assert s.pow_bits == 16 and s.new_key_binding_seconds == 3600
    assert s.signin_per_minute == 30 and s.signin_burst == 60
    assert (s.prekey_fetches_per_requester, s.prekey_fetches_per_target) == (30, 15)
    assert s.trusted_proxies == frozenset({"127.0.0.1", "::1"})
    for doc in ({"identity": {"pow_bits": 29}}, {"identity": {"new_key_binding_minutes": 0}},
                {"limits": {"signin_burst": 0}}, {"limits": {"prekey_low_water": -1}},
                {"limits": {"trusted_proxies": "127.0.0.1"}}):
        with pytest.raises(SettingsError):
            parse_settings(doc, Path("."))
    assert parse_settings({"limits": {"trusted_proxies": []}}, Path(".")).trusted_proxies == \
        frozenset()
    assert parse_settings({"server": {"key_file": "k/server.key"}}, Path("/srv")).key_file == \
        Path("/srv/k/server.key")


def test_the_removed_moderator_keys_setting_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[identity]\nmoderator_keys = ["AAAA"]\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="create-staff"):
        load_settings(path)
