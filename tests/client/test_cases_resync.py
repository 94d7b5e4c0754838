"""`cases.resync` on two real server processes on one real Redis: the queue changes a
counsellor's process missed while its fan-out subscription was down are read again, without a
reconnect, and so is the case of a person waiting on that process (`inbox.resync`).

Process A runs in this process (it creates the staff accounts; the processes share Redis and
the key file), B is `python -m server`. Anna (the Python `StaffClient`) is available on B; Aamu,
a person on B, asks for a counsellor and the case is offered to Anna. While no process can hold
a fan-out subscription (tests/fixtures/replay_gap.py) Bengt, a counsellor on A, goes available
and claims Aamu's case, and Ilta, a person on A, asks at level 3 (offered to Anna, who holds no
session). Every push of it (`case.queue` and `case.taken` to `cases:duty`, `case.offer` to
Anna, `case.counsellor` to Aamu) is published while B is not subscribed: nobody on B hears it
live, and the scheduler would mend it only when an offer lapses (45 s). Once B is subscribed
again it pushes `cases.resync` to the duty room (and `inbox.resync` to the user rooms): Anna's
client reads the queue and goes on with Ilta's case, not Aamu's, and Aamu's client reads its
case and learns that Bengt took it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from tests.client.test_inbox_resync import socket_id
from tests.fixtures.replay_gap import subscriptions_down, wait_subscribed
from tests.fixtures.server import LiveServer, LiveServerFactory, ServerProcess, write_test_config
from tests.server.cases_harness import FAST_STAFF, ask, make_counsellor
from tests.server.harness import Peer as SocketPeer
from tests.server.mod_harness import staff_token
from tests.server.test_redis_rooms import fanout_counters

DUTY_CHANNEL = "socketio#r#/#cases:duty"


async def staff_deployment(server_process: Callable[..., ServerProcess],
                           live_server_factory: LiveServerFactory, redis_url: str,
                           tmp_path: Path) -> tuple[LiveServer, ServerProcess, SocketPeer,
                                                    SocketPeer]:
    """Process A (in this process, with cheap staff hashing) and B on one Redis and one staff
    key file (it seals the TOTP secrets: a sign-in on B opens what A sealed); Bengt, a
    counsellor on A, not available yet; Ilta, a person on A who has not asked yet."""
    key_file = tmp_path / "staff.key"
    config = write_test_config(tmp_path / "config-b",
                               extra_toml=f'\n[staff]\nkey_file = "{key_file}"\n')
    proc_b = server_process(redis_url=redis_url, config=config)
    server_a = await live_server_factory(
        staff=replace(FAST_STAFF["staff"], key_file=key_file), redis_url=redis_url)
    bengt = await make_counsellor(server_a, "Bengt", available=False)
    ilta = await SocketPeer.connect(server_a.url, "Ilta")
    return server_a, proc_b, bengt, ilta


async def queue_moves_while_b_is_not_subscribed(redis_url: str, bengt: SocketPeer,
                                                ilta: SocketPeer, waiting: str) -> str:
    """While no process holds a fan-out subscription, Bengt (on A) goes available and claims
    the case `waiting`, and Ilta (on A) asks at level 3; returns Ilta's case code once every
    process is subscribed to `cases:duty` again."""
    async with subscriptions_down(redis_url):
        reply = await bengt.call("counsellor.availability", {"available": True, "capacity": 2},
                                 timeout=10)  # (its SUBSCRIBE is refused: waits 2 s for it)
        assert reply["ok"], reply
        claimed = await bengt.call("case.claim", {"case_id": waiting}, timeout=10)
        assert claimed["ok"], claimed
        code = str((await ask(ilta, level=3, reason="overdose"))["case_code"])
    await wait_subscribed(redis_url, DUTY_CHANNEL, processes=2)
    return code


async def test_the_counsellor_and_the_person_read_their_cases_again_after_a_drop(
        server_process: Callable[..., ServerProcess], live_server_factory: LiveServerFactory,
        redis_url: str, tmp_path: Path) -> None:
    server_a, proc_b, bengt, ilta = await staff_deployment(server_process, live_server_factory,
                                                           redis_url, tmp_path)
    token = await staff_token(server_a, "Anna", "counsellor")
    peer = await PeerClient.connect(proc_b.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    anna = StaffClient(proc_b.url, peer, token, peer.role)
    aamu = await PeerClient.connect(proc_b.url, "Aamu")
    try:
        assert await anna.set_available(capacity=2) == []
        esc = await aamu.request_counsellor(reason="alcohol", level=2)
        assert esc.position == 1
        state = await anna.next_queue_change(timeout=10)
        while state.waiting < 1:  # (going available pushed one too)
            state = await anna.next_queue_change(timeout=10)
        assert state.waiting == 1 and state.top_level == 2
        sid = socket_id(peer)
        assert sid is not None
        before = fanout_counters(proc_b)

        code = await queue_moves_while_b_is_not_subscribed(redis_url, bengt, ilta, esc.case_code)

        now = await bengt.call("case.list", {})
        assert [c["case_id"] for c in now["queue"]] == [code]
        state = await anna.next_queue_change(timeout=15)
        while state.version != now["queue_version"]:
            state = await anna.next_queue_change(timeout=15)
        assert state.waiting == 1 and state.top_level == 3
        offered = await anna.next_case(timeout=5)  # not Aamu's, which Bengt took meanwhile
        assert offered.case_id == code and offered.summary["offered_to_me"], offered.summary
        assert anna.cases.queue_version == now["queue_version"]

        while esc.status.get("counsellor") is None:
            await esc.next_update(timeout=15)
        assert esc.state == "active" and esc.status["counsellor"]["name"] == "Bengt"

        after = fanout_counters(proc_b)
        assert after["cases_resyncs"] > before.get("cases_resyncs", 0), after
        assert after["inbox_resyncs"] > before.get("inbox_resyncs", 0), after
        assert socket_id(peer) == sid  # the same socket: no reconnect read the queue
    finally:
        for client in (aamu, peer):
            await client.close()
        for sock in (bengt, ilta):
            await sock.close()
    await proc_b.astop()
