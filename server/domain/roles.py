"""The roles of ARCHITECTURE.md §5, as one enum. A `StrEnum`, so a role is its wire string."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a connection or staff account is."""

    PEER = "peer"
    MODERATOR = "moderator"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"
