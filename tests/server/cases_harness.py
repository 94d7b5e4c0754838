"""Two-party harness for the escalation tests over a real server: peers, counsellors, a
moderator, a fake clock at an evening inside the service's opening hours.

Counsellors and moderators are real staff accounts made through the server's staff service and
signed in on the socket with their session cookie (tests/server/mod_harness.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from config.staff_settings import StaffSettings
from server.clock import FakeClock
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer
from tests.server.mod_harness import connect_staff

HELSINKI = ZoneInfo("Europe/Helsinki")
EVENING = datetime(2026, 12, 3, 20, 0, tzinfo=HELSINKI).timestamp()  # Thursday, open 17-01
DAYTIME = datetime(2026, 12, 3, 11, 0, tzinfo=HELSINKI).timestamp()  # closed until 17:00


FAST_STAFF: Final = {"staff": StaffSettings(argon2_time_cost=1, argon2_memory_kib=1024,
                                            argon2_parallelism=1)}
"""Server settings for these tests: cheap password hashing (every counsellor is an account)."""


def clock(at: float = EVENING) -> FakeClock:
    """A fake clock inside (or, with DAYTIME, outside) the opening hours."""
    return FakeClock(at)


async def make_counsellor(server: LiveServer, name: str, *, capacity: int = 2,
                          available: bool = True, url: str | None = None) -> Peer:
    """A counsellor's socket (a real staff account), available with `capacity` unless told
    otherwise; `url`: another server process of the same deployment."""
    peer = await connect_staff(server, name, role="counsellor", url=url)
    if available:
        reply = await peer.call("counsellor.availability",
                                {"available": True, "capacity": capacity})
        assert reply["ok"], reply
    return peer


async def ask(peer: Peer, **fields: Any) -> dict[str, Any]:
    """`case.request`; asserts it was accepted."""
    reply = await peer.call("case.request", fields)
    assert reply["ok"], reply
    return reply


async def latest(peer: Peer, event: str, timeout: float = 5.0) -> dict[str, Any]:
    """The newest push of `event`: waits for one, then takes whatever else has arrived."""
    last = await peer.next(event, timeout)
    for more in peer.drain(event):
        last = more
    return last


async def until(peer: Peer, event: str, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The first push of `event` for which `predicate(push)` holds (earlier ones are skipped)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"no matching {event} in {timeout} s")
        push = await peer.next(event, left)
        if predicate(push):
            return push
