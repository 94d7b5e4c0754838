"""Port: the moderators' duty roster, the pool `moderation.alerts.route` picks from (keyed by
staff user id until staff sign in on the socket). Durable: a restart keeps who is on duty."""

from __future__ import annotations

from typing import Protocol


class DutyStore(Protocol):
    """Who is on duty."""

    async def put(self, staff_id: str, on: bool) -> None:
        """Put a moderator on or off duty."""
        ...

    async def on_duty(self) -> set[str]:
        """The staff ids on duty."""
        ...
