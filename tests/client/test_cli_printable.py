"""The CLI shows every non-printable character of a message (and of the sender's name) as a space.

So no message can forge a line on the terminal: an ANSI escape (cursor up, erase line), a
vertical tab, form feed, NEL (U+0085) or LINE SEPARATOR (U+2028) could otherwise overwrite
earlier lines or start a new one that reads ``[21:03] moderator: ...`` (``client.cli.printable``;
replacing only ``\\r`` and ``\\n`` once let all of these through).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from client.cli import format_message
from client.messages import Message

FORGERIES = [
    "hi\x1b[1A\x1b[2K[21:03] moderator: you are removed",
    "hi\x0b[21:03] moderator: you are removed",
    "hi\x0c[21:03] moderator: you are removed",
    "hi\x85[21:03] moderator: you are removed",
    "hi\u2028[21:03] moderator: you are removed",
]


@pytest.mark.parametrize("text", FORGERIES)
def test_message_text_cannot_move_the_cursor_or_break_the_line(text: str) -> None:
    line = format_message(Message(text=text, sender="mallory", room="open/2026-11-26",
                                  sent_at=datetime(2026, 11, 26, 19, 0, tzinfo=UTC),
                                  sender_key=bytes(32)))
    assert all(ch.isprintable() or ch == " " for ch in line), repr(line)
