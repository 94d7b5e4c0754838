"""The composer stays pinned above an on-screen keyboard (issue 12): the app's height follows
`visualViewport`, not the layout viewport. Chromium's headless shell has no on-screen keyboard,
so the visual viewport is shrunk the way a keyboard shrinks it, with a pinch gesture through the
DevTools protocol (`Input.synthesizePinchGesture`): the layout viewport stays 360x740 while the
visible part halves. The chat's column must follow: the composer's bottom at the visible bottom."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer

GEOMETRY = """() => {
  const vv = window.visualViewport;
  const box = document.querySelector('textarea[name=message]').getBoundingClientRect();
  const chat = document.querySelector('section.chat').getBoundingClientRect();
  return {vvHeight: vv.height, innerHeight: window.innerHeight, composerBottom: box.bottom,
          chatBottom: chat.bottom,
          appHeight: getComputedStyle(document.documentElement).getPropertyValue('--app-height').trim()};
}"""


async def test_the_composer_follows_the_visual_viewport(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, width=360, height=740)
    await peer.sign_in("Näppäimistö")
    await peer.join_open_group()
    page = peer.page
    before = await page.evaluate(GEOMETRY)
    assert before["appHeight"] == "740px", before
    assert 740 - before["composerBottom"] < 80, before

    cdp = await peer.context.new_cdp_session(page)
    await cdp.send("Input.synthesizePinchGesture", {"x": 180, "y": 100, "scaleFactor": 2.0})
    await page.wait_for_function("() => window.visualViewport.height < 400")
    await page.wait_for_function(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--app-height').trim()"
        " === Math.round(window.visualViewport.height) + 'px'")
    after = await page.evaluate(GEOMETRY)
    assert after["innerHeight"] == 740, after  # the layout viewport did not change...
    # ...but the chat column did: it ends at the visible bottom, the composer inside it.
    assert after["chatBottom"] <= after["vvHeight"] + 1 and after["vvHeight"] - after["chatBottom"] < 16, after
    assert after["composerBottom"] <= after["vvHeight"] + 1, after
    assert after["vvHeight"] - after["composerBottom"] < 80, after
    assert peer.page_errors == []
    await peer.context.close()
