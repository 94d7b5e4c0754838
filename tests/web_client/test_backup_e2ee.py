"""The identity backup carries the e2ee device state: a restored browser keeps its DH key,
prekeys and 1:1 sessions, so a peer's existing session goes on ("unable to decrypt" is what
people meet when a new device gets new keys behind their back).

Browser A talks 1:1 with a Python peer (`client.PeerClient`) and in the group `open`, saves a
passphrase-protected copy and is closed; a fresh browser profile restores the copy; the Python
peer sends on its old session and the restored browser reads it and answers on it.
"""

from __future__ import annotations

import json

from client import PeerClient
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_interop import (
    STORAGE_DUMP,
    TIMEOUT_MS,
    open_direct_view,
    plaintext_on_the_wire,
    ready_in_open_group,
    see_message,
    send_in_view,
    wait_ready,
)

PASSPHRASE = "kolme koivua ja kettu"


async def save_copy(peer: Peer) -> tuple[str, str]:
    """Save a protected copy from the identity view: (file text, the status shown)."""
    page = peer.page
    await page.click("button.navlink[data-view=identity]")
    await page.wait_for_selector("section.identity")
    await page.fill("input[name=passphrase]", PASSPHRASE)
    await page.fill("input[name=passphrase2]", PASSPHRASE)
    async with page.expect_download() as info:
        await page.click("form[aria-labelledby=export-title] button[type=submit]")
    text = (await (await info.value).path()).read_text(encoding="utf-8")
    status = page.locator("form[aria-labelledby=export-title] p[role=status]")
    await page.wait_for_function(
        "() => !document.querySelector('form[aria-labelledby=export-title] p[role=status]')"
        ".textContent.startsWith('Working')", timeout=TIMEOUT_MS)
    return text, await status.inner_text()


async def restore_copy(peer: Peer, text: str) -> None:
    """From the welcome view of a fresh profile: restore the file and sign in."""
    page = peer.page
    await page.click("section.welcome button.link")
    await page.wait_for_selector("section.identity")
    await page.set_input_files("input[type=file]", {
        "name": "iltapiiri-identity.json", "mimeType": "application/json", "buffer": text.encode("utf-8")})
    await page.fill("input[name=passphrase]", PASSPHRASE)
    await page.click("form[aria-labelledby=import-title] button[type=submit]")
    await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)


PUBLISHED = """() => window.iltapiiri.e2ee.engine.account && {
  dh: btoa(String.fromCharCode(...window.iltapiiri.e2ee.engine.account.dh.pub)),
  oneTime: window.iltapiiri.e2ee.engine.account.oneTime.size }"""


