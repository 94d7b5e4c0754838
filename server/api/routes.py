"""The route table: every client event, assembled from each feature's `EVENTS`.

A name declared by two features is an error at import, so a new feature cannot silently take
over another's event. The Socket.IO adapter serves exactly these names (the guard refuses any
other name from the wire).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from server.handlers import (
    cases,
    console,
    counsellor,
    direct,
    erase,
    keys,
    moderation,
    reports,
    rooms,
    sanctions,
    session,
    team_keys,
)
from server.handlers.events import Event


def assemble(*features: Iterable[Event]) -> dict[str, Event]:
    """One table from the features' declarations; refuses a name declared twice."""
    table: dict[str, Event] = {}
    for events in features:
        for event in events:
            if event.name in table:
                raise ValueError(f"event {event.name!r} is declared twice")
            table[event.name] = event
    return table


ROUTES: Final = assemble(session.EVENTS, keys.EVENTS, rooms.EVENTS, direct.EVENTS,
                         moderation.EVENTS, sanctions.EVENTS, reports.EVENTS, cases.EVENTS,
                         counsellor.EVENTS, console.EVENTS, erase.EVENTS, team_keys.EVENTS)
