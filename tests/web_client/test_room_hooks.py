"""The views tell the e2ee engine about joins and leaves at once (`onJoined` / `onLeft`).

Before, the engine found out by looking at the session's rooms every 2 seconds, so a left room's
keys stayed in memory and in IndexedDB for up to that long. Here the engine's look-around timer
is stopped first, so only the hooks can make the keys appear and disappear.
"""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import STORAGE_DUMP, TIMEOUT_MS, wait_ready

SPY = """() => {
  const e2ee = window.iltapiiri.e2ee;
  clearInterval(e2ee.sweeper); // no polling: only the hooks may act
  window.__hooks = [];
  for (const name of ['onJoined', 'onLeft']) {
    const original = e2ee[name].bind(e2ee);
    e2ee[name] = (arg) => {
      window.__hooks.push([name, typeof arg === 'string' ? arg : arg.room]);
      return original(arg);
    };
  }
}"""

ENGINE = """() => { const e = window.iltapiiri.e2ee.engine;
  return { rooms: [...e.flow.rooms.keys()], keys: e.groups.rooms(), mine: [...e.groups.mine.keys()] }; }"""


async def test_joining_and_leaving_tell_the_engine_at_once(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Koukkuja")
    await wait_ready(peer)
    await page.evaluate(SPY)

    await peer.join_open_group()
    room = await page.evaluate("() => [...window.iltapiiri.session.rooms.keys()][0]")
    assert room.startswith("open/")
    await page.wait_for_function(f"() => window.iltapiiri.e2ee.engine.groups.mine.has('{room}')",
                                 timeout=TIMEOUT_MS)
    hooks = await page.evaluate("window.__hooks")
    assert ["onJoined", room] in hooks

    await page.click("section.chat .chat-head button.secondary")  # Leave
    await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
    # No waiting: by the time the groups view shows, the room's keys are gone.
    assert await page.evaluate(ENGINE) == {"rooms": [], "keys": [], "mine": []}
    assert ["onLeft", room] in await page.evaluate("window.__hooks")
    stored = await page.evaluate(STORAGE_DUMP)
    assert "open/" not in stored["blob"]
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
