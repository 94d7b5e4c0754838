"""`python -m server admin COMMAND`: staff accounts from the operator's shell.

    create-staff --role admin|moderator|counsellor --username NAME --password-stdin
    invite --role ROLE [--hours H]     prints a one-time invitation code and when it expires
    list-staff                         name, role, state, second factor (never a secret),
                                       and for moderators: lead or not, on duty now or not
    disable NAME                       the account can no longer sign in; its sessions end
    reset-totp NAME                    a new second factor, enrolled at next sign-in
    set-lead NAME on|off               a moderator is (or is no longer) an on-duty lead, who
                                       gets the debrief requests first (audited)
    audit --verify [--checkpoint S:H]  check the audit log's hash chain; name the first
                                       broken link (exit status 1 if there is one); with a
                                       checkpoint from `audit --head`, also find rows cut
                                       off the end or rewritten since it was taken
    audit --head                       print the chain's head `<seq>:<hash>` to keep outside
                                       the store (a cron job, a write-once log)
    retention                          what is kept, where and for how long (from the
                                       settings), for a data-protection authority

Every command takes `--config FILE` and `--data-dir DIR` like the server, and uses Redis when
`REDIS_URL` is set. A password is read from standard input only (never from the command line,
where `ps` and the shell history would show it). Exit status 0, or 1 with `error: <code>`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from config.escalation import load_escalation_settings
from config.settings import Settings, SettingsError, load_settings
from config.staff_settings import STAFF_ROLES
from moderation.audit import AuditRow, broken_checkpoint, checkpoint_text, parse_checkpoint
from moderation.limits import RuleError
from server.admin.retention import report
from server.clock import SystemClock, SystemRandom
from server.domain.ids import user_id
from server.handlers import audit_log
from server.handlers.audit_log import check_chain
from server.handlers.staff import StaffService
from server.logs import EventLog, configure_logging
from server.staff_wiring import (
    build_staff_service,
    open_audit_store,
    open_duty_store,
    open_staff_store,
)
from server.storage.staff_keyfile import KeyFileError
from server.wire.errors import ApiError

Command = Callable[[StaffService, argparse.Namespace], Coroutine[Any, Any, str]]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


async def create_staff(service: StaffService, args: argparse.Namespace) -> str:
    """Create an account with a password read from standard input."""
    if not args.password_stdin:
        raise ApiError("bad_request", "give the password on standard input (--password-stdin)")
    password = _read_password().removesuffix("\r")
    account = await service.create(args.username, args.role, password)
    factor = ("required: enrol it at first sign-in" if account.role in
              service.settings.totp_roles else "optional")
    return f"created {account.username} ({account.role}); second factor {factor}"


async def invite(service: StaffService, args: argparse.Namespace) -> str:
    """Print a one-time invitation code."""
    ttl = None if args.hours is None else int(args.hours * 3600)
    code, expires_at = await service.invite(args.role, ttl)
    return f"invitation for a {args.role}: {code}\nvalid once, until {_when(expires_at)}"


async def list_staff(service: StaffService, args: argparse.Namespace) -> str:
    """One line per account: name, role, state, second factor, lead, duty, created.

    `lead` is the standing mark of `set-lead`; it counts only while that moderator is on duty
    (`duty on`), which is who gets tonight's debrief requests. `duty` is "-" for the roles that
    have no duty, and "off" for a moderator who has never signed in from a client."""
    bound = await service.store.bound_keys()
    async with open_duty_store(args.settings) as duty:
        on_duty = await duty.on_duty()
    rows = [f"{'username':<24} {'role':<10} {'state':<9} {'totp':<8} {'lead':<4} {'duty':<4} "
            f"created"]
    for a in await service.store.list_accounts():
        state = "disabled" if a.disabled else (
            "locked" if a.failures >= service.settings.lockout_after else "active")
        totp = "enrolled" if a.totp_confirmed else (
            "pending" if a.role in service.settings.totp_roles else "off")
        moderator = a.role == "moderator"
        lead = ("yes" if a.lead else "no") if moderator else "-"
        here = a.folded in bound and user_id(bound[a.folded]) in on_duty
        duty_now = ("on" if here else "off") if moderator else "-"
        rows.append(f"{a.username:<24} {a.role:<10} {state:<9} {totp:<8} {lead:<4} "
                    f"{duty_now:<4} {_when(a.created_at)}")
    return "\n".join(rows)


async def disable(service: StaffService, args: argparse.Namespace) -> str:
    """Disable an account and end its sessions."""
    ended = await service.disable(args.name)
    return f"disabled {args.name}; {ended} session(s) ended"


CLI_ACTOR = "admin-cli"
"""The audit log's actor for a change made from the operator's shell."""


async def set_lead(service: StaffService, args: argparse.Namespace) -> str:
    """Mark a moderator an on-duty lead or not; the change goes to the audit log."""
    on = args.state == "on"
    account = await service.set_lead(args.name, on)
    async with open_audit_store(args.settings) as store:
        await audit_log.append(store, SystemClock(), actor=CLI_ACTOR,
                               action="staff_lead_on" if on else "staff_lead_off",
                               pseudonym=account.username)
    return f"{account.username} is {'now' if on else 'no longer'} an on-duty lead"


async def reset_totp(service: StaffService, args: argparse.Namespace) -> str:
    """Replace an account's second factor."""
    ended = await service.reset_totp(args.name)
    return f"second factor of {args.name} reset: enrol again at next sign-in; " \
           f"{ended} session(s) ended"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                        help="settings TOML file")
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="directory of the embedded store (default ./data)")
    parser = argparse.ArgumentParser(prog="python -m server admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-staff", parents=[common], help="create a staff account")
    p.add_argument("--role", choices=STAFF_ROLES, required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input")
    p.set_defaults(run=create_staff)
    p = sub.add_parser("invite", parents=[common], help="print a one-time invitation code")
    p.add_argument("--role", choices=STAFF_ROLES, required=True)
    p.add_argument("--hours", type=float, default=None, help="valid this long (default: config)")
    p.set_defaults(run=invite)
    p = sub.add_parser("list-staff", parents=[common], help="list staff accounts")
    p.set_defaults(run=list_staff)
    p = sub.add_parser("disable", parents=[common], help="disable an account")
    p.add_argument("name")
    p.set_defaults(run=disable)
    p = sub.add_parser("reset-totp", parents=[common], help="reset an account's second factor")
    p.add_argument("name")
    p.set_defaults(run=reset_totp)
    p = sub.add_parser("set-lead", parents=[common], help="mark a moderator an on-duty lead")
    p.add_argument("name")
    p.add_argument("state", choices=("on", "off"))
    p.set_defaults(run=set_lead)
    p = sub.add_parser("audit", parents=[common], help="the audit log")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--verify", action="store_true",
                      help="check the hash chain and name the first broken link")
    what.add_argument("--head", action="store_true",
                      help="print the chain's head as <seq>:<hash> to keep outside the store")
    p.add_argument("--checkpoint", action="append", default=[], metavar="SEQ:HASH",
                   help="with --verify: a head printed earlier by --head must still be in the "
                        "chain (finds rows cut off the end); may be repeated")
    sub.add_parser("retention", parents=[common], help="what is kept and for how long")
    return parser


