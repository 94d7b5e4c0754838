"""The device lock (issue 12): a PIN or passphrase set by the person, asked after a quick exit
and after N minutes away. Until it is given the page shows no pseudonym, day counter or message
(DOM and title) and does not sign in; a wrong PIN is refused, with a growing wait after a few;
the PIN is never stored (a PBKDF2 verifier is); "forget this device" is the way out."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_interop import TIMEOUT_MS, wait_ready

PIN = "2468"
SECRET_WORDS = ("Aliisa", "yksityinen iltaviesti", "42 days", "42")
EVERYTHING = """() => ({ title: document.title, html: document.documentElement.outerHTML,
  text: document.body.innerText })"""


async def unlock(peer: Peer, secret: str) -> None:
    await peer.page.fill("section.lock input[name=lock-secret]", secret)
    await peer.page.click("section.lock button[type=submit]")


async def nothing_personal(peer: Peer) -> None:
    page = peer.page
    await page.wait_for_selector("section.lock")
    seen = await page.evaluate(EVERYTHING)
    for word in SECRET_WORDS[:3]:
        assert word not in seen["html"] and word not in seen["title"], (word, seen["title"])
    assert "42" not in seen["text"], seen["text"]


async def test_quick_exit_then_the_lock_hides_everything_until_the_right_pin(
        live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, width=360, height=740)
    page = peer.page
    await peer.sign_in("Aliisa")
    await wait_ready(peer)
    await peer.nav("days")
    start = await page.evaluate("""() => { const d = new Date(); d.setDate(d.getDate() - 42);
        const p = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }""")
    await page.fill("input[name=start]", start)
    await page.click("section.days button[type=submit]")
    await page.wait_for_selector("[data-testid=day-count] >> text=42")

    # Set the lock in settings: PIN twice, 5 minutes.
    await peer.nav("settings")
    await page.select_option("#lock-minutes", "5")
    await page.fill("input[name=new-lock-secret]", PIN)
    await page.fill("input[name=new-lock-again]", PIN)
    await page.click("section.settings button:has-text('Turn the lock on')")
    await page.wait_for_selector("section.settings >> text=Saved. The lock is asked")
    stored = await page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert PIN not in stored
    lock = await page.evaluate("() => JSON.parse(localStorage.getItem('iltapiiri.lock'))")
    assert lock["kdf"] == "PBKDF2-SHA256" and lock["iterations"] >= 100000 and lock["minutes"] == 5

    await peer.nav("groups")
    await peer.join_open_group()
    await page.fill("textarea[name=message]", "yksityinen iltaviesti")
    await page.press("textarea[name=message]", "Enter")
    await page.wait_for_selector("li.msg.mine .delivery[data-state=delivered]", timeout=TIMEOUT_MS)
    await page.wait_for_timeout(400)  # tonight's messages are sealed after 250 ms

    # Quick exit, then the site opened again: the lock, and nothing of the person.
    await page.click("#exit-button")
    await page.wait_for_url("**/away.html")
    frames = len(peer.frames_sent)
    await page.goto(live_server.url + "/")
    await nothing_personal(peer)
    await page.wait_for_timeout(300)
    assert not any('"auth"' in f for f in peer.frames_sent[frames:]), "signed in behind the lock"
    # Help and the quick exit stay reachable behind the lock.
    assert await page.is_visible("#help-button") and await page.is_visible("#exit-button")

    # Wrong PINs are refused; after the free tries a wait grows and even the right PIN waits.
    for n in (1, 2):
        await unlock(peer, "1111")
        await page.wait_for_selector("section.lock [role=alert] >> text=That is not it.")
        # The same words twice: wait for the try itself to be counted, not for the last alert.
        await page.wait_for_function(
            "(n) => (JSON.parse(localStorage.getItem('iltapiiri.lock.state') || '{}').fails || 0) >= n"
            " && !document.querySelector('section.lock button[type=submit]').disabled", arg=n)
    await unlock(peer, "1357")
    await page.wait_for_selector("section.lock [role=alert] >> text=Try again in 2 seconds.")
    await nothing_personal(peer)
    assert await page.is_disabled("section.lock button[type=submit]")
    # A reload does not reset the wait.
    await page.reload()
    await page.wait_for_selector("section.lock [role=alert] >> text=Try again in")
    await page.evaluate("""async () => { const l = await import('/js/lock.js');
      const r = await l.tryUnlock('2468'); window.__early = r; }""")
    early = await page.evaluate("() => window.__early")
    assert early["ok"] is False and early["early"] is True, early
    await page.wait_for_function("() => !document.querySelector('section.lock button[type=submit]').disabled",
                                 timeout=5000)

    # The right PIN: the chat as it was (name, tonight's message, day counter).
    await unlock(peer, PIN)
    await page.wait_for_selector("section.groups >> text=Hi Aliisa", timeout=TIMEOUT_MS)
    await page.click("li.group[aria-labelledby='group-open'] button.primary")
    await page.wait_for_selector("li.msg.mine >> text=yksityinen iltaviesti", timeout=TIMEOUT_MS)
    await peer.nav("days")
    assert await page.inner_text("[data-testid=day-count]") == "42"

    # Time away: longer than the chosen minutes, and the page goes back behind the lock.
    await page.evaluate("""() => { const k = 'iltapiiri.lock.state'; const s = JSON.parse(localStorage.getItem(k));
      s.seen = Date.now() - 6 * 60000; localStorage.setItem(k, JSON.stringify(s));
      document.dispatchEvent(new Event('visibilitychange')); }""")
    await nothing_personal(peer)
    await unlock(peer, PIN)
    await page.wait_for_selector("section.groups", timeout=TIMEOUT_MS)
    await peer.context.close()


async def test_a_forgotten_pin_forget_this_device_starts_fresh(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    page = peer.page
    await peer.sign_in("Unohtaja")
    await page.evaluate("async () => (await import('/js/lock.js')).setLock('muistanko tämän', 15)")
    await page.reload()
    await page.wait_for_selector("section.groups")  # set, but not locked yet: no time away
    await page.click("#exit-button")
    await page.wait_for_url("**/away.html")
    await page.goto(live_server.url + "/")
    await page.wait_for_selector("section.lock")
    await page.click("section.lock summary")
    await page.click("section.lock button:has-text('Remove from this device')")
    await page.click("section.lock button.danger")
    await page.wait_for_selector("section.welcome", timeout=TIMEOUT_MS)
    assert await page.evaluate("() => localStorage.getItem('iltapiiri.lock')") is None