async def test_a_restored_browser_keeps_its_one_to_one_sessions(live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Ystava")
    try:
        group = await py.join_group("open")
        first = await ready_in_open_group(open_peer, live_server.url, "Muuttaja")
        await send_in_view(first, "ryhmälle ennen muuttoa")
        assert (await group.next_message(timeout=15)).text == "ryhmälle ennen muuttoa"
        await group.send("python ryhmässä")
        await see_message(first, "python ryhmässä")

        dm = await py.open_direct("Muuttaja")
        await dm.send("kahden kesken ennen")
        await open_direct_view(first, "Python Ystava")
        await see_message(first, "kahden kesken ennen")
        await send_in_view(first, "vastaus ennen muuttoa")
        assert (await dm.next_message(timeout=15)).text == "vastaus ennen muuttoa"
        before = await first.page.evaluate(PUBLISHED)

        text, status = await save_copy(first)
        assert status.startswith("Saved, with your encryption keys"), status
        doc = json.loads(text)
        assert doc["format"] == "iltapiiri-identity" and doc["version"] == 1
        # Nothing readable outside the ciphertext: no key, no pseudonym, no message.
        for secret in ("Muuttaja", "Python Ystava", "iltapiiri-e2ee-state", "root_key", before["dh"]):
            assert secret not in text
        # Normal use never made a private key extractable (the raw bytes exist only sealed).
        dump = await first.page.evaluate(STORAGE_DUMP)
        private = [k for k in dump["keys"] if k["type"] in ("private", "secret")]
        assert private and all(k["extractable"] is False for k in private), private
        assert first.unexpected_console_errors() == []
        await first.context.close()  # the old phone is gone

        second = await open_peer(live_server.url)
        await restore_copy(second, text)
        notice = second.page.locator("section.groups .device-notice")
        assert "restored from your saved copy, with your encryption keys" in await notice.inner_text()
        await wait_ready(second)
        after = await second.page.evaluate(PUBLISHED)
        assert after["dh"] == before["dh"]  # the same DH key: peers' sessions still fit
        await second.screenshot("e2ee-08-restored-device")

        # The Python peer goes on with its old session; the restored browser reads and answers.
        await dm.send("kahden kesken muuton jälkeen")
        await open_direct_view(second, "Python Ystava")
        await see_message(second, "kahden kesken muuton jälkeen")
        await send_in_view(second, "luen sinua yhä")
        reply = await dm.next_message(timeout=15)
        assert (reply.text, reply.sender) == ("luen sinua yhä", "Muuttaja")
        assert reply.franking is not None and reply.franking.verify_commitment()
        assert py.undecryptable == 0
        assert await second.page.evaluate("window.iltapiiri.e2ee.engine.undecryptable") == 0

        # The group starts afresh (its keys are not in the copy) and works again after a join.
        await second.page.click("button.navlink[data-view=groups]")
        await second.join_open_group()
        await send_in_view(second, "takaisin ryhmässä")
        assert (await group.next_message(timeout=15)).text == "takaisin ryhmässä"
        await group.send("tervetuloa takaisin")
        await see_message(second, "tervetuloa takaisin")

        # The identity view says what this device is.
        await second.page.click("button.navlink[data-view=identity]")
        state = second.page.locator("section.identity .device-state")
        assert await state.get_attribute("data-origin") == "restored"
        assert "Your encryption keys came along" in await state.inner_text()
        dump = await second.page.evaluate(STORAGE_DUMP)
        private = [k for k in dump["keys"] if k["type"] in ("private", "secret")]
        assert private and all(k["extractable"] is False for k in private), private
        assert plaintext_on_the_wire(second, "luen sinua yhä", "takaisin ryhmässä") == []
        assert second.unexpected_console_errors() == []
        await second.context.close()
    finally:
        await py.close()


async def test_a_new_device_says_so_and_a_copy_without_keys_restores_the_name_only(
        live_server, open_peer: OpenPeer) -> None:
    first = await open_peer(live_server.url)
    await first.sign_in("Uusilaite")
    await wait_ready(first)
    await first.page.click("button.navlink[data-view=identity]")
    state = first.page.locator("section.identity .device-state")
    assert await state.get_attribute("data-origin") == "created"
    # A copy made by a client that could not carry keys (extra: null) still restores the name.
    text = await first.page.evaluate("""async (pass) => {
      const { exportIdentity } = await import('/js/identity/backup.js');
      return exportIdentity(window.iltapiiri.session.identity, pass, { extra: null });
    }""", PASSPHRASE)
    await first.context.close()
    second = await open_peer(live_server.url)
    await restore_copy(second, text)
    notice = second.page.locator("section.groups .device-notice")
    assert "without encryption keys" in await notice.inner_text()
    await second.page.click("section.groups .device-notice button")
    assert await notice.count() == 0
    await second.page.click("button.navlink[data-view=identity]")
    state = second.page.locator("section.identity .device-state")
    assert await state.get_attribute("data-origin") == "restored-without-keys"
    # New keys: the relay's one-time prekeys of the old ones (handed out oldest first) were
    # pushed out, so a new contact's first message opens.
    await wait_ready(second)
    py = await PeerClient.connect(live_server.url, pseudonym="Uusi Tuttava")
    try:
        dm = await py.open_direct("Uusilaite")
        await dm.send("ensimmäinen viesti uudelle laitteelle")
        await open_direct_view(second, "Uusi Tuttava")
        await see_message(second, "ensimmäinen viesti uudelle laitteelle")
    finally:
        await py.close()
    await second.context.close()


E2EE_RECORDS = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('iltapiiri-e2ee'); r.onsuccess = () => ok(r.result); r.onerror = no; });
  // "Forget this device" deletes the database itself (js/forget.js): then there is no store.
  if (!db.objectStoreNames.contains('state')) { db.close(); return []; }
  const keys = await new Promise((ok) => { const r = db.transaction('state').objectStore('state').getAllKeys(); r.onsuccess = () => ok(r.result); });
  db.close();
  return keys;
}"""


async def test_removing_the_identity_removes_its_keys_too(live_server, open_peer: OpenPeer) -> None:
    """A later restore of the same identity must not find stale keys left behind (and erasing a
    pseudonym erases everything tied to it)."""
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Poistuja")
    await wait_ready(peer)
    key = await page.evaluate("window.iltapiiri.session.identity.publicKeyB64")
    assert f"account:{key}" in await page.evaluate(E2EE_RECORDS)
    await page.click("button.navlink[data-view=identity]")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("section.identity button.danger")
    await page.wait_for_selector("section.welcome", timeout=TIMEOUT_MS)
    assert [k for k in await page.evaluate(E2EE_RECORDS) if k.endswith(key)] == []
    await peer.context.close()


async def test_a_copy_from_a_device_whose_dh_key_predates_backups_still_carries_its_sessions(
        live_server, open_peer: OpenPeer) -> None:
    """Devices set up before backups carried keys have a DH key with no sealed copy: the copy
    leaves the account out, the restored device makes a new one, and the sessions go on."""
    py = await PeerClient.connect(live_server.url, pseudonym="Python Vanha")
    try:
        first = await open_peer(live_server.url)
        await first.sign_in("Vanhalaite")
        await wait_ready(first)
        dm = await py.open_direct("Vanhalaite")
        await dm.send("vanha istunto")
        await open_direct_view(first, "Python Vanha")
        await see_message(first, "vanha istunto")
        await send_in_view(first, "vastaan vanhalta laitteelta")
        assert (await dm.next_message(timeout=15)).text == "vastaan vanhalta laitteelta"
        before = await first.page.evaluate(PUBLISHED)
        # As on a device from before: the DH key has no sealed copy (its ratchet key, made when it
        # answered just now, has).
        await first.page.evaluate("() => { delete window.iltapiiri.e2ee.engine.account.dh.sealed; }")
        state = await first.page.evaluate("""async () => {
          const s = await window.iltapiiri.e2ee.exportState();
          return { account: s.account, sessions: s.sessions.length, left: s.left_out };
        }""")
        assert state == {"account": None, "sessions": 1,
                         "left": {"account": 1, "sessions": 0, "one_time": 0, "signed": 0}}
        text, _ = await save_copy(first)
        await first.context.close()

        second = await open_peer(live_server.url)
        await restore_copy(second, text)
        await wait_ready(second)
        assert (await second.page.evaluate(PUBLISHED))["dh"] != before["dh"]  # a new account
        await dm.send("jatkuuko istunto")
        await open_direct_view(second, "Python Vanha")
        await see_message(second, "jatkuuko istunto")
        await send_in_view(second, "jatkuu")
        assert (await dm.next_message(timeout=15)).text == "jatkuu"
        assert py.undecryptable == 0
        await second.context.close()
    finally:
        await py.close()
