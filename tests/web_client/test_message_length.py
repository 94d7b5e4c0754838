"""The composer counts what the receiving clients enforce (UTF-8 bytes of TextContent, 8192:
docs/crypto.md section 3), shows the limit before sending, and never cuts a paste."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer

LIMIT = 8192


async def test_a_long_paste_is_kept_whole_counted_in_bytes_and_not_sent(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Pitkäsana")
    await peer.join_open_group()
    page = peer.page
    await page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    box = "textarea[name=message]"
    # 2,100 emoji: 4,200 UTF-16 units (over the old maxlength of 4,000), 8,400 UTF-8 bytes.
    text = "\U0001F600" * 2100
    await page.focus(box)
    # What a paste does to the field (insertText, as a clipboard paste inserts).
    await page.keyboard.insert_text(text)
    assert await page.input_value(box) == text, "the paste was cut"
    assert await page.get_attribute(box, "maxlength") is None
    counter = page.locator(".composer .counter")
    assert f"8400 / {LIMIT}" in await counter.inner_text()
    assert await page.get_attribute(box, "aria-invalid") == "true"
    frames_before = len(peer.frames_sent)
    await page.press(box, "Enter")
    notice = page.locator(".composer .notice")
    await notice.wait_for(state="visible")
    assert "8400" in await notice.inner_text()
    assert await page.input_value(box) == text, "the text must stay for the writer to split"
    assert not any("room.send" in f for f in peer.frames_sent[frames_before:])
    assert await page.locator("li.msg.mine").count() == 0

    # Just under the limit in bytes (but over 4,000 UTF-16 units) goes through whole.
    ok = "\U0001F600" * 2048  # 8,192 bytes
    await page.fill(box, ok)
    assert await page.get_attribute(box, "aria-invalid") != "true"
    await page.press(box, "Enter")
    await page.wait_for_selector("li.msg.mine")
    shown = await page.locator("li.msg.mine .msg-text").inner_text()
    assert shown == ok
    await peer.context.close()
