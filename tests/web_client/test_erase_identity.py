"""Data rights in the browser (issue 15): "Erase my pseudonym" under My identity asks first, then
signs `identity.erase` with the identity key in Chromium; the server forgets the binding and the
key bundle (the Python server verifies the browser's signature: one format in e2ee/erase.py and
e2ee/identity.js), and the page wipes this device like "Forget this device". Dismissing the
confirmation erases nothing."""

from __future__ import annotations

import base64

from server.domain import pseudonyms
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_forget_device import LEFT

NAME = "Poistuva Kuusi"


async def test_erase_my_pseudonym_on_the_server_and_this_device(
        live_server, open_peer: OpenPeer) -> None:  # type: ignore[no-untyped-def]
    identities = live_server.services.stores.identities
    keys = live_server.services.stores.keys
    peer = await open_peer(live_server.url)
    await peer.sign_in(NAME)
    page = peer.page
    await page.wait_for_function("() => window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    bound = await identities.binding_of_name(pseudonyms.fold(NAME))
    assert bound is not None
    key = bound.identity_key
    assert await keys.get_bundle(key) is not None

    await page.click("button.navlink[data-view=identity]")
    page.once("dialog", lambda d: d.dismiss())  # changed my mind: nothing happens
    await page.click("section.identity button.erase")
    await page.wait_for_timeout(300)
    assert await identities.binding_of_name(pseudonyms.fold(NAME)) is not None

    messages: list[str] = []

    async def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        messages.append(dialog.message)
        await dialog.accept()
    page.once("dialog", accept)
    await page.click("section.identity button.erase")
    await page.wait_for_selector("section.welcome", timeout=20000)
    assert messages and NAME in messages[0]
    assert await identities.binding_of_name(pseudonyms.fold(NAME)) is None
    assert await identities.binding_of_key(key) is None
    assert await keys.get_bundle(key) is None
    assert await keys.count_one_time_prekeys(key) == 0
    left = await page.evaluate(LEFT)
    assert not left["local"] and not left["cached"] and "iltapiiri-e2ee" not in left["dbs"], left
    assert base64.b64encode(key).decode() not in str(left)
    await peer.context.close()
