"""The peer's own browser flags its crisis message (issue 10, "Flags and alerts"): a browser
peer sends a crisis sentence (help first, then "send anyway"), its client sends a `flag` with
source "self" after the relay's ack, and an on-duty moderator's StaffClient (not in the room,
so no moderator client flags it) gets the alert. The flag frame carries metadata only."""

from __future__ import annotations

import json

from client import StaffClient
from tests.server.mod_harness import STAFF_PASSWORD, staff_token
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_staff_console import CRISIS_EN, peer_in_room, send_anyway

FLAG_FIELDS = {"room", "message_id", "source", "severity", "categories", "rule_ids"}


def _flag_frames(frames: list[str]) -> list[dict[str, object]]:
    found = []
    for frame in frames:
        if '"flag"' not in frame:
            continue
        body = frame[frame.index("["):]  # Socket.IO: <type><ack id>[event, data]
        event, data = json.loads(body)[:2]
        if event == "flag":
            found.append(data)
    return found


async def test_a_browser_peer_flags_its_own_crisis_message_without_its_text(
        live_server, open_peer: OpenPeer) -> None:
    await staff_token(live_server, "Ohjaaja Olli")
    staff = await StaffClient.login(live_server.url, "Ohjaaja Olli", STAFF_PASSWORD, watch=False)
    peer = await peer_in_room(open_peer, live_server.url, "Veera")
    try:
        await staff.go_on_duty()
        await send_anyway(peer.page, CRISIS_EN)
        alert = await staff.next_alert(timeout=10)
        assert (alert.pseudonym, alert.source) == ("Veera", "self")
        assert alert.severity >= 2 and alert.categories
        # Playwright reports sent frames asynchronously: the alert can arrive first.
        for _ in range(50):
            flags = _flag_frames(peer.frames_sent)
            if flags:
                break
            await peer.page.wait_for_timeout(100)
        assert len(flags) == 1, flags
        (flag,) = flags
        assert set(flag) == FLAG_FIELDS and flag["source"] == "self"
        assert flag["severity"] == alert.severity and flag["room"] == alert.room
        assert isinstance(flag["rule_ids"], list) and flag["rule_ids"]
        sent = json.dumps(flag)
        for word in CRISIS_EN.split():
            if len(word) > 3:
                assert word.casefold() not in sent.casefold(), (word, flag)
        # A message the detector does not rate is not flagged.
        await peer.page.fill("textarea[name=message]", "hyvää iltaa kaikille")
        await peer.page.press("textarea[name=message]", "Enter")
        await peer.page.wait_for_selector("li.msg.mine >> text=hyvää iltaa kaikille")
        await peer.page.wait_for_timeout(1000)
        assert len(_flag_frames(peer.frames_sent)) == 1
    finally:
        await staff.close()
        await peer.context.close()
