""""Forget this device" wipes everything Iltapiiri keeps in the browser: IndexedDB (identity,
e2ee state, tonight's sealed messages), localStorage (day counter, rules, muted...), caches."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer

LEFT = """async () => {
  const dbs = (await indexedDB.databases()).map((d) => d.name);
  const local = Object.keys(localStorage).filter((k) => k.startsWith('iltapiiri.'));
  const cached = await caches.keys();
  return { dbs, local, cached };
}"""


async def test_forget_this_device_leaves_nothing_behind(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Unohtaja")
    await peer.join_open_group()
    page = peer.page
    await page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    await page.fill("textarea[name=message]", "hei kaikki")
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]")
    await page.evaluate("""async () => {
        localStorage.setItem('iltapiiri.days.start', JSON.stringify('2026-01-01'));
        await (await caches.open('iltapiiri-test')).put('/x', new Response('x')); }""")
    before = await page.evaluate(LEFT)
    assert "iltapiiri" in before["dbs"] and "iltapiiri.days.start" in before["local"]

    await page.click("button.navlink[data-view=identity]")
    page.once("dialog", lambda d: d.accept())
    await page.click("section.identity button.danger")
    await page.wait_for_selector("section.welcome", timeout=20000)
    left = await page.evaluate(LEFT)
    # The fresh start opens its own (empty) identity database again; nothing else is there.
    assert not left["local"] and not left["cached"], left
    assert "iltapiiri-e2ee" not in left["dbs"], left
    stored = await page.evaluate("""async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('iltapiiri'); r.onsuccess = () => ok(r.result); });
        if (!db.objectStoreNames.contains('device')) { db.close(); return []; }
        const keys = await new Promise((ok) => { const r = db.transaction('device').objectStore('device').getAllKeys(); r.onsuccess = () => ok(r.result); });
        db.close(); return keys; }""")
    assert stored == [], stored
    await peer.context.close()
