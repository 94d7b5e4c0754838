"""The browser rotates its signed prekey weekly, like the Python client (client/engine.py), and
keeps the old ones (docs/crypto.md MAX_OLD_SIGNED_PREKEYS) so first messages sent to an older
bundle still open. Time is faked in the page (Date.now), the relay runs on real time."""

from __future__ import annotations

import json

from client import PeerClient
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_interop import TIMEOUT_MS, wait_ready

DAY_MS = 24 * 3600 * 1000

SIGNED_IDS = "() => window.iltapiiri.e2ee.engine.account.signed.map((s) => s.id)"
SHIFT_CLOCK = """(ms) => {
  if (!window.__realNow) window.__realNow = Date.now.bind(Date);
  const real = window.__realNow;
  Date.now = () => real() + ms;
}"""
FAKE_CLOCK_SCRIPT = """(() => { const real = Date.now.bind(Date); Date.now = () => real() + %d; })();"""
STORED_MADE_AT = """async () => {
  const engine = window.iltapiiri.e2ee.engine;
  const record = await engine.store.get(engine.key('account'));
  return [record.signedMadeAt, Date.now()];
}"""


def published_signed_ids(frames: list[str]) -> list[int]:
    out = []
    for f in frames:
        if f.startswith("42") and '["keys.publish"' in f:
            out.append(json.loads(f[f.index("["):])[1]["signed_prekey"]["id"])
    return out


async def test_a_tab_left_open_rotates_its_signed_prekey_after_a_week(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Viikko Auki")
    await wait_ready(peer)
    first = await page.evaluate(SIGNED_IDS)
    assert len(first) == 1
    assert published_signed_ids(peer.frames_sent)[-1] == first[0]

    await page.evaluate(SHIFT_CLOCK, 6 * DAY_MS)
    assert await page.evaluate("() => window.iltapiiri.e2ee.engine.rotateSignedPrekeyIfDue()") is False
    assert await page.evaluate(SIGNED_IDS) == first

    await page.evaluate(SHIFT_CLOCK, 8 * DAY_MS)
    assert await page.evaluate("() => window.iltapiiri.e2ee.engine.rotateSignedPrekeyIfDue()") is True
    now = await page.evaluate(SIGNED_IDS)
    assert len(now) == 2 and now[1] == first[0] and now[0] != first[0], now
    assert published_signed_ids(peer.frames_sent)[-1] == now[0]
    made_at, page_now = await page.evaluate(STORED_MADE_AT)
    assert abs(made_at - page_now) < 60_000  # the new date is on disk (IndexedDB)

    # Four more weeks: the newest plus MAX_OLD_SIGNED_PREKEYS (3) old ones are kept, no more.
    for week in range(2, 6):
        await page.evaluate(SHIFT_CLOCK, (8 + 7 * week) * DAY_MS)
        assert await page.evaluate("() => window.iltapiiri.e2ee.engine.rotateSignedPrekeyIfDue()") is True
    kept = await page.evaluate(SIGNED_IDS)
    assert len(kept) == 4 and first[0] not in kept, kept

    # A peer fetching the bundle now gets the newest signed prekey, and its first message opens.
    py = await PeerClient.connect(live_server.url, pseudonym="Python Naapuri")
    try:
        dm = await py.open_direct("Viikko Auki")
        await dm.send("uusi avain toimii")
        await page.wait_for_function("""() => window.iltapiiri.directs.list().some((c) =>
          c.messages.some((m) => m.text === 'uusi avain toimii'))""", timeout=TIMEOUT_MS)
    finally:
        await py.close()
    assert peer.unexpected_console_errors() == []
    await peer.context.close()


async def test_a_first_message_to_last_weeks_bundle_still_opens_after_rotation(
        live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Viikon Paasta")
    await wait_ready(peer)
    old = await page.evaluate(SIGNED_IDS)
    await page.goto(live_server.url + "/away.html")  # away: the socket is gone

    # A peer writes meanwhile, to the bundle with last week's signed prekey; it waits in the inbox.
    py = await PeerClient.connect(live_server.url, pseudonym="Python Kirjoittaja")
    try:
        dm = await py.open_direct("Viikon Paasta")
        await dm.send("kirjoitin ennen vaihtoa")
    finally:
        await py.close()

    # Back eight days later: sign-in rotates (and publishes) before the inbox is read.
    await page.add_init_script(FAKE_CLOCK_SCRIPT % (8 * DAY_MS))
    await page.goto(live_server.url + "/")
    await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
    await wait_ready(page)
    await page.wait_for_function("""() => window.iltapiiri.directs.list().some((c) =>
      c.messages.some((m) => m.text === 'kirjoitin ennen vaihtoa'))""", timeout=TIMEOUT_MS)
    now = await page.evaluate(SIGNED_IDS)
    assert len(now) == 2 and now[1] == old[0] and now[0] != old[0], now
    assert published_signed_ids(peer.frames_sent)[-1] == now[0]
    assert await page.evaluate("() => window.iltapiiri.e2ee.engine.undecryptable") == 0
    assert peer.unexpected_console_errors() == []
    await peer.context.close()
