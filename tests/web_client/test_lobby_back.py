"""The lobby's Back button: in the lobby window the relay has already let us into the room, so
Back must leave it through `ctx.leaveRoom`: the relay is told (`group.leave`), the room is
forgotten here (the session's 'room.left'), and its group keys are dropped at once."""

from __future__ import annotations

import json
import time
import tomllib
from datetime import datetime, timedelta

from config.groups import parse_groups
from server.clock import FakeClock
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import wait_ready
from tests.web_client.test_schedule import HELSINKI, evening_group

STATE = """() => {
  const c = window.iltapiiri;
  const engine = c.e2ee && c.e2ee.engine;
  return {
    sessionRooms: [...c.session.rooms.keys()],
    engineRooms: engine ? [...engine.flow.rooms.keys()] : [],
    groupKeyRooms: engine && engine.groups ? [...engine.groups.rooms()] : [],
    left: window.__left || [],
  };
}"""

SPY_ON_LEFT = """() => {
  window.__left = [];
  window.iltapiiri.session.on('room.left', ({ room }) => { window.__left.push(room); });
}"""


def sent(frames: list[str], event: str) -> list[dict]:
    out = []
    for f in frames:
        if f.startswith("42") and f'["{event}"' in f:
            out.append(json.loads(f[f.index("["):])[1])
    return out


async def test_back_from_the_lobby_leaves_the_room_and_drops_its_keys(
        live_server_factory, open_peer: OpenPeer) -> None:
    now = time.time()
    local = datetime.fromtimestamp(now, HELSINKI)
    start = (local + timedelta(minutes=10)).replace(second=0, microsecond=0)
    if start.date() != local.date() or start.hour == 0:
        start = local.replace(hour=21, minute=0, second=0, microsecond=0)
        now = (start - timedelta(minutes=10)).timestamp()
    groups = parse_groups(tomllib.loads(evening_group(start)))
    server = await live_server_factory(clock=FakeClock(now), groups=groups)

    peer = await open_peer(server.url)
    page = peer.page
    await peer.sign_in("Ovella")
    await wait_ready(peer)
    await page.click("li.group[aria-labelledby='group-evening'] button.primary")
    await page.click("section.rules button.primary")
    await page.wait_for_selector("section.lobby")
    # In the lobby window: joined already, and the engine holds the room's keys.
    await page.wait_for_function(
        "() => window.iltapiiri.e2ee.engine.flow.rooms.size === 1 && window.iltapiiri.session.rooms.size === 1")
    before = await page.evaluate(STATE)
    room = before["sessionRooms"][0]
    assert before["engineRooms"] == [room]
    await page.evaluate(SPY_ON_LEFT)

    await page.click("section.lobby button.secondary")  # Back
    await page.wait_for_selector("section.groups li.group")
    await page.wait_for_function("() => (window.__left || []).length === 1")
    after = await page.evaluate(STATE)
    assert after["left"] == [room]
    assert after["sessionRooms"] == [] and after["engineRooms"] == [], after
    assert room not in after["groupKeyRooms"], after
    assert await page.evaluate("(r) => window.iltapiiri.rooms.get(r) === undefined", room)
    assert sent(peer.frames_sent, "group.leave") == [{"room": room}]
    # The door opening later does not pull the person back in.
    assert await page.locator("section.lobby, section.chat").count() == 0
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
