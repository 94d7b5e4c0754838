"""What a moderator's room actions look like to the people in the room, in Chromium: a removed
message becomes a tombstone in each reader's own language (its words gone from the page and from
what the client keeps), and slow mode shows a banner and refuses a second quick message with the
time one may write again, keeping the words in the composer. A Python moderator acts; two
browser peers, one in Finnish, one in English, watch."""

from __future__ import annotations

from client import StaffClient
from tests.server.mod_harness import STAFF_PASSWORD, staff_token
from tests.web_client.conftest import OpenPeer

READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"
# The records the page keeps of its room (what history.js seals into IndexedDB).
RECORDS = """() => { const s = window.iltapiiri;
  const room = s.rooms.get([...s.session.rooms.keys()][0]);
  return room.messages.map((m) => ({ seq: m.seq, text: m.text, removed: !!m.removed,
    franking: m.franking ? JSON.stringify(m.franking) : null })); }"""


async def _send(page, text: str) -> None:
    await page.fill("textarea[name=message]", text)
    await page.press("textarea[name=message]", "Enter")


async def test_a_removed_message_and_slow_mode_reach_each_reader_in_their_language(
        live_server, open_peer: OpenPeer) -> None:
    await staff_token(live_server, "Ohjaaja Olli")
    staff = await StaffClient.login(live_server.url, "Ohjaaja Olli", STAFF_PASSWORD, watch=False)
    writer = await open_peer(live_server.url, locale="fi-FI")
    reader = await open_peer(live_server.url, locale="en-GB")
    try:
        group = await staff.join_group("open")
        for peer, name in ((writer, "Veera"), (reader, "Ville")):
            await peer.sign_in(name)
            await peer.join_open_group()
            await peer.page.wait_for_function(READY)
        words = "asun osoitteessa Kotikatu 5 B 12"
        await _send(writer.page, words)
        # The writer's own client asks first (it looks like an address); they send it anyway.
        await writer.page.click("button[data-focus-key=send-anyway]")
        await writer.page.wait_for_selector("li.msg.mine p.delivery[data-state=delivered]",
                                            timeout=15000)
        await reader.page.wait_for_selector(f"li.msg.theirs >> text={words}", timeout=15000)
        seq = next(r["seq"] for r in await writer.page.evaluate(RECORDS) if r["text"] == words)

        answer = await staff.delete_message(group.room, seq, "personal_data")
        assert answer["kind"] == "delete_message" and answer["sanction_id"], answer
        for peer, shown in ((writer, "Ohjaaja poisti viestin."),
                            (reader, "A moderator removed a message.")):
            stone = peer.page.locator("li.msg.removed p.msg-text.tombstone")
            await stone.wait_for(timeout=15000)
            assert await stone.text_content() == shown
            assert words not in await peer.page.content()
            records = await peer.page.evaluate(RECORDS)
            assert all(words not in (r["text"] or "") and words not in (r["franking"] or "")
                       for r in records)
            gone = next(r for r in records if r["seq"] == seq)
            assert gone["removed"] and gone["franking"] is None
        # The reader cannot report what is no longer there: the removed item has no actions.
        assert await reader.page.locator("li.msg.removed .msg-actions").count() == 0

        await staff.slow_mode(group.room, 60, "spam")
        for peer, shown in ((writer, "Hidas tila päällä: yksi viesti 60 sekunnin välein."),
                            (reader, "Slow mode on: one message every 60 seconds.")):
            banner = peer.page.locator("p.banner.mod-notice[data-key='room.slow_mode_on']")
            await banner.wait_for(timeout=15000)
            assert await banner.text_content() == shown
        await _send(reader.page, "first one goes")
        await reader.page.wait_for_selector(
            "li.msg.mine:has-text('first one goes') p.delivery[data-state=delivered]",
            timeout=15000)
        second = "and this one must wait"
        await _send(reader.page, second)
        refusal = reader.page.locator(".composer .refusal, .notice .refusal").first
        await refusal.wait_for(timeout=15000)
        assert (await refusal.text_content()).startswith("Slow mode is on: you can write again at")
        assert await reader.page.input_value("textarea[name=message]") == second
        assert await reader.page.locator(f"li.msg.mine:has-text('{second}')").count() == 0
        for peer in (writer, reader):
            assert peer.page_errors == []
    finally:
        await staff.close()
        await writer.context.close()
        await reader.context.close()
