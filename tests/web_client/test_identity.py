"""The identity lives on the device (non-extractable signing key in IndexedDB) and moves to a new
device only as a passphrase-protected file."""

from __future__ import annotations

import json

from tests.web_client.conftest import OpenPeer

STORED = """async () => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open('iltapiiri');
    r.onsuccess = () => res(r.result); r.onerror = rej; });
  const rec = await new Promise((res) => { const r = db.transaction('device').objectStore('device').get('identity');
    r.onsuccess = () => res(r.result); });
  const wrap = await new Promise((res) => { const r = db.transaction('device').objectStore('device').get('wrap-key');
    r.onsuccess = () => res(r.result); });
  let exportRefused = false;
  try { await crypto.subtle.exportKey('pkcs8', rec.signingKey); } catch (e) { exportRefused = e.name === 'InvalidAccessError'; }
  return { signingExtractable: rec.signingKey.extractable, wrapExtractable: wrap.extractable,
           exportRefused, publicKey: btoa(String.fromCharCode(...rec.publicKey)),
           sealedLength: rec.wrappedSeed.sealed.length, keys: Object.keys(rec).sort() };
}"""


async def test_keys_are_non_extractable_and_the_backup_moves_the_identity(live_server, open_peer: OpenPeer) -> None:
    first = await open_peer(live_server.url)
    await first.sign_in("Kotiavain")
    stored = await first.page.evaluate(STORED)
    assert stored["signingExtractable"] is False and stored["wrapExtractable"] is False
    assert stored["exportRefused"] is True
    assert stored["sealedLength"] == 32 + 16  # the seed is only there sealed (AES-GCM)
    assert stored["keys"] == ["createdAt", "origin", "pseudonym", "publicKey", "signingKey", "version",
                              "wrappedSeed"]

    page = first.page
    await page.click("button.navlink[data-view=identity]")
    await page.wait_for_selector("section.identity")
    await page.fill("input[name=passphrase]", "short")
    await page.fill("input[name=passphrase2]", "short")
    await page.click("form[aria-labelledby=export-title] button[type=submit]")
    await page.wait_for_selector("text=at least 10 characters")
    passphrase = "lyhty kuusi lumi kahvi"
    await page.fill("input[name=passphrase]", passphrase)
    await page.fill("input[name=passphrase2]", passphrase)
    async with page.expect_download() as info:
        await page.click("form[aria-labelledby=export-title] button[type=submit]")
    download = await info.value
    text = (await download.path()).read_text(encoding="utf-8")
    await first.screenshot("10-identity")
    doc = json.loads(text)
    assert doc["format"] == "iltapiiri-identity" and doc["version"] == 1
    assert doc["kdf"]["name"] == "PBKDF2-SHA256" and doc["kdf"]["iterations"] >= 600_000
    assert doc["cipher"]["name"] == "AES-256-GCM"
    assert doc["public_key"] == stored["publicKey"]
    assert "Kotiavain" not in text and "seed" not in text  # all of it inside the ciphertext
    await first.context.close()

    # A new device: restore from the file, refuse the wrong passphrase, accept the right one.
    second = await open_peer(live_server.url)
    page = second.page
    await page.click("section.welcome button.link")
    await page.wait_for_selector("section.identity")
    upload = {"name": "iltapiiri-identity.json", "mimeType": "application/json",
              "buffer": text.encode("utf-8")}
    await page.set_input_files("input[type=file]", upload)
    await page.fill("input[name=passphrase]", "not the passphrase")
    await page.click("form[aria-labelledby=import-title] button[type=submit]")
    await page.wait_for_selector("text=That passphrase does not open this file.")
    tampered = json.loads(text)
    tampered["kdf"]["iterations"] = 600_001  # the header is bound to the ciphertext
    await page.set_input_files("input[type=file]", {**upload, "buffer": json.dumps(tampered).encode()})
    await page.fill("input[name=passphrase]", passphrase)
    await page.click("form[aria-labelledby=import-title] button[type=submit]")
    await page.wait_for_selector("text=That passphrase does not open this file.")
    await page.set_input_files("input[type=file]", upload)
    await page.fill("input[name=passphrase]", passphrase)
    await page.click("form[aria-labelledby=import-title] button[type=submit]")
    await page.wait_for_selector("section.groups")
    assert "Kotiavain" in await page.locator("section.groups .lead").inner_text()
    restored = await page.evaluate(STORED)
    assert restored["publicKey"] == stored["publicKey"] and restored["signingExtractable"] is False
    assert second.unexpected_console_errors() == []
    await second.context.close()
