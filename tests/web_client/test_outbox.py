"""Own group messages carry a delivery state; written during an outage they wait, and after the
reconnect they are sent once, in order, and the "no connection" notice is gone."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer

STATES = """() => { const s = window.iltapiiri; const room = [...s.session.rooms.keys()][0];
    return s.rooms.get(room).messages.filter((m) => m.mine)
      .map((m) => ({text: m.text, state: m.state, seq: m.seq})); }"""


async def test_messages_written_offline_are_sent_once_in_order_after_the_reconnect(
        server_process, open_peer: OpenPeer) -> None:
    server = server_process()
    peer = await open_peer(server.url)
    await peer.sign_in("Odottaja")
    await peer.join_open_group()
    page = peer.page
    await page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    box = "textarea[name=message]"
    await page.fill(box, "ennen katkosta")
    await page.press(box, "Enter")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]")

    await server.astop()
    await page.wait_for_selector("#net-status:not([hidden])")
    for text in ("ensimmäinen katkon aikana", "toinen katkon aikana"):
        await page.fill(box, text)
        await page.press(box, "Enter")
        await page.wait_for_selector(f"li.msg.mine:has-text('{text}') .delivery[data-state=queued]")
    # The text left the composer for the list, where its state is said; no error instead.
    assert await page.input_value(box) == ""
    assert "Waiting for the connection" in await page.locator("li.msg.mine").nth(1).inner_text()

    await server.astart()
    await page.wait_for_selector("#net-status[hidden]", state="attached", timeout=20000)
    await page.wait_for_function("""() => [...document.querySelectorAll('li.msg.mine .delivery')]
        .every((d) => d.dataset.state === 'delivered')""", timeout=15000)
    states = await page.evaluate(STATES)
    assert [m["text"] for m in states] == ["ennen katkosta", "ensimmäinen katkon aikana",
                                           "toinen katkon aikana"]
    assert all(m["state"] == "delivered" for m in states)
    seqs = [m["seq"] for m in states[1:]]
    assert seqs[0] < seqs[1], "retried in the order written"
    # Once each: two room.send frames after the reconnect, no more.
    assert sum(1 for f in peer.frames_sent if '"room.send"' in f) == 3
    # Nothing says "no connection" any more.
    assert not await page.locator(".composer .notice:not([hidden])").count()
    assert await page.locator("#net-status").is_hidden()
    await peer.context.close()

