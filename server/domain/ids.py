"""Ids derived from identity keys, for logs, metrics, rate-limit keys and Socket.IO rooms."""

from __future__ import annotations

import hashlib


def user_id(identity_key: bytes) -> str:
    """A short stable id for logs and metrics: not reversible to the key in practice."""
    return hashlib.sha256(b"iltapiiri/user-id\x00" + identity_key).hexdigest()[:16]


def user_room(user_id: str) -> str:
    """The Socket.IO room that holds every connection of one identity key."""
    return f"user:{user_id}"


DUTY_ROOM = "cases:duty"
"""The Socket.IO room of the counsellors set available (case queue changes, re-alerts)."""
SUPERVISOR_ROOM = "cases:supervisors"
"""The Socket.IO room of the supervisors watching queue health (`cases.health {watch: true}`)."""
CASE_ROOMS = (DUTY_ROOM, SUPERVISOR_ROOM)
"""The staff rooms case pushes go to, besides each person's and counsellor's user room."""
