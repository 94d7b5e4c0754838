"""The staff modules keep to the layout (pure policy, handlers without web imports) and the docs
name every staff endpoint, code and setting."""

from __future__ import annotations

import ast
from pathlib import Path

from aiohttp import web

from config.staff_settings import StaffSettings
from server.api.staff_http import STATUS, add_staff_routes

ROOT = Path(__file__).resolve().parents[2]
PURE_FORBIDDEN = {"aiohttp", "socketio", "redis", "asyncio", "socket", "time", "datetime",
                  "random", "secrets", "uuid", "sqlite3", "os", "logging", "pyotp", "argon2"}
HANDLER_FORBIDDEN = {"aiohttp", "socketio", "redis", "sqlite3"}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def full_imports(path: Path) -> set[str]:
    return {node.module for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module}


def test_the_policy_is_pure_and_handlers_import_no_web_or_store() -> None:
    for name in ("staff.py", "staff_secrets.py", "staff_records.py"):
        path = ROOT / "server" / "domain" / name
        found = imports(path) & PURE_FORBIDDEN
        assert not found, (name, found)
        assert not any(m.startswith(("server.storage", "server.handlers", "server.api"))
                       for m in full_imports(path)), name
    assert not imports(ROOT / "server" / "handlers" / "staff.py") & HANDLER_FORBIDDEN


def test_staff_modules_stay_small() -> None:
    paths = [*(ROOT / "server").glob("**/staff*.py"), ROOT / "server" / "admin" / "cli.py"]
    assert len(paths) >= 9
    for path in paths:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name


def test_protocol_doc_names_every_staff_endpoint_code_and_setting() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = doc.split("## Staff sign-in (HTTP)", 1)[1]
    app = web.Application()
    add_staff_routes(app, lambda: None)  # type: ignore[arg-type,return-value]
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        assert f"`{route.method} {route.resource.canonical}`" in section  # type: ignore[union-attr]
    for code in STATUS:
        if code not in ("bad_request", "too_large", "unknown_staff", "not_authenticated"):
            assert f"`{code}`" in section, code
    defaults = StaffSettings()
    assert f"after {defaults.lockout_after} (" in section
    assert f"{defaults.backoff_after} failures" in section
    assert f"{defaults.session_seconds // 3600} hours" in section
    assert f"{defaults.session_idle_seconds // 60} minutes" in section
    assert f"{defaults.invite_seconds // 3600} hours" in section
    assert f"{defaults.password_min_chars}–256" in section


def test_the_example_settings_show_every_staff_default() -> None:
    example = (ROOT / "config" / "settings.example.toml").read_text(encoding="utf-8")
    d = StaffSettings()
    for line in (f"password_min_chars = {d.password_min_chars}",
                 f"session_hours = {d.session_seconds // 3600}",
                 f"session_idle_minutes = {d.session_idle_seconds // 60}",
                 f"invite_hours = {d.invite_seconds // 3600}",
                 f"backoff_after = {d.backoff_after}", f"lockout_after = {d.lockout_after}",
                 f"lockout_minutes = {d.lockout_seconds // 60}",
                 f"argon2_memory_kib = {d.argon2_memory_kib}"):
        assert line in example, line
