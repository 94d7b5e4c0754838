"""The Python counsellor API hears the queue change beyond the offers its capacity allows
(`case.queue`, issue 11): with one place, held by an offer, a second person waiting is still
told (`StaffClient.next_queue_change`), and `queue()` is the version the push names."""

from __future__ import annotations

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import staff_token


async def test_the_counsellor_client_hears_the_queue_beyond_its_offers(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False)
    token = await staff_token(server, "Anna", "counsellor")
    peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    staff = StaffClient(server.url, peer, token, peer.role)
    people = [await PeerClient.connect(server.url) for _ in range(2)]
    try:
        assert await staff.set_available(capacity=1) == []
        await people[0].request_counsellor(reason="alcohol", level=2)
        offered = await staff.next_case(timeout=10)
        assert offered.level == 2
        await people[1].request_counsellor(reason="overdose", level=4)  # no place: no offer
        state = await staff.next_queue_change(timeout=10)
        while state.waiting < 2:
            state = await staff.next_queue_change(timeout=10)
        assert state.top_level == 4 and len(state.version) == 16
        queue = await staff.cases.queue()
        assert [c.level for c in queue] == [4, 2]
        assert staff.cases.queue_version == state.version
    finally:
        for p in people:
            await p.close()
        await staff.close()
