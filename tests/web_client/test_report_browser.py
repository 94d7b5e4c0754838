"""A report sealed in Chromium, opened in Python: a browser peer reports a message from a Python
writer; the on-duty moderator's StaffClient opens its box and sees it verified, while the same
message with its text changed in the page is not."""

from __future__ import annotations

from client import PeerClient, StaffClient
from tests.server.mod_harness import STAFF_PASSWORD, staff_token
from tests.web_client.conftest import OpenPeer

READY = "() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready"

REPORT = """async ([text, tamper]) => {
  const s = window.iltapiiri; const room = s.rooms.get([...s.session.rooms.keys()][0]);
  const record = room.messages.find((m) => m.text === text);
  const franking = { ...record.franking, opening: { ...record.franking.opening } };
  if (tamper) franking.opening.text = tamper;
  return s.e2ee.reportMessage({ ...record, franking }, 'harassment');
}"""


async def test_a_browser_report_verifies_for_the_moderator(live_server, open_peer: OpenPeer
                                                           ) -> None:
    await staff_token(live_server, "Ohjaaja Olli")
    staff = await StaffClient.login(live_server.url, "Ohjaaja Olli", STAFF_PASSWORD, watch=False)
    writer = await PeerClient.connect(live_server.url)
    peer = await open_peer(live_server.url)
    try:
        await staff.go_on_duty()
        await peer.sign_in("Veera")
        await peer.join_open_group()
        await peer.page.wait_for_function(READY)
        group = await writer.join_group("open")
        text = "annan sinun osoitteesi kaikille"
        await group.send(text)
        await peer.page.wait_for_selector(f"li.msg.theirs >> text={text}", timeout=15000)
        answer = await peer.page.evaluate(REPORT, [text, None])
        assert answer["stamped"] is True and answer["recipients"] == 1
        report = await staff.next_report(10)
        assert report.verified and report.text == text and report.sender == writer.pseudonym
        again = await peer.page.evaluate(REPORT, [text, None])
        assert again["duplicate"] is True  # the same reporter and message: nothing sent again
        # Another message, its text changed in the page before the report is sealed.
        second = "toinen viesti"
        await group.send(second)
        await peer.page.wait_for_selector(f"li.msg.theirs >> text={second}", timeout=15000)
        forged = await peer.page.evaluate(REPORT, [second, "Olli uhkaili minua"])
        assert forged["stamped"] is True and forged["duplicate"] is False
        shown = await staff.next_report(10)
        assert not shown.verified and shown.text == "Olli uhkaili minua"
    finally:
        await writer.close()
        await staff.close()
        await peer.context.close()
