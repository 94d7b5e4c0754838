"""In real Chromium over a real relay (issue 11): a location or contact detail for an emergency,
from the person to the counsellor who has their case only, as the `emergency_share` control
inside the end-to-end encrypted 1:1 (docs/crypto.md section 3), byte-compatible with the Python
client both ways.

- A person in the browser opens "Share where I am or how to reach me", is told who will see it,
  types a place and then a phone number; the counsellor's Python client
  (`PersonSession.next_emergency_share`) receives exactly what was typed. What is being typed
  survives the counsellor's message arriving. The canary search finds the typed words in no
  websocket frame the browser sent, nowhere in SQLite or Redis, and not in the server's log at
  DEBUG, while the same search finds what it must (the log's claim event, the frames' sends).
- A Python person shares with a counsellor whose console is in the browser: the detail shows at
  the top of that case's session panel with its time (newest first) and is announced.
"""

from __future__ import annotations

import secrets
from typing import Any

from client import PeerClient
from client.cases import decode_emergency, encode_emergency
from client.errors import ClientError
from client.staff import STAFF_COOKIE, StaffClient
from server.app import STAFF
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.client.test_counsellor_conversation import Capture, backend_kwargs, captured
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import staff_token
from tests.server.staff_http_client import GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_counsellor_console import (
    COUNSELLOR,
    open_request_view,
    sign_in_counsellor,
)

__all__ = ["backend_kwargs", "captured"]  # fixtures shared with the Python conversation test

TRICKY = ["Mannerheimintie 5 B 12, Helsinki", "  +358 40 123 4567\n", 'katu "A" \\ 3/4',
          "Åbo, Slottsgatan 1 · ovikoodi 1234 🚪", "rivi1\nrivi2\ttab\u0001\u007f\u2028", "ä" * 490]  # 1010 bytes: under the limit
CODEC = """async (values) => {
  const m = await import('/js/cases/emergency.js');
  const out = [];
  for (const v of values) {
    for (const kind of m.EMERGENCY_KINDS) {
      try { out.push([...m.encodeEmergency(kind, v)]); } catch (e) { out.push(e.code); }
    }
  }
  return out;
}"""
DECODE = """async (blobs) => {
  const m = await import('/js/cases/emergency.js');
  return blobs.map((b) => m.decodeEmergency(new Uint8Array(b)));
}"""


async def python_counsellor(server: LiveServer, name: str) -> StaffClient:
    token = await staff_token(server, name, "counsellor")
    peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    return StaffClient(server.url, peer, token, peer.role)


def server_blobs(server: LiveServer, backend: dict[str, object],
                 captured: Capture) -> list[tuple[str, bytes]]:
    """What the server wrote: Redis or the data directory, and its log at DEBUG."""
    if backend:
        blobs = list(redis_blobs(str(backend["redis_url"])))
    else:
        blobs = list(file_blobs([server.data_dir]))
    blobs.append(("log", "\n".join(captured.lines).encode()))
    return blobs


async def test_a_person_in_the_browser_shares_a_place_and_a_number_with_their_counsellor_only(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer,
        backend_kwargs: dict[str, object], captured: Capture) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    token = secrets.token_hex(6)
    place = f"Mannerheimintie {token} B 12, Helsinki"
    phone = f"+358 40 {secrets.randbelow(10**7):07d}"
    draft = f"Kalevankatu {secrets.token_hex(4)}"
    anna = await python_counsellor(server, "Anna")
    peer = await open_peer(server.url, width=360, height=740)
    person: Any = peer.page
    try:
        await anna.set_available(capacity=1)
        await peer.sign_in("Aada")
        await open_request_view(peer)
        await person.click("#case-ask")
        await person.locator("p.case-position").wait_for()
        case = await anna.next_case(timeout=10)
        session = await case.claim()
        await person.locator("p.case-here").wait_for()

        # Closed until asked for; opening it says who sees it before anything is sent.
        form = person.locator("details.case-share form.share-form")
        assert not await form.is_visible()
        await person.click("#case-share-open")
        await form.wait_for()
        who = await person.locator("details.case-share p.share-who").text_content() or ""
        assert "Only Anna" in who and "server" in who and "moderators" in who, who
        assert await person.get_attribute("#case-share-text", "autocomplete") == "off"
        await person.click("#case-share-send")  # nothing typed: said, nothing sent
        assert "Type an address" in (await person.locator(
            "details.case-share p.error").text_content() or "")

        # What is being typed stays while the counsellor's message redraws the view.
        await person.fill("#case-share-text", draft)
        await session.send("I am here. Take your time.")
        await person.wait_for_selector("ol.case-log li.theirs >> text=Take your time")
        assert await person.input_value("#case-share-text") == draft

        await person.fill("#case-share-text", f"  {place}  ")
        await person.click("#case-share-send")
        await person.locator("details.case-share p.share-sent").wait_for()
        assert "Shared with Anna" in (await person.locator("p.share-sent").text_content() or "")
        assert await session.next_emergency_share(10) == ("location", place)  # trimmed, exact
        await person.check("#case-share-contact")
        await person.fill("#case-share-text", phone)
        await person.press("#case-share-text", "Tab")
        await person.keyboard.press("Enter")  # the send button, by keyboard
        assert await session.next_emergency_share(10) == ("contact", phone)
        # The counsellor can have it before the page has redrawn its own list: wait for it.
        await person.locator("details.case-share ul.share-list li").nth(1).wait_for()
        assert await person.locator("details.case-share ul.share-list li").count() == 2
        assert await person.input_value("#case-share-text") == ""
        await person.fill("#case-text", "thank you")  # the conversation goes on
        await person.click("main[data-view=case] form.composer button[type=submit]")
        assert (await session.next_message(10)).text == "thank you"
        await person.wait_for_selector("ol.case-log li.mine >> text=thank you")  # mine shows too
        await person.fill("#case-text", "and one more thing")  # a draft in the composer stays
        await session.send("Go on.")
        await person.wait_for_selector("ol.case-log li.theirs >> text=Go on.")
        assert await person.input_value("#case-text") == "and one more thing"
        assert await axe_violations(person, axe_source()) == []
        assert await person.evaluate("document.documentElement.scrollWidth") <= 360

        stored = await person.evaluate("JSON.stringify(Object.entries(localStorage))")
        assert token not in stored, "the detail is kept in memory only"
        frames = "\n".join(peer.frames_sent)
        assert "direct.send" in frames, "the frames were not recorded"
        for secret in (token, phone):
            assert secret not in frames, "the detail left the browser in clear"
        blobs = server_blobs(server, backend_kwargs, captured)
        assert find(b"case.claimed", blobs), "the log was not searched"
        for secret in (token, phone):
            assert find(secret.encode(), blobs) == [], secret
        assert not await peer.csp_violations() and not peer.page_errors, peer.page_errors
    finally:
        await anna.close()
        await peer.context.close()


