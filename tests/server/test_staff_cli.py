"""`python -m server admin ...` end to end in subprocesses, on SQLite and on a real Redis; the
accounts it makes sign in to a `python -m server` process on the same data."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from config.settings import load_settings
from server.domain.ids import user_id
from server.staff_wiring import open_duty_store, open_staff_store
from tests.fixtures.server import REPO_ROOT, ServerProcess, write_test_config
from tests.server.staff_http_client import GOOD_PASSWORD, StaffHttp

FAST_TOML = "\n[staff]\nargon2_time_cost = 1\nargon2_memory_kib = 1024\nargon2_parallelism = 1\n"


class Admin:
    """Runs admin commands against one data dir / Redis with one config."""

    def __init__(self, config: Path, data_dir: Path, redis_url: str | None) -> None:
        self.config, self.data_dir, self.redis_url = config, data_dir, redis_url

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return subprocess.run(
            [sys.executable, "-m", "server", "admin", *args, "--config", str(self.config),
             "--data-dir", str(self.data_dir)],
            cwd=REPO_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=60,
            check=False)


@pytest.fixture(params=["embedded", "redis"])
def admin(request: pytest.FixtureRequest, tmp_path: Path) -> Admin:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    config = write_test_config(tmp_path / "config", extra_toml=FAST_TOML)
    return Admin(config, tmp_path / "data", url)


def test_the_admin_commands(admin: Admin) -> None:
    made = admin("create-staff", "--role", "admin", "--username", "Liisa K", "--password-stdin",
                 stdin=GOOD_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == \
        "created Liisa K (admin); second factor required: enrol it at first sign-in"
    again = admin("create-staff", "--role", "moderator", "--username", "liisa_k",
                  "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert again.returncode == 1 and "error: username_taken" in again.stderr
    weak = admin("create-staff", "--role", "moderator", "--username", "Mia", "--password-stdin",
                 stdin="short\n")
    assert weak.returncode == 1 and "error: password_weak" in weak.stderr
    assert "short" not in weak.stderr  # the refusal never repeats the password
    no_stdin = admin("create-staff", "--role", "moderator", "--username", "Mia Moderoi")
    assert no_stdin.returncode == 1 and "--password-stdin" in no_stdin.stderr
    bad_role = admin("create-staff", "--role", "peer", "--username", "Mia", "--password-stdin")
    assert bad_role.returncode == 2  # argparse refuses it
    assert admin("create-staff", "--role", "moderator", "--username", "Mia Moderoi",
                 "--password-stdin", stdin=GOOD_PASSWORD).returncode == 0

    invite = admin("invite", "--role", "counsellor", "--hours", "2")
    assert invite.returncode == 0, invite.stderr
    assert re.search(r"^invitation for a counsellor: [A-Z2-7]{4}(-[A-Z2-7]{4}){3}$",
                     invite.stdout, flags=re.MULTILINE)
    assert "valid once, until 20" in invite.stdout

    listed = admin("list-staff")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["username", "role", "state", "totp", "lead", "duty", "created"]
    assert re.match(r"Liisa K +admin +active +pending +- +- ", lines[1])
    assert re.match(r"Mia Moderoi +moderator +active +off +no +off ", lines[2])

    assert admin("disable", "Mia Moderoi").stdout.strip() == \
        "disabled Mia Moderoi; 0 session(s) ended"
    assert re.search(r"Mia Moderoi +moderator +disabled", admin("list-staff").stdout)
    reset = admin("reset-totp", "liisa_k")
    assert reset.returncode == 0 and "enrol again at next sign-in" in reset.stdout
    unknown = admin("disable", "Nobody Here")
    assert unknown.returncode == 1 and "error: unknown_staff" in unknown.stderr
    for out in (made, again, weak, listed, reset):
        assert GOOD_PASSWORD not in out.stdout + out.stderr
    if admin.redis_url is None:
        assert oct((admin.data_dir / "staff.sqlite3").stat().st_mode & 0o777) == "0o600"
    assert oct((admin.data_dir / "staff.key").stat().st_mode & 0o777) == "0o600"


async def test_an_account_made_on_the_command_line_signs_in_to_the_server(
        admin: Admin, server_process: Callable[..., ServerProcess]) -> None:
    server = server_process(data_dir=admin.data_dir, config=admin.config,
                            redis_url=admin.redis_url)
    made = await asyncio.to_thread(
        admin, "create-staff", "--role", "moderator", "--username", "Mia Moderoi",
        "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    http = StaffHttp(server.url)
    assert (await http.login("Mia Moderoi", GOOD_PASSWORD)).status == 200
    assert (await http.session()).body["username"] == "Mia Moderoi"
    # Disabling from the shell ends the running server's session at once.
    disabled = await asyncio.to_thread(admin, "disable", "Mia Moderoi")
    assert disabled.stdout.strip() == "disabled Mia Moderoi; 1 session(s) ended"
    assert (await http.session()).body["error"] == "not_authenticated"
    assert GOOD_PASSWORD not in server.log_text()


def test_set_lead_marks_a_moderator_and_is_audited(admin: Admin) -> None:
    assert admin("create-staff", "--role", "moderator", "--username", "Mia Moderoi",
                 "--password-stdin", stdin=GOOD_PASSWORD).returncode == 0
    assert admin("create-staff", "--role", "counsellor", "--username", "Kaisa K",
                 "--password-stdin", stdin=GOOD_PASSWORD).returncode == 0
    on = admin("set-lead", "mia moderoi", "on")
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "Mia Moderoi is now an on-duty lead"
    off = admin("set-lead", "Mia Moderoi", "off")
    assert off.stdout.strip() == "Mia Moderoi is no longer an on-duty lead"
    refused = admin("set-lead", "Kaisa K", "on")
    assert refused.returncode == 1 and "error: not_moderator" in refused.stderr
    unknown = admin("set-lead", "Nobody Here", "on")
    assert unknown.returncode == 1 and "error: unknown_staff" in unknown.stderr
    assert admin("set-lead", "Mia Moderoi", "maybe").returncode == 2  # argparse refuses it
    verified = admin("audit", "--verify")
    assert verified.returncode == 0 and "verified: 2 row(s)" in verified.stdout, verified


async def test_list_staff_shows_the_lead_and_who_is_on_duty_now(admin: Admin) -> None:
    """The lead mark counts while that moderator is on duty: list-staff shows both, read from
    the same stores the server writes (the bound identity key and the duty set)."""
    for name in ("Mia Moderoi", "Olli Ohjaaja"):
        made = await asyncio.to_thread(admin, "create-staff", "--role", "moderator",
                                       "--username", name, "--password-stdin",
                                       stdin=GOOD_PASSWORD)
        assert made.returncode == 0, made.stderr
    assert (await asyncio.to_thread(admin, "set-lead", "Mia Moderoi", "on")).returncode == 0
    settings = load_settings(admin.config).with_overrides(
        data_dir=admin.data_dir, redis_url=admin.redis_url)
    store = open_staff_store(settings)
    try:
        mia_key, olli_key = bytes(range(32)), bytes(range(1, 33))
        folded = {a.username: a.folded for a in await store.list_accounts()}
        assert await store.bind_key(folded["Mia Moderoi"], mia_key) is None
        assert await store.bind_key(folded["Olli Ohjaaja"], olli_key) is None
    finally:
        await store.close()

    def row(name: str) -> list[str]:
        listed = admin("list-staff")
        assert listed.returncode == 0, listed.stderr
        return next(line.split()[3:7] for line in listed.stdout.splitlines()
                    if line.startswith(name))

    assert row("Mia Moderoi") == ["active", "off", "yes", "off"]  # a lead, not on duty
    async with open_duty_store(settings) as duty:
        await duty.put(user_id(mia_key), True)
    assert await asyncio.to_thread(row, "Mia Moderoi") == ["active", "off", "yes", "on"]
    assert await asyncio.to_thread(row, "Olli Ohjaaja") == ["active", "off", "no", "off"]
    async with open_duty_store(settings) as duty:
        await duty.put(user_id(mia_key), False)
        await duty.put(user_id(olli_key), True)
    assert await asyncio.to_thread(row, "Mia Moderoi") == ["active", "off", "yes", "off"]
    assert await asyncio.to_thread(row, "Olli Ohjaaja") == ["active", "off", "no", "on"]


def _cut_audit_tail(admin: Admin, keep: int) -> None:
    """What an attacker with write access to the store can do unseen by the chain alone: drop
    the last rows (and, on Redis, the head pointer with them)."""
    if admin.redis_url:
        import redis

        r = redis.Redis.from_url(admin.redis_url)
        try:
            r.ltrim("ilp:mod:audit", 0, keep - 1)
            r.delete("ilp:mod:audithead")
        finally:
            r.close()
    else:
        import sqlite3

        db = sqlite3.connect(admin.data_dir / "moderation.sqlite3")
        try:
            db.execute("DELETE FROM audit_log WHERE seq >= ?", (keep,))
            db.commit()
        finally:
            db.close()


def test_an_audit_head_kept_outside_the_store_finds_a_tail_cut_off(admin: Admin) -> None:
    """`audit --head` prints a checkpoint; `audit --verify --checkpoint` holds while the log only
    grows, and fails once rows at or below it are cut, which the chain alone cannot see."""
    assert admin("audit", "--head").stdout.strip() == "audit log is empty"
    assert admin("create-staff", "--role", "moderator", "--username", "Mia Moderoi",
                 "--password-stdin", stdin=GOOD_PASSWORD).returncode == 0
    for state in ("on", "off"):
        assert admin("set-lead", "Mia Moderoi", state).returncode == 0
    head = admin("audit", "--head")
    assert head.returncode == 0, head.stderr
    checkpoint = head.stdout.strip()
    assert re.fullmatch(r"1:[0-9a-f]{64}", checkpoint), checkpoint
    assert admin("set-lead", "Mia Moderoi", "on").returncode == 0  # the log grows: still holds
    held = admin("audit", "--verify", "--checkpoint", checkpoint)
    assert held.returncode == 0 and "3 row(s); 1 checkpoint(s) held" in held.stdout, held
    _cut_audit_tail(admin, keep=1)
    alone = admin("audit", "--verify")
    assert alone.returncode == 0 and "verified: 1 row(s)" in alone.stdout, alone  # unseen
    caught = admin("audit", "--verify", "--checkpoint", checkpoint)
    assert caught.returncode == 1 and "cut below it" in caught.stderr, caught
    bad = admin("audit", "--verify", "--checkpoint", "1:nothex")
    assert bad.returncode == 2 and "bad_checkpoint" in bad.stderr, bad
