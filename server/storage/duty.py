"""Port: the moderators' duty roster, the pool `moderation.alerts.route` picks from (keyed by
staff user id until staff sign in on the socket). Durable: a restart keeps who is on duty.

On duty means present (issue 10): every scheduler tick, each process marks the on-duty
moderators it holds a live connection for as `seen`; a moderator not seen by any process for
the grace period (`[limits] duty_grace_seconds`) is `absent`, and `drop_absent` takes them off
duty unless a process saw them meanwhile (one check-and-remove, so two ticking processes and a
reconnect never race)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class DutyStore(Protocol):
    """Who is on duty, and when a process last held a connection of theirs."""

    async def put(self, staff_id: str, on: bool) -> None:
        """Put a moderator on or off duty (off also forgets when they were seen)."""
        ...

    async def on_duty(self) -> set[str]:
        """The staff ids on duty."""
        ...

    async def seen(self, staff_ids: Collection[str], now: float) -> None:
        """These moderators have a live connection on this process at `now`."""
        ...

    async def absent(self, before: float) -> set[str]:
        """The staff ids on duty not seen since `before` (never seen counts as absent)."""
        ...

    async def drop_absent(self, staff_id: str, before: float) -> bool:
        """Take `staff_id` off duty if still on duty and not seen since `before`; whether
        this call did it."""
        ...
