"""End to end over the real relay: browser <-> browser and browser <-> Python (client.PeerClient).

Everything goes through the product's own views (composer, chat, 1:1, safety number); the relay
only ever sees ciphertext, which the tests check on the websocket frames the page sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from client import Message, PeerClient
from e2ee.safety import safety_number
from tests.web_client.conftest import OpenPeer, Peer

TIMEOUT_MS = 20000


async def send_in_view(peer: Peer, text: str) -> None:
    """Type into the composer of the open chat view and send."""
    await peer.page.fill("textarea[name=message]", text)
    await peer.page.click("form.composer button[type=submit]")
    await peer.page.wait_for_selector(f"li.msg.mine .msg-text >> text={text}", timeout=TIMEOUT_MS)


async def see_message(peer: Peer, text: str) -> None:
    """Wait until a message from someone else with exactly this text is shown."""
    await peer.page.wait_for_selector(f"li.msg.theirs .msg-text >> text={text}", timeout=TIMEOUT_MS)


def plaintext_on_the_wire(peer: Peer, *texts: str) -> list[str]:
    """Any websocket frame the page sent that contains one of these texts."""
    return [f for f in peer.frames_sent for t in texts if t in f]


def sent_events(peer: Peer) -> list[str]:
    names = []
    for frame in peer.frames_sent:
        if frame.startswith("42"):
            names.append(json.loads(frame[2:].lstrip("0123456789"))[0])
    return names


async def browser_key(peer: Peer) -> bytes:
    return base64.b64decode(await peer.page.evaluate("window.iltapiiri.session.identity.publicKeyB64"))


WAIT_READY = """async (ms) => {
  const m = window.iltapiiri.messaging;
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (m.encryptionReady()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}"""


async def wait_ready(peer: Peer | Any) -> None:
    """Wait until the page's e2ee engine is installed and ready (a Peer or a bare page)."""
    page = peer.page if isinstance(peer, Peer) else peer
    assert await page.evaluate(WAIT_READY, TIMEOUT_MS) is True, "encryption never became ready"


async def ready_in_open_group(open_peer: OpenPeer, base_url: str, pseudonym: str) -> Peer:
    """A fresh browser peer: signed in as `pseudonym`, encryption ready, in the open group's chat."""
    peer = await open_peer(base_url)
    await peer.sign_in(pseudonym)
    await wait_ready(peer)
    await peer.join_open_group()
    return peer


async def test_two_browsers_chat_in_the_open_group(live_server, open_peer: OpenPeer) -> None:
    alice = await open_peer(live_server.url)
    bob = await open_peer(live_server.url, locale="fi-FI")
    await alice.sign_in("Aamukaste")
    await bob.sign_in("Iltarusko")
    await wait_ready(alice)
    await wait_ready(bob)
    await alice.join_open_group()
    await bob.join_open_group()
    await alice.page.wait_for_selector("li.msg.system >> text=Iltarusko joined", timeout=TIMEOUT_MS)

    await send_in_view(alice, "hei kaikki, ensimmäinen ilta täällä")
    await see_message(bob, "hei kaikki, ensimmäinen ilta täällä")
    await send_in_view(bob, "tervetuloa Aamukaste")
    await see_message(alice, "tervetuloa Aamukaste")
    await send_in_view(alice, "kiitos, hyvä olla täällä")
    await see_message(bob, "kiitos, hyvä olla täällä")

    assert "room.send" in sent_events(alice) and "room.send" in sent_events(bob)
    assert plaintext_on_the_wire(alice, "ensimmäinen", "kiitos, hyvä") == []
    assert plaintext_on_the_wire(bob, "tervetuloa Aamukaste") == []
    # Each message keeps its franking opening for a report.
    opening = await bob.page.evaluate("""() => {
      const room = [...window.iltapiiri.rooms.byRoom.values()][0];
      const m = room.messages.find((x) => x.text === 'kiitos, hyvä olla täällä');
      return m && m.franking && m.franking.opening;
    }""")
    assert opening and opening["text"] == "kiitos, hyvä olla täällä" and opening["stamp"]
    assert opening["context"] == opening["room"]
    await alice.screenshot("e2ee-01-group-browser-alice")
    await bob.screenshot("e2ee-02-group-browser-bob-fi")
    assert alice.unexpected_console_errors() == [] and bob.unexpected_console_errors() == []
    await alice.context.close()
    await bob.context.close()


async def open_direct_view(peer: Peer, name: str) -> None:
    """Go to "Private chats" and open the conversation with `name` once it exists."""
    await peer.page.wait_for_function(
        "(name) => window.iltapiiri.directs.list().some((c) => c.peer === name)", arg=name,
        timeout=TIMEOUT_MS)
    await peer.page.click("button.navlink[data-view=direct]")
    await peer.page.click(f"ul.convo-list button >> text={name}")
    await peer.page.wait_for_selector("section.direct form.composer")


async def shown_safety_number(peer: Peer) -> str:
    """Open the safety-number view from the 1:1 view (under the chat's options) and read the 60
    digits it shows."""
    await peer.page.click("section.direct .tools-box summary")
    await peer.page.click("section.direct button >> text=Compare safety numbers")
    await peer.page.wait_for_selector("section.safety .digits:not(.placeholder) span", timeout=TIMEOUT_MS)
    return "".join(await peer.page.locator("section.safety .digits span").all_inner_texts())


async def test_browser_and_python_peer_chat_in_group_and_one_to_one(live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Peer")
    try:
        browser = await open_peer(live_server.url)
        await browser.sign_in("Selainkettu")
        await wait_ready(browser)
        group = await py.join_group("open")
        await browser.join_open_group()

        # Group, browser -> Python: the Python client verifies, decrypts and checks the franking.
        await send_in_view(browser, "hei python, selain täällä")
        got = await group.next_message(timeout=15)
        assert (got.text, got.sender) == ("hei python, selain täällä", "Selainkettu")
        assert got.franking is not None and got.franking.verify_commitment()
        assert got.sender_key == await browser_key(browser)
        # Group, Python -> browser.
        await group.send("moi selain, python vastaa")
        await see_message(browser, "moi selain, python vastaa")
        await browser.screenshot("e2ee-03-group-browser-and-python")

        # 1:1, Python -> browser (the browser answers the X3DH prekey message)...
        dm = await py.open_direct("Selainkettu")
        await dm.send("kahden kesken: hei selain")
        await open_direct_view(browser, "Python Peer")
        await see_message(browser, "kahden kesken: hei selain")
        # ... and browser -> Python over the same session.
        await send_in_view(browser, "kahden kesken: moi python")
        reply = await dm.next_message(timeout=15)
        assert (reply.text, reply.sender) == ("kahden kesken: moi python", "Selainkettu")
        assert reply.franking is not None and reply.franking.verify_commitment()
        await dm.send("toinen viesti pythonilta")
        await see_message(browser, "toinen viesti pythonilta")
        await browser.screenshot("e2ee-04-direct-browser-and-python")

        # The safety number the browser shows is the one Python computes for the same pair.
        digits = await shown_safety_number(browser)
        assert len(digits) == 60
        assert digits == safety_number(await browser_key(browser), py.identity_key)
        await browser.screenshot("e2ee-05-safety-number")

        assert plaintext_on_the_wire(browser, "selain täällä", "moi python") == []
        assert browser.unexpected_console_errors() == []
        await browser.context.close()
    finally:
        await py.close()


def collect(py: PeerClient) -> asyncio.Queue[Message]:
    """Every message the Python peer receives, in order."""
    queue: asyncio.Queue[Message] = asyncio.Queue()
    py.add_listener(lambda message, chat: queue.put_nowait(message))
    return queue


async def test_after_a_reload_the_browser_still_reads_and_writes_one_to_one(
        live_server, open_peer: OpenPeer) -> None:
    py = await PeerClient.connect(live_server.url, pseudonym="Python Muisti")
    inbox = collect(py)
    try:
        browser = await open_peer(live_server.url)
        await browser.sign_in("Muistaja")
        await wait_ready(browser)
        # The browser starts the session (X3DH from the browser's side) through the send seam.
        await browser.page.evaluate(
            "window.iltapiiri.messaging.sendDirectText('Python Muisti', 'selain aloittaa')")
        first = await asyncio.wait_for(inbox.get(), 15)
        assert (first.text, first.sender) == ("selain aloittaa", "Muistaja")
        dm = await py.open_direct("Muistaja")
        await dm.send("python vastaa")
        await open_direct_view(browser, "Python Muisti")
        await see_message(browser, "python vastaa")
        await send_in_view(browser, "ennen latausta")
        assert (await asyncio.wait_for(inbox.get(), 15)).text == "ennen latausta"

        # Reload: the page signs in again with the stored identity and the stored sessions.
        await browser.page.reload()
        await browser.page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
        await wait_ready(browser)
        await dm.send("latauksen jälkeen")
        await open_direct_view(browser, "Python Muisti")
        await see_message(browser, "latauksen jälkeen")
        await send_in_view(browser, "selain muistaa yhä")
        again = await asyncio.wait_for(inbox.get(), 15)
        assert (again.text, again.sender) == ("selain muistaa yhä", "Muistaja")
        assert again.franking is not None and again.franking.verify_commitment()
        await browser.screenshot("e2ee-06-direct-after-reload")
        assert py.undecryptable == 0
        assert browser.unexpected_console_errors() == []
        await browser.context.close()
    finally:
        await py.close()


def group_ref(message: Message) -> tuple[int, int, int]:
    """(epoch, key_id, iteration) of a group message, from its franking message_ref."""
    assert message.franking is not None
    ref = message.franking.message_ref
    return (int.from_bytes(ref[0:4], "big"), int.from_bytes(ref[4:8], "big"), int.from_bytes(ref[8:12], "big"))


async def test_the_browser_rotates_its_sender_key_when_a_member_leaves(live_server, open_peer: OpenPeer) -> None:
    stays = await PeerClient.connect(live_server.url, pseudonym="Jaa Ja")
    goes = await PeerClient.connect(live_server.url, pseudonym="Lahtija")
    try:
        group_stays = await stays.join_group("open")
        group_goes = await goes.join_group("open")
        browser = await ready_in_open_group(open_peer, live_server.url, "Kiertaja")
        await send_in_view(browser, "kaikille kolmelle")
        before = await group_stays.next_message(timeout=15)
        assert before.text == "kaikille kolmelle"
        assert (await group_goes.next_message(timeout=15)).text == "kaikille kolmelle"

        await group_goes.leave()
        await browser.page.wait_for_selector("li.msg.system >> text=Lahtija left", timeout=TIMEOUT_MS)
        await send_in_view(browser, "vain jaljella oleville")
        after = await group_stays.next_message(timeout=15)
        assert after.text == "vain jaljella oleville"
        epoch0, key0, _ = group_ref(before)
        epoch1, key1, iteration1 = group_ref(after)
        assert epoch1 > epoch0 and key1 != key0 and iteration1 == 0  # a new key, not the old chain
        # The Python member rotated too, and the browser received its new key.
        await group_stays.send("kierto toimii")
        await see_message(browser, "kierto toimii")

        # Leaving drops every key of the room from the engine (memory and IndexedDB).
        assert await browser.page.evaluate("() => window.iltapiiri.e2ee.engine.groups.rooms().length") == 1
        await browser.page.click("section.chat .chat-head button.secondary")
        await browser.page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
        await browser.page.wait_for_function(
            "() => window.iltapiiri.e2ee.engine.groups.rooms().length === 0", timeout=TIMEOUT_MS)
        stored = await browser.page.evaluate(STORAGE_DUMP)
        assert "open/" not in stored["blob"]
        await browser.context.close()
    finally:
        await stays.close()
        await goes.close()


async def test_a_second_tab_waits_until_the_first_is_closed(live_server, open_peer: OpenPeer) -> None:
    first = await open_peer(live_server.url)
    await first.sign_in("Ensimmainen")
    await wait_ready(first)
    second_page = await first.context.new_page()  # same profile: same identity, same IndexedDB
    await second_page.goto(live_server.url + "/")
    # It says so (tests/web_client/test_second_tab.py) and sends nothing meanwhile.
    await second_page.wait_for_selector("section.elsewhere", timeout=TIMEOUT_MS)
    ready = "window.iltapiiri.messaging.encryptionReady()"
    assert await second_page.evaluate(ready) is False
    refused = await second_page.evaluate(
        "window.iltapiiri.messaging.sendDirectText('Ensimmainen', 'x').then(() => 'sent', (e) => e.code)")
    assert refused == "encryption_not_ready"
    # The first tab closes: the engine's lock is free and the second carries on by itself.
    await first.page.close()
    await second_page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
    await wait_ready(second_page)
    await first.context.close()


STORAGE_DUMP = """async () => {
  const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  const keys = [];
  const texts = [];
  const walk = (v) => {
    if (v instanceof CryptoKey) { keys.push({ type: v.type, extractable: v.extractable, alg: v.algorithm.name }); return; }
    if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
      const b = new Uint8Array(v);
      texts.push(hex(b), new TextDecoder('utf-8', { fatal: false }).decode(b));
      return;
    }
    if (typeof v === 'string') { texts.push(v); return; }
    if (v && typeof v === 'object') for (const x of (v instanceof Map ? [...v.keys(), ...v.values()] : Object.values(v))) walk(x);
  };
  const records = [];
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = no; });
    for (const store of db.objectStoreNames) {
      const all = await new Promise((ok) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
      records.push(`${name}/${store}:${all.length}`);
      all.forEach(walk);
    }
    db.close();
  }
  for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i += 1) texts.push(s.key(i), s.getItem(s.key(i)));
  return { keys, blob: texts.join('\\n'), records };
}"""


def utf8_hex(text: str) -> str:
    return text.encode("utf-8").hex()


async def test_two_browsers_one_to_one_by_request_and_accept_and_nothing_readable_is_stored(
        live_server, open_peer: OpenPeer) -> None:
    alice = await open_peer(live_server.url)
    bob = await open_peer(live_server.url)
    console: list[str] = []
    for peer in (alice, bob):
        peer.page.on("console", lambda msg: console.append(msg.text))
    await alice.sign_in("Aaltonen")
    await bob.sign_in("Bergman")
    await wait_ready(alice)
    await wait_ready(bob)
    await alice.join_open_group()
    await bob.join_open_group()
    await send_in_view(bob, "moi ryhmä")
    await see_message(alice, "moi ryhmä")

    # Alice asks for a private chat from Bob's message; Bob accepts (both controls end to end).
    await alice.page.click("li.msg.theirs button >> text=Talk privately")
    await alice.page.click("section.direct button.primary >> text=Ask Bergman")
    try:
        await bob.page.wait_for_function(
            "() => window.iltapiiri.directs.list().some((c) => c.peer === 'Aaltonen' && c.state === 'incoming')",
            timeout=TIMEOUT_MS)
    except Exception:
        state = "() => JSON.stringify(window.iltapiiri.directs.list().map((c) => [c.peer, c.state]))"
        notice = await alice.page.locator("section.direct p.notice").all_inner_texts()
        engines = "() => [window.iltapiiri.e2ee.status, window.iltapiiri.e2ee.engine.undecryptable]"
        raise AssertionError(f"alice {await alice.page.evaluate(state)} notice {notice}, "
                             f"engines {await alice.page.evaluate(engines)} {await bob.page.evaluate(engines)}, "
                             f"bob {await bob.page.evaluate(state)}, alice sent {sent_events(alice)[-4:]}, "
                             f"bob sent {sent_events(bob)[-4:]}") from None
    await bob.page.click("button.navlink[data-view=direct]")
    await bob.page.click("ul.convo-list button >> text=Aaltonen")
    await bob.page.click("section.direct button.primary")
    await alice.page.wait_for_selector("section.direct form.composer", timeout=TIMEOUT_MS)
    await send_in_view(alice, "tämä jää meidän väliseksi")
    await see_message(bob, "tämä jää meidän väliseksi")
    await send_in_view(bob, "niin jää, kiitos")
    await see_message(alice, "niin jää, kiitos")
    await bob.screenshot("e2ee-07-direct-two-browsers")

    secrets = ["moi ryhmä", "tämä jää meidän väliseksi", "niin jää, kiitos"]
    for peer in (alice, bob):
        dump = await peer.page.evaluate(STORAGE_DUMP)
        assert any(r.startswith("iltapiiri-e2ee/") for r in dump["records"])
        blob = dump["blob"].lower()
        for text in secrets:
            assert text not in dump["blob"] and utf8_hex(text) not in blob
        private = [k for k in dump["keys"] if k["type"] in ("private", "secret")]
        assert private and all(k["extractable"] is False for k in private), private
        assert plaintext_on_the_wire(peer, *secrets) == []
    assert [line for line in console for text in secrets if text in line] == []
    await alice.context.close()
    await bob.context.close()


async def test_bursts_both_ways_arrive_complete_and_in_order(live_server, open_peer: OpenPeer) -> None:
    """Concurrent sends from the page queue on the engine's lock: one chain, no reused index."""
    py = await PeerClient.connect(live_server.url, pseudonym="Python Ryoppy")
    try:
        group = await py.join_group("open")
        browser = await ready_in_open_group(open_peer, live_server.url, "Selainryoppy")
        texts = [f"selain {i:02d}" for i in range(15)]
        seqs = await browser.page.evaluate("""async (texts) => {
          const m = window.iltapiiri.messaging;
          const room = [...window.iltapiiri.rooms.byRoom.keys()][0];
          return Promise.all(texts.map((t) => m.sendGroupText(room, t).then((r) => r.seq)));
        }""", texts)
        assert seqs == sorted(seqs) and len(set(seqs)) == len(texts)
        got = [await group.next_message(timeout=15) for _ in texts]
        assert [m.text for m in got] == texts
        assert [group_ref(m)[2] for m in got] == list(range(len(texts)))  # iterations 0..14, none reused

        mine = [f"python {i:02d}" for i in range(15)]
        for text in mine:
            await group.send(text)
        await browser.page.wait_for_function("""(n) => {
          const room = [...window.iltapiiri.rooms.byRoom.values()][0];
          return room.messages.filter((m) => m.text && m.text.startsWith('python ')).length === n;
        }""", arg=len(mine), timeout=TIMEOUT_MS)
        shown = await browser.page.evaluate("""() => [...window.iltapiiri.rooms.byRoom.values()][0]
          .messages.filter((m) => m.text && m.text.startsWith('python ')).map((m) => m.text)""")
        assert shown == mine
        assert py.undecryptable == 0
        await browser.context.close()
    finally:
        await py.close()