async def verify_audit(settings: Settings, checkpoints: Sequence[str] = ()) -> tuple[int, str]:
    """`audit --verify [--checkpoint SEQ:HASH ...]`: (exit status, what to print)."""
    try:
        wanted = [parse_checkpoint(c) for c in checkpoints]
    except RuleError as exc:
        return 2, f"error: {exc}"
    async with open_audit_store(settings) as store:
        result = await check_chain(store)
        rows = [r for r in await store.rows() if isinstance(r, AuditRow)]
    if result.broken_at is not None:
        return 1, (f"audit chain broken at row {result.broken_at} (seq {result.broken_at}) of "
                   f"{result.rows}: {result.reason}")
    for seq, digest in wanted:
        at = broken_checkpoint(rows, (seq, digest))
        if at is not None:
            why = "cut below it" if at == len(rows) else "rewritten"
            return 1, (f"audit chain disagrees with checkpoint {seq}:{digest.hex()[:12]}…: "
                       f"{why} (row {at} of {result.rows})")
    held = f"; {len(wanted)} checkpoint(s) held" if wanted else ""
    return 0, f"audit chain verified: {result.rows} row(s){held}"


async def audit_head(settings: Settings) -> tuple[int, str]:
    """`audit --head`: the checkpoint to keep elsewhere (a cron job mailing it, a write-once
    log): later `audit --verify --checkpoint` finds a tail cut off or rewritten since."""
    async with open_audit_store(settings) as store:
        result = await check_chain(store)
        rows = [r for r in await store.rows() if isinstance(r, AuditRow)]
    if result.broken_at is not None:
        return 1, f"audit chain broken at row {result.broken_at}: no head to vouch for"
    if not rows:
        return 0, "audit log is empty"
    return 0, checkpoint_text(rows)


async def _run(settings: Settings, command: Command, args: argparse.Namespace) -> str:
    store = open_staff_store(settings)
    try:
        service = build_staff_service(settings, store, clock=SystemClock(), rng=SystemRandom(),
                                      log=EventLog())
        return await command(service, args)
    finally:
        await store.close()


def main(argv: list[str]) -> int:
    """Run one admin command; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "invite" and args.hours is not None and not 0 < args.hours <= 24 * 30:
        print("error: bad_request: --hours must be in (0, 720]", file=sys.stderr)
        return 1
    configure_logging()
    try:
        settings = load_settings(getattr(args, "config", None))
    except (OSError, SettingsError) as exc:
        print(f"error: bad_config: {exc}", file=sys.stderr)
        return 1
    changes: dict[str, object] = {"redis_url": os.environ.get("REDIS_URL") or None}
    if getattr(args, "data_dir", None) is not None:
        changes["data_dir"] = args.data_dir
    settings = settings.with_overrides(**changes)
    if args.command == "retention":
        print(report(settings, load_escalation_settings()))
        return 0
    if args.command == "audit":
        status, text = asyncio.run(audit_head(settings) if args.head
                                   else verify_audit(settings, args.checkpoint))
        print(text, file=sys.stdout if status == 0 else sys.stderr)
        return status
    args.settings = settings  # for the commands that also write the audit log
    try:
        print(asyncio.run(_run(settings, args.run, args)))
    except ApiError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyFileError as exc:
        print(f"error: key_file: {exc}", file=sys.stderr)
        return 1
    return 0
