"""A reload keeps tonight's messages of an open room (sealed under the device key in IndexedDB),
the draft and the accepted rules; leaving the room, or the night's end, removes them."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.web_client.conftest import OpenPeer

# Every value of the app's IndexedDB, strings and bytes decoded, as one text to search.
DUMP = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('iltapiiri'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  const out = [];
  const walk = (v) => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof Uint8Array) out.push(new TextDecoder('utf-8', {fatal: false}).decode(v));
    else if (v instanceof ArrayBuffer) out.push(new TextDecoder().decode(new Uint8Array(v)));
    else if (v && typeof v === 'object' && !(v instanceof CryptoKey)) Object.values(v).forEach(walk);
  };
  for (const name of db.objectStoreNames) {
    const all = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
    const keys = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAllKeys(); r.onsuccess = () => ok(r.result); });
    all.forEach(walk); keys.forEach((k) => out.push(String(k)));
  }
  db.close();
  return out.join('\\n') + JSON.stringify(localStorage);
}"""


async def until(page: Any, predicate: str, timeout_s: float = 15.0) -> None:
    """Poll an async page predicate (wait_for_function would take its promise as true)."""
    for _ in range(int(timeout_s * 10)):
        if await page.evaluate(predicate):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {predicate[:80]}")


async def test_a_reload_keeps_tonights_messages_the_draft_and_the_rules(live_server, open_peer: OpenPeer) -> None:
    alice = await open_peer(live_server.url)
    bob = await open_peer(live_server.url)
    await alice.sign_in("Muistava")
    await bob.sign_in("Kertova")
    await alice.join_open_group()
    await bob.join_open_group()
    for p in (alice, bob):
        await p.page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    await alice.page.wait_for_selector("li.msg.system >> text=Kertova joined")
    await bob.page.fill("textarea[name=message]", "tervetuloa piiriin")
    await bob.page.press("textarea[name=message]", "Enter")
    await alice.page.wait_for_selector("li.msg.theirs >> text=tervetuloa piiriin", timeout=15000)
    page = alice.page
    await page.fill("textarea[name=message]", "kiitos, hyvä olla täällä")
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]")
    await page.type("textarea[name=message]", "puolikas ajatus")
    await until(page, """async () => { const { getSealed } = await import('/js/identity/store.js');
        const room = [...window.iltapiiri.session.rooms.keys()][0];
        const kept = await getSealed('night:' + room);
        return Boolean(kept && kept.draft === 'puolikas ajatus' && kept.messages.length >= 3); }""")
    # At rest: none of the words in the browser's storage.
    stored = await page.evaluate(DUMP)
    for words in ("tervetuloa piiriin", "hyvä olla", "puolikas ajatus"):
        assert words not in stored

    await page.reload()
    await page.wait_for_selector("section.groups li.group", timeout=20000)
    await page.click("li.group[aria-labelledby='group-open'] button.primary")
    # No rules again tonight: straight to the chat, with what was there and the draft.
    await page.wait_for_selector("section.chat")
    assert await page.locator("section.rules").count() == 0
    await page.wait_for_selector("li.msg.theirs >> text=tervetuloa piiriin")
    await page.wait_for_selector("li.msg.mine >> text=kiitos, hyvä olla täällä")
    assert await page.input_value("textarea[name=message]") == "puolikas ajatus"

    # Leaving the room leaves no transcript on the device.
    await page.click("section.chat button:has-text('Leave')")
    await page.wait_for_selector("section.groups")
    await until(page, """async () => { const { listSealed } = await import('/js/identity/store.js');
        return (await listSealed()).length === 0; }""")
    await alice.context.close()
    await bob.context.close()


async def test_a_night_that_ended_is_dropped_at_the_next_start(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Eilinen")
    page = peer.page
    await page.evaluate("""async () => { const { putSealed } = await import('/js/identity/store.js');
        const past = new Date(Date.now() - 60000).toISOString();
        await putSealed('night:open/eilen', {endsAt: past, messages: [{text: 'eilinen'}], draft: ''}, {endsAt: past});
        localStorage.setItem('iltapiiri.rules.accepted', JSON.stringify({open: past})); }""")
    await page.reload()
    await page.wait_for_selector("section.groups li.group", timeout=20000)
    await until(page, """async () => { const { listSealed } = await import('/js/identity/store.js');
        return (await listSealed()).length === 0 && !localStorage.getItem('iltapiiri.rules.accepted'); }""")
    await peer.context.close()
