"""Port: moderation alerts (moderation/alerts.py), one per flagged message while it is active.

The records are `moderation.alerts.Alert`; an alert is *active* while it is open or acknowledged
(`is_active`), which keeps it in `active()` and findable by its message. The adapters keep the
JSON form of `moderation.records` (byte-compatible with the stores written before the ports were
typed). The handlers change alerts under the claim store's `mod:alerts` lock.
"""

from __future__ import annotations

import json
from typing import Protocol

from moderation.alerts import Alert, AlertState
from moderation.records import from_record, to_record


class AlertStore(Protocol):
    """Alerts by id and by message."""

    async def for_message(self, room: str, message_id: str) -> Alert | None:
        """The active alert about a message, if any."""
        ...

    async def get(self, alert_id: str) -> Alert | None:
        """One alert, active or not."""
        ...

    async def put(self, alert: Alert) -> None:
        """Write an alert (new or changed)."""
        ...

    async def erase(self, pseudonym: str) -> int:
        """Forget every alert about `pseudonym`, active or not. Returns how many went."""
        ...

    async def active(self) -> list[Alert]:
        """Every active alert, by id (for loads, deadlines and the night's end)."""
        ...


def is_active(alert: Alert) -> bool:
    """Open or acknowledged: still someone's to handle."""
    return alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED)


def record_text(alert: Alert) -> str:
    """The stored JSON of an alert."""
    return json.dumps(to_record(alert))


def from_text(text: str) -> Alert:
    """An alert from its stored JSON (`bad_record` if it is not one)."""
    return from_record(Alert, json.loads(text))
