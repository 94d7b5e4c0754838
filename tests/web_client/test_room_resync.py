"""`room.resync` in the browser: the web client joins the room again and shows a quiet line,
"Some messages may not have reached you" (fi/sv/en), where the lost messages would have been.

Two real server processes on one real Redis; the page (Bob) is on B, Alice and Carol (Python
clients) on A. While no process can hold a fan-out subscription (tests/fixtures/replay_gap.py)
Carol joins and Alice writes, and the room's replay Stream is emptied, so B pushes `room.resync`.
The page then lists Carol (the re-join's signed member list), shows the line once, reads Alice's
next message, and Carol reads the page's next one (its fresh sender key went to her too: live,
or from her inbox on the `inbox.resync` her own process pushes; tests/client/test_room_resync.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from client import PeerClient
from tests.fixtures.replay_gap import subscriptions_down, wait_subscribed
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import TIMEOUT_MS, ready_in_open_group, see_message, send_in_view

GAP_LINE = "li.msg.system.gap"


async def two_processes(server_process: Callable[..., ServerProcess], redis_url: str
                        ) -> tuple[ServerProcess, ServerProcess, PeerClient, PeerClient]:
    """Processes A and B on one Redis; Alice and Carol (Python clients) signed in on A."""
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await PeerClient.connect(proc_a.url, "Alice")
    carol = await PeerClient.connect(proc_a.url, "Carol")
    return proc_a, proc_b, alice, carol


async def page_with_alice(open_peer: OpenPeer, proc_b: ServerProcess, alice: PeerClient
                          ) -> tuple[Any, Any]:
    """Alice in the open group on A, the page (Bob) in it on B, a first message seen across."""
    ga = await alice.join_group("open")
    bob = await ready_in_open_group(open_peer, proc_b.url, "Bob")
    await bob.page.wait_for_selector("ul.members .name >> text=Alice", state="attached",
                                     timeout=TIMEOUT_MS)
    await ga.send("ennen")
    await see_message(bob, "ennen")
    return ga, bob


async def test_the_page_joins_again_and_says_messages_may_be_missing(
        server_process: Callable[..., ServerProcess], redis_url: str,
        open_peer: OpenPeer) -> None:
    proc_a, proc_b, alice, carol = await two_processes(server_process, redis_url)
    try:
        ga, bob = await page_with_alice(open_peer, proc_b, alice)
        page = bob.page
        assert await page.locator(GAP_LINE).count() == 0

        async with subscriptions_down(redis_url) as gap:
            gc = await carol.join_group("open")
            for i in range(3):
                await ga.send(f"kadonnut {i}")
            await gap.trim(ga.room)
        await wait_subscribed(redis_url, f"socketio#r#/#{ga.room}", processes=2)

        await page.wait_for_selector(GAP_LINE, timeout=TIMEOUT_MS)
        assert (await page.locator(GAP_LINE).inner_text()).startswith(
            "Some messages may not have reached you")
        await page.wait_for_selector("ul.members .name >> text=Carol", state="attached",
                                    timeout=TIMEOUT_MS)
        await ga.send("jälkeen")
        await see_message(bob, "jälkeen")
        await send_in_view(bob, "Bob taas")
        got = await collect(gc, {"Bob taas"}, 20)
        assert "Bob taas" in [m.text for m in got], [m.text for m in got]
        assert await page.locator(GAP_LINE).count() == 1
        # On a phone too, and nothing axe-core finds.
        await page.set_viewport_size({"width": 360, "height": 740})
        line = await page.locator(GAP_LINE).bounding_box()
        assert line is not None and line["x"] >= 0 and line["x"] + line["width"] <= 360
        assert await axe_violations(page, axe_source()) == []
        # The line is the page's own words, in every language it speaks.
        texts = await page.evaluate("""async () => Promise.all(['fi', 'sv', 'en'].map(async (l) =>
            (await import(`/js/i18n/${l}.js`)).default['chat.gap']))""")
        assert texts == ["Osa viesteistä ei ehkä tavoittanut sinua",
                         "Några meddelanden kanske inte nådde dig",
                         "Some messages may not have reached you"]
        assert bob.unexpected_console_errors() == []
        await bob.context.close()
    finally:
        for peer in (alice, carol):
            await peer.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
