"""`inbox.resync` in the browser: 1:1 pushes missed while the page's server process was not
subscribed on Redis are read from the inbox on the same socket.

Two real server processes on one real Redis; the page (Bob) is on B, Alice and Carol (Python
clients) on A. While no process can hold a fan-out subscription (tests/fixtures/replay_gap.py)
Carol joins the room (her sender key goes to the page over 1:1) and Alice writes the page a 1:1
message: both `direct.envelope` pushes reach no one live. Nothing is trimmed, so no
`room.resync` comes; B pushes `inbox.resync` once it is subscribed again, and the page reads its
inbox without reconnecting: it shows Carol's next group message (opened with the key from the
inbox) and Alice's 1:1 message (tests/client/test_inbox_resync.py does the same in Python).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.fixtures.replay_gap import subscriptions_down, wait_subscribed
from tests.fixtures.server import ServerProcess
from tests.server.test_redis_rooms import fanout_counters
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import (
    open_direct_view,
    see_message,
    sent_events,
)
from tests.web_client.test_room_resync import GAP_LINE, page_with_alice, two_processes

SOCKET_ID = "() => window.iltapiiri.session.socket.sid"


async def test_the_page_reads_its_inbox_after_its_process_subscribed_again(
        server_process: Callable[..., ServerProcess], redis_url: str,
        open_peer: OpenPeer) -> None:
    proc_a, proc_b, alice, carol = await two_processes(server_process, redis_url)
    try:
        ga, bob = await page_with_alice(open_peer, proc_b, alice)
        page = bob.page
        to_bob = await alice.open_direct("Bob")  # the key bundle, fetched before the drop
        sid = await page.evaluate(SOCKET_ID)
        assert sid
        fetches = sent_events(bob).count("inbox.fetch")

        async with subscriptions_down(redis_url):
            gc = await carol.join_group("open")  # her sender key goes to the page over 1:1
            await to_bob.send("suoraan sinulle")
        await wait_subscribed(redis_url, f"socketio#r#/#{ga.room}", processes=2)

        await gc.send("Carol täällä")  # sealed with the key the page missed live
        await see_message(bob, "Carol täällä")
        await open_direct_view(bob, "Alice")
        await see_message(bob, "suoraan sinulle")
        assert await page.evaluate(SOCKET_ID) == sid  # the same socket: no reconnect
        assert sent_events(bob).count("inbox.fetch") > fetches
        counters = fanout_counters(proc_b)
        assert counters["inbox_resyncs"] >= 1 and counters["resyncs"] == 0, counters
        assert await page.locator(GAP_LINE).count() == 0  # no room.resync: nothing was lost
        assert bob.unexpected_console_errors() == []
        await bob.context.close()
    finally:
        for peer in (alice, carol):
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
