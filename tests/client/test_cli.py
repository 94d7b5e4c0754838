"""``python -m client`` driven as a subprocess against the real server."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from client import PeerClient
from client.cli import format_message
from client.messages import Message

ROOT = Path(__file__).resolve().parents[2]


async def read_until(stream: asyncio.StreamReader, needle: str, timeout: float = 15) -> str:
    """Lines from the CLI until one contains ``needle``; returns that line."""
    seen: list[str] = []

    async def scan() -> str:
        while True:
            raw = await stream.readline()
            if not raw:
                raise AssertionError(f"CLI ended before {needle!r}; it printed {seen!r}")
            line = raw.decode()
            seen.append(line)
            if needle in line:
                return line

    return await asyncio.wait_for(scan(), timeout)


async def test_cli_chats_in_a_group_and_one_to_one(embedded_url: str, tmp_path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "client", "--url", embedded_url, "--group", "open",
        "--pseudonym", "Cli Tester", "--keystore", str(tmp_path / "cli.keys"),
        "--passphrase-env", "CLI_TEST_PASSPHRASE",
        cwd=ROOT, env={**os.environ, "CLI_TEST_PASSPHRASE": "terminal secret"}, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    bob = await PeerClient.connect(embedded_url, pseudonym="Bob Listener")
    try:
        await read_until(proc.stdout, "* joined open/")
        group = await bob.join_group("open")

        await group.send("hello cli")
        line = await read_until(proc.stdout, "hello cli")
        assert "Bob Listener: hello cli" in line and line.startswith("[")

        proc.stdin.write(b"hi from the terminal\n")
        await proc.stdin.drain()
        got = await group.next_message(15)
        assert (got.sender, got.text) == ("Cli Tester", "hi from the terminal")

        dm = await bob.open_direct("Cli Tester")
        proc.stdin.write(b"/dm Bob Listener: private hello\n")  # names contain spaces
        await proc.stdin.drain()
        assert (await dm.next_message(15)).text == "private hello"
        proc.stdin.write(b"/dm Nobody Here 1\n")
        await proc.stdin.drain()
        await read_until(proc.stdout, "* error: unknown_user")
        proc.stdin.write(b"/members\n")
        await proc.stdin.drain()
        assert "Bob Listener" in await read_until(proc.stdout, "* members:")

        await dm.send("psst")
        assert "(dm) Bob Listener: psst" in await read_until(proc.stdout, "psst")

        proc.stdin.write(b"/dm Bob Listener\n")
        proc.stdin.write(b"now typed lines go to bob alone\n")
        await proc.stdin.drain()
        assert (await dm.next_message(15)).text == "now typed lines go to bob alone"
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        await read_until(proc.stdout, "* bye")
        assert await asyncio.wait_for(proc.wait(), 15) == 0
        assert b'"sealed"' in (tmp_path / "cli.keys").read_bytes()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await bob.close()


def test_format_message_keeps_one_line_per_message() -> None:
    from datetime import UTC, datetime

    msg = Message(
        text="line one\n[00:00] Moderator: fake", sender="Peer 1",
        sent_at=datetime(2026, 11, 26, 18, 0, tzinfo=UTC), room="open/2026-11-26",
        sender_key=bytes(32),
    )
    out = format_message(msg)
    assert "\n" not in out and out.endswith("Peer 1: line one [00:00] Moderator: fake")


def test_sender_names_and_bidi_overrides_are_neutralised_too() -> None:
    from datetime import UTC, datetime

    msg = Message(
        text="ok \u202eevil\u202c 👨\u200d👩\u200d👧", sender="mod\x1b[2Kerator",
        sent_at=datetime(2026, 11, 26, 18, 0, tzinfo=UTC), room=None, sender_key=bytes(32),
    )
    out = format_message(msg)
    assert "\x1b" not in out and "\u202e" not in out
    assert "👨\u200d👩\u200d👧" in out  # emoji sequences keep their joiners
