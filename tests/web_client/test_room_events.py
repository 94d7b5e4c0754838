"""The session owns the rooms I am in and says every change; the e2ee engine acts on those
events at once ('room.joined' / 'room.left' of web_client/js/session.js).

Before, the engine found out by looking at the session's rooms every 2 seconds (and four
objects kept their own lists in step), so a left room's keys stayed in memory and in IndexedDB
for up to that long. No timer is left that could do it: only the events make the keys appear
and disappear.
"""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import STORAGE_DUMP, TIMEOUT_MS, wait_ready

SPY = """() => {
  const { session, e2ee } = window.iltapiiri;
  window.__hooks = [];
  for (const name of ['room.joined', 'room.left']) session.on(name, (d) => window.__hooks.push([name, d.room]));
  return ['sweeper', 'joins', 'syncRooms', 'onJoined', 'onLeft'].filter((k) => k in e2ee);
}"""

ENGINE = """() => { const e = window.iltapiiri.e2ee.engine;
  return { rooms: [...e.flow.rooms.keys()], keys: e.groups.rooms(), mine: [...e.groups.mine.keys()] }; }"""


async def test_joining_and_leaving_tell_the_engine_at_once(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Koukkuja")
    await wait_ready(peer)
    assert await page.evaluate(SPY) == []  # no poll, no second list of rooms

    await peer.join_open_group()
    room = await page.evaluate("() => [...window.iltapiiri.session.rooms.keys()][0]")
    assert room.startswith("open/")
    await page.wait_for_function(f"() => window.iltapiiri.e2ee.engine.groups.mine.has('{room}')",
                                 timeout=TIMEOUT_MS)
    hooks = await page.evaluate("window.__hooks")
    assert ["room.joined", room] in hooks

    await page.click("section.chat .chat-head button.secondary")  # Leave
    await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
    # No waiting: by the time the groups view shows, the room's keys are gone.
    assert await page.evaluate(ENGINE) == {"rooms": [], "keys": [], "mine": []}
    assert ["room.left", room] in await page.evaluate("window.__hooks")
    stored = await page.evaluate(STORAGE_DUMP)
    assert "open/" not in stored["blob"]
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
