"""``python -m client``: a small terminal chat for trying a group.

Lines typed are sent to the current target (the group, or a 1:1 after ``/dm NAME``); incoming
messages are printed as ``[HH:MM] name: text`` (local time). Commands::

    /dm NAME          talk to NAME 1:1 from now on (names may contain spaces)
    /dm NAME: text    send one 1:1 message to NAME
    /group            talk to the group again
    /members          who is in the room
    /verify NAME      show the safety number to compare with NAME's (in person or by phone)
    /quit             leave and exit (end of input does the same)

Status lines start with ``*`` so a script driving the CLI can tell them from messages.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from typing import TextIO

from client.chats import DirectChat, Group
from client.errors import ClientError
from client.messages import Message
from client.peer import PeerClient


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(prog="python -m client", description="Iltapiiri terminal chat")
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="server URL")
    ap.add_argument("--group", default="open", help="group id to join (default: open)")
    ap.add_argument("--pseudonym", default=None, help="name others see (default: kept or generated)")
    ap.add_argument("--keystore", default=None, help="file to keep keys in (default: memory only)")
    ap.add_argument(
        "--passphrase-env", default=None, metavar="VAR",
        help="encrypt the keystore with the passphrase in environment variable VAR "
             "(not an argument: argv is visible to other users)",
    )
    return ap.parse_args(argv)


def format_message(message: Message) -> str:
    """``[HH:MM] sender: text`` for a group, ``[HH:MM] (dm) sender: text`` for 1:1."""
    when = message.sent_at.astimezone().strftime("%H:%M")
    where = "" if message.room is not None else "(dm) "
    return f"[{when}] {where}{printable(message.sender)}: {printable(message.text)}"


ZERO_WIDTH_JOINER = "\u200d"


def printable(text: str) -> str:
    """``text`` made safe for one terminal line: every character that is not printable
    (controls, ANSI escapes, line/paragraph separators, NEL, bidi overrides) becomes a space,
    so a peer's message can neither start a forged line nor move the cursor. The zero-width
    joiner stays (emoji sequences need it; it moves nothing)."""
    return "".join(ch if ch.isprintable() or ch == ZERO_WIDTH_JOINER else " " for ch in text)


class Chat:
    """State of one CLI session: the peer, the group and where typed lines go."""

    def __init__(self, peer: PeerClient, group: Group, out: TextIO) -> None:
        self.peer = peer
        self.group = group
        self.out = out
        self.target: Group | DirectChat = group

    def say(self, line: str) -> None:
        """Print a line at once (the CLI is often driven through a pipe)."""
        print(line, file=self.out, flush=True)

    def on_message(self, message: Message, chat: Group | DirectChat) -> None:
        """Listener for every delivered message."""
        self.say(format_message(message))

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the session should end."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return True
        try:
            if line.startswith("/"):
                return await self._command(line)
            await self.target.send(line)
        except ClientError as err:
            self.say(f"* error: {err.code} {err.message}")
        return True

    async def _command(self, line: str) -> bool:
        cmd, _, rest = line.partition(" ")
        if cmd == "/quit":
            return False
        if cmd == "/group":
            self.target = self.group
            self.say(f"* talking to {self.group.room}")
        elif cmd == "/verify":
            name = rest.strip()
            await self.peer.open_direct(name)
            self.say(f"* safety number with {name}: {self.peer.safety_number(name)}")
        elif cmd == "/members":
            self.say("* members: " + ", ".join(printable(m) for m in sorted(self.group.members)))
        elif cmd == "/dm":
            # Pseudonyms contain spaces ("Klar Svan 47"): the name runs to a colon or the end.
            name, _, text = rest.partition(":")
            name, text = name.strip(), text.strip()
            if not name:
                self.say("* usage: /dm NAME  or  /dm NAME: text")
                return True
            dm = await self.peer.open_direct(name)
            if text:
                await dm.send(text)
            else:
                self.target = dm
                self.say(f"* talking to {name} (1:1); /group to go back")
        else:
            self.say("* commands: /dm NAME, /dm NAME: text, /group, /members, /verify NAME, /quit")
        return True


async def _stdin_lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Connect, join, then relay lines until ``/quit`` or end of input."""
    try:
        passphrase = os.environ.get(args.passphrase_env) if args.passphrase_env else None
        if args.passphrase_env and not passphrase:
            print(f"* {args.passphrase_env} is not set", file=out, flush=True)
            return 2
        if args.keystore and passphrase is None and sys.stdin.isatty():
            # At a terminal, offer encryption at rest rather than silently writing keys in clear.
            passphrase = getpass.getpass("Keystore passphrase (empty: unencrypted): ") or None
        peer = await PeerClient.connect(
            args.url, pseudonym=args.pseudonym, keystore=args.keystore, passphrase=passphrase
        )
    except ClientError as err:
        print(f"* cannot connect: {err.code} {err.message}", file=out, flush=True)
        return 2
    try:
        try:
            group = await peer.join_group(args.group)
        except ClientError as err:
            print(f"* cannot join {args.group}: {err.code} {err.message}", file=out, flush=True)
            return 3
        chat = Chat(peer, group, out)
        peer.add_listener(chat.on_message)
        group.add_gap_listener(lambda _: chat.say("* some messages may not have reached you"))
        chat.say(f"* joined {group.room} as {peer.pseudonym}")
        reader = await _stdin_lines()
        closed = asyncio.create_task(group.closed())
        while True:
            read = asyncio.create_task(reader.readline())
            done, _ = await asyncio.wait({read, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                read.cancel()
                chat.say(f"* the room has closed ({group.close_reason})")
                break
            raw = read.result()
            if not raw or not await chat.handle(raw.decode("utf-8", "replace")):
                break
        closed.cancel()
        if not group.is_closed:
            with contextlib.suppress(ClientError):
                await group.leave()
        chat.say("* bye")
        return 0
    finally:
        await peer.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m client``."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(run(args))
    return 130
