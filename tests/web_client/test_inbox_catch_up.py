"""After a sign-in the browser reads its whole inbox, not just the first `inbox.fetch` batch.

The relay hands out at most 200 envelopes per `inbox.fetch` (server/limits.py MAX_INBOX_FETCH)
and takes at most 100 ids per `inbox.ack` (MAX_ACK_IDS). Four Python peers (each within its own
1:1 rate burst and under the per-sender cap) queue 220 messages while the browser is away; when
it comes back it must show all of them and leave the relay's inbox empty.
"""

from __future__ import annotations

import asyncio

from client import PeerClient
from server.limits import MAX_ACK_IDS, MAX_INBOX_FETCH
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import TIMEOUT_MS, sent_events, wait_ready

SENDERS = 4
PER_SENDER = 55  # within the 1:1 burst of 60 per connection


async def test_the_whole_inbox_is_read_after_sign_in(live_server, open_peer: OpenPeer) -> None:
    total = SENDERS * PER_SENDER
    assert total > MAX_INBOX_FETCH > MAX_ACK_IDS
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Postilaatikko")
    await wait_ready(peer)
    await page.goto(live_server.url + "/away.html")  # away: the socket is gone

    senders = [await PeerClient.connect(live_server.url, pseudonym=f"Lahettaja {i}") for i in range(SENDERS)]
    try:
        async def send_all(i: int, py: PeerClient) -> None:
            dm = await py.open_direct("Postilaatikko")
            for n in range(PER_SENDER):
                await dm.send(f"viesti {i}-{n:02d}")

        await asyncio.gather(*(send_all(i, py) for i, py in enumerate(senders)))

        await page.goto(live_server.url + "/")  # back: signs in again with the stored identity
        await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
        await wait_ready(page)
        count = """() => window.iltapiiri.directs.list()
          .reduce((n, c) => n + c.messages.filter((m) => !m.mine).length, 0)"""
        await page.wait_for_function(f"() => ({count})() === {total}", timeout=30000)
        shown = await page.evaluate("""() => Object.fromEntries(window.iltapiiri.directs.list()
          .map((c) => [c.peer, c.messages.map((m) => m.text)]))""")
        for i in range(SENDERS):
            assert shown[f"Lahettaja {i}"] == [f"viesti {i}-{n:02d}" for n in range(PER_SENDER)]
        # Everything was acknowledged, in requests the relay accepts: the inbox is empty.
        left = await page.evaluate("""() => window.iltapiiri.session.request('inbox.fetch', {})
          .then((r) => r.envelopes.length)""")
        assert left == 0
        assert sent_events(peer).count("inbox.fetch") >= 3  # batches of 200, then the empty one
        assert peer.unexpected_console_errors() == []
    finally:
        for py in senders:
            await py.close()
    await peer.context.close()
