"""What a feature declares for each client event it serves: the typed request's decoder, the
rule, the rate budget and whether sign-in is needed. `server/api/routes.py` assembles the
features' declarations into the one route table the Socket.IO adapter serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from server.handlers.services import Connection, Services

Rule = Callable[[Services, Connection, Any], Awaitable[dict[str, Any]]]


class Budget(Enum):
    """Which of the connection's token buckets an event spends from (before `auth`, every
    event spends from the small pre-sign-in bucket instead)."""

    SEND = "send"
    DIRECT = "direct"
    KEYS = "keys"
    OTHER = "other"


@dataclass(frozen=True, kw_only=True)
class Event:
    """How one client event is served."""

    name: str
    decode: Callable[[object], object]
    rule: Rule
    budget: Budget
    needs_auth: bool = True
    only_before_auth: bool = False
