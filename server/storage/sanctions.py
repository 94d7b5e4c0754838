"""Port: sanctions and room controls (moderation/sanctions.py), with the last-send times slow
mode checks against.

The records are `moderation.sanctions.Sanction`: bans are found by pseudonym in any room, the
rest by room; a lifted sanction is written again under its id. The caller decides what is in
force (`Sanction.active_at`), so nothing has to run for a sanction to end. The adapters keep the
JSON form of `moderation.records` (byte-compatible with the stores written before the ports were
typed). A sanction's free-text reason is the moderator's words to the person: stored, never
logged or audited.
"""

from __future__ import annotations

import json
from typing import Protocol

from moderation.records import from_record, to_record
from moderation.sanctions import Sanction, SanctionKind


class SanctionStore(Protocol):
    """Sanctions by id, room and banned pseudonym; last sends for slow mode."""

    async def put(self, sanction: Sanction) -> None:
        """Write a sanction (new or lifted)."""
        ...

    async def get(self, sanction_id: str) -> Sanction | None:
        """One sanction."""
        ...

    async def for_room(self, room: str, pseudonym: str | None) -> list[Sanction]:
        """The room's sanctions and the pseudonym's bans, by id (the caller checks time)."""
        ...

    async def bans(self, pseudonym: str) -> list[Sanction]:
        """The pseudonym's bans, lifted ones too, by id."""
        ...

    async def erase(self, pseudonym: str, replacement: str) -> int:
        """Forget the pseudonym's sanctions other than bans and its last sends; re-key its bans
        under `replacement` (the ban stays, naming no one a peer can be). Returns how many
        non-ban sanctions went."""
        ...

    async def last_sent(self, room: str, pseudonym: str) -> float | None:
        """When `pseudonym` last sent in `room` (for slow mode)."""
        ...

    async def set_last_sent(self, room: str, pseudonym: str, at: float, ttl: int) -> None:
        """Record a send (kept `ttl` seconds)."""
        ...


def is_ban(sanction: Sanction) -> bool:
    """A ban follows the pseudonym into every room; the rest belong to their room."""
    return sanction.kind is SanctionKind.BAN


def record_text(sanction: Sanction) -> str:
    """The stored JSON of a sanction."""
    return json.dumps(to_record(sanction))


def from_text(text: str) -> Sanction:
    """A sanction from its stored JSON (`bad_record` if it is not one)."""
    return from_record(Sanction, json.loads(text))
