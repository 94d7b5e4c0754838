"""Two-party harness for the escalation tests over a real server: peers, counsellors, a
moderator, a fake clock at an evening inside the service's opening hours.

Counsellors: until staff sign in on the socket (issue 10, branch staff10), a counsellor here is
a signed-in test connection whose server-side role is set to `counsellor` in the in-process
server (`make_counsellor`). Everything after that - the events, stores, pushes, timers - is the
real path. Moderators use the interim `moderator_keys` setting like tests/server/test_groups.py.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.app import ADAPTER
from server.clock import FakeClock
from server.domain.roles import Role
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, wait_until

HELSINKI = ZoneInfo("Europe/Helsinki")
EVENING = datetime(2026, 12, 3, 20, 0, tzinfo=HELSINKI).timestamp()  # Thursday, open 17-01
DAYTIME = datetime(2026, 12, 3, 11, 0, tzinfo=HELSINKI).timestamp()  # closed until 17:00


def clock(at: float = EVENING) -> FakeClock:
    """A fake clock inside (or, with DAYTIME, outside) the opening hours."""
    return FakeClock(at)


def b64key(peer: Peer) -> str:
    """A peer's identity key as `moderator_keys` lists it."""
    return base64.b64encode(peer.identity_key).decode("ascii")


async def set_role(server: LiveServer, pseudonym: str | None, role: Role) -> None:
    """Give the connections of `pseudonym` a staff role in the in-process server (stand-in for
    staff sign-in on the socket, which is issue 10's)."""
    adapter = server.app[ADAPTER]
    await wait_until(lambda: any(c.pseudonym == pseudonym for c in
                                 adapter.connections.values()))
    for conn in adapter.connections.values():
        if conn.pseudonym == pseudonym:
            conn.role = role


async def make_counsellor(server: LiveServer, name: str, *, capacity: int = 2,
                          available: bool = True) -> Peer:
    """A counsellor connection, available with `capacity` unless told otherwise."""
    peer = await Peer.connect(server.url, name)
    await set_role(server, peer.pseudonym, Role.COUNSELLOR)
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
