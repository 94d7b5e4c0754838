"""Port: merged flags per (room, message id), indexed by the writer's night for their risk
history (moderation/flags.py). Metadata only: ids, levels, categories, never text.

The records are `moderation.flags.MessageFlags`; the adapters keep them in the one JSON form of
`moderation.records` (`record_text` / `from_text` below), so a store written before the ports
were typed loads unchanged. The handlers change flags under the claim store's `mod:alerts` lock.
"""

from __future__ import annotations

import json
from typing import Protocol

from moderation.flags import MessageFlags
from moderation.records import from_record, to_record


class FlagStore(Protocol):
    """Merged flags of tonight's group messages."""

    async def get(self, room: str, message_id: str) -> MessageFlags | None:
        """The merged flags of one message."""
        ...

    async def put(self, flags: MessageFlags, *, night: str) -> None:
        """Write a message's merged flags, indexed by `night` and its writer (`flags.pseudonym`)."""
        ...

    async def of_night(self, night: str, pseudonym: str) -> list[MessageFlags]:
        """Every merged-flags record of `pseudonym` in `night` (their risk history)."""
        ...

    async def erase(self, pseudonym: str) -> int:
        """Forget every flag of `pseudonym`, of every night (a person erasing themselves: their
        risk history). Returns how many went."""
        ...

    async def drop_room(self, room: str) -> int:
        """Forget the room's flags (its night ended); returns how many were dropped."""
        ...


def record_text(flags: MessageFlags) -> str:
    """The stored JSON of a record."""
    return json.dumps(to_record(flags))


def from_text(text: str) -> MessageFlags:
    """A record from its stored JSON (`bad_record` if it is not one)."""
    return from_record(MessageFlags, json.loads(text))