async def test_the_counsellor_console_shows_a_share_from_a_python_person_at_the_top_of_the_panel(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer, captured: Capture) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    token = secrets.token_hex(6)
    place = f"Hämeenkatu {token} A 3, Tampere"
    phone = f"+358 50 {secrets.randbelow(10**7):07d}"
    staff = await sign_in_counsellor(open_peer, server.url)
    console: Any = staff.page
    await console.fill("#counsel-capacity", "2")
    await console.click("#counsel-toggle")
    await console.wait_for_selector("p.duty-state.on")
    person = await PeerClient.connect(server.url)
    try:
        esc = await person.request_counsellor(reason="alcohol", level=4)
        await console.locator(".queue-list li.level-4 button.claim").click()
        panel = console.locator("section.counsel-session")
        await panel.wait_for()
        talk = await esc.wait_for_counsellor(timeout=10)
        box = panel.locator("section.emergency-share")
        assert await box.is_hidden()
        await talk.share_emergency("location", place)
        await box.locator(f"li[data-kind=location] >> text={place}").wait_for()
        await talk.share_emergency("contact", phone)
        await box.locator("li[data-kind=contact]").wait_for()
        kinds = await box.locator("li").evaluate_all("(els) => els.map((e) => e.dataset.kind)")
        assert kinds == ["contact", "location"], "newest first"
        first = box.locator("li").first
        assert await first.locator(".share-value").text_content() == phone
        assert await first.locator("time").get_attribute("datetime")
        await console.wait_for_function(  # announced, without the detail itself
            "() => document.getElementById('live').textContent.includes('shared how to reach them')")
        # First in the panel: before the case context and the conversation.
        order = await panel.evaluate("""(p) => [...p.children].map((e) => e.className || e.tagName)""")
        assert order.index("emergency-share") < order.index("case-context"), order
        await talk.send("kiitos")
        await panel.locator("li.theirs >> text=kiitos").wait_for()
        assert await axe_violations(console, axe_source()) == []
        await console.set_viewport_size({"width": 360, "height": 740})
        assert await console.evaluate("document.documentElement.scrollWidth") <= 360
        assert await axe_violations(console, axe_source()) == []
        await console.set_viewport_size({"width": 1280, "height": 780})

        blobs = server_blobs(server, {}, captured)
        assert find(b"case.claimed", blobs), "the log was not searched"
        assert find(token.encode(), blobs) == [] and find(phone.encode(), blobs) == []
        assert not await staff.csp_violations() and not staff.page_errors, staff.page_errors
    finally:
        await person.close()
        await staff.context.close()


async def test_the_browser_encodes_a_share_byte_for_byte_as_the_python_client(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=clock())
    peer = await open_peer(server.url)
    values = [*TRICKY, "", "   ", "x" * 501, "ö" * 499]  # the last: 500 chars, > 1024 bytes
    got = await peer.page.evaluate(CODEC, values)
    want: list[object] = []
    for value in values:
        for kind in ("location", "contact"):
            try:
                want.append(list(encode_emergency(kind, value)))
            except ClientError:
                want.append("refused")
    assert [g if isinstance(g, list) else "refused" for g in got] == want
    assert got[-6:] == ["empty", "empty", "too_large", "too_large", "too_large", "too_large"]
    blobs = [list(encode_emergency("contact", v)) for v in TRICKY]
    blobs += [list(b'{"kind":"shoe_size","value":"42"}'), list(b'{"kind":"location"}'), [0xff]]
    decoded = await peer.page.evaluate(DECODE, blobs)
    assert decoded[:len(TRICKY)] == [{"kind": "contact", "value": decode_emergency(bytes(b))[1]}
                                     for b in blobs[:len(TRICKY)]]
    assert decoded[len(TRICKY):] == [None, None, None]  # what the Python client calls bad_push
    await peer.context.close()
