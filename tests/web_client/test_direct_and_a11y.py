"""The 1:1 and safety-number views as laid out before the e2ee port, and accessibility checks
(names for every control, WCAG AA contrast of the rendered text)."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer
from tests.web_client.test_chat import sent_events

# For every visible text node's element: its colour against the first opaque background behind
# it, by the WCAG 2.x relative-luminance formula.
CONTRAST = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a >= 0.99) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; const el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.checkVisibility || !el.checkVisibility()) continue;
    if (el.closest('.visually-hidden') || el.closest('[disabled]')) continue;
    const fg = parse(getComputedStyle(el).color); const bg = bgOf(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) low.push({ text: node.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100 });
  }
  return low;
}"""

UNNAMED = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
  .filter((el) => el.checkVisibility())
  .filter((el) => {
    const label = el.getAttribute('aria-label') || el.textContent.trim()
      || (el.labels && [...el.labels].map((l) => l.textContent).join('').trim());
    return !label;
  }).map((el) => el.outerHTML.slice(0, 80))"""


async def test_one_to_one_ask_accept_chat_block_and_safety_number(live_server, open_peer: OpenPeer) -> None:
    alice = await open_peer(live_server.url)
    bob = await open_peer(live_server.url)
    await alice.sign_in("Aallokko")
    await bob.sign_in("Kallio")
    await alice.join_open_group()
    await bob.join_open_group()
    for peer in (alice, bob):
        await peer.page.wait_for_function("window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    page = alice.page
    await page.wait_for_selector("li.msg.system >> text=Kallio joined")
    await page.click(".members-box summary")
    await page.click("button[aria-label='Talk privately with Kallio']")
    await page.wait_for_selector("section.direct h1 >> text=Private chat with Kallio")
    await page.click("section.direct button.primary")  # ask Kallio
    await page.wait_for_selector("text=Asked. Waiting for Kallio to answer.")

    # Bob is told privately (a mark on "Private chats"), opens the request and accepts.
    await bob.page.wait_for_selector(".navlink[data-view=direct][data-news]", timeout=15000)
    await bob.page.click(".navlink[data-view=direct]")
    await bob.page.click("section.direct .convo-list button:has-text('Aallokko')")
    await bob.page.click("section.direct button:has-text('Yes, let')")
    await bob.page.wait_for_selector("section.direct form.composer")
    await page.wait_for_selector("section.direct form.composer", timeout=15000)

    await page.fill("section.direct textarea[name=message]", "kiitos että vastasit")
    await page.press("section.direct textarea[name=message]", "Enter")
    await bob.page.wait_for_selector("section.direct li.msg.theirs >> text=kiitos että vastasit", timeout=15000)
    assert "direct.send" in sent_events(alice)
    assert all("vastasit" not in f for f in alice.frames_sent)
    await alice.screenshot("15-direct")
    await bob.screenshot("15-direct-bob")

    # Blocking is for yourself: stored on this device, the peer is not told.
    frames = len(alice.frames_sent)
    await page.click("section.direct .tools-box summary")  # mute, block, safety number
    await page.click("section.direct .tools button:has-text('Block')")
    await page.wait_for_selector("text=You have blocked Kallio.")
    assert await page.evaluate("JSON.parse(localStorage.getItem('iltapiiri.blocked'))") == ["Kallio"]
    assert alice.frames_sent[frames:] == [] or all("Kallio" not in f for f in alice.frames_sent[frames:])
    await page.click("section.direct .tools button:has-text('Unblock')")

    # Both sides see the same 60-digit safety number.
    await page.click("section.direct .tools button:has-text('Compare safety numbers')")
    await bob.page.click("section.direct .tools-box summary")
    await bob.page.click("section.direct .tools button:has-text('Compare safety numbers')")
    digits = []
    for peer in (alice, bob):
        await peer.page.wait_for_selector("section.safety .digits[role=group]")
        digits.append(await peer.page.inner_text("section.safety .digits"))
    assert digits[0].split() == digits[1].split() and len("".join(digits[0].split())) == 60
    await alice.screenshot("16-safety")
    await alice.context.close()
    await bob.context.close()


async def test_controls_are_named_and_text_has_aa_contrast(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, width=360, height=740)
    page = peer.page
    await page.wait_for_selector("section.welcome")
    views = []
    views.append(("welcome", await page.evaluate(CONTRAST), await page.evaluate(UNNAMED)))
    await peer.sign_in("Kontrasti")
    views.append(("groups", await page.evaluate(CONTRAST), await page.evaluate(UNNAMED)))
    await peer.join_open_group()
    views.append(("chat", await page.evaluate(CONTRAST), await page.evaluate(UNNAMED)))
    for view in ("days", "identity", "direct"):
        await peer.nav(view)
        views.append((view, await page.evaluate(CONTRAST), await page.evaluate(UNNAMED)))
    await page.click("#help-button")
    await page.wait_for_selector("#help-panel .resources[aria-busy=false]")
    views.append(("help", await page.evaluate(CONTRAST), await page.evaluate(UNNAMED)))
    problems = [(name, low, unnamed) for name, low, unnamed in views if low or unnamed]
    assert problems == []
    # Keyboard: Tab from the top reaches the quick exit and the help button.
    await page.keyboard.press("Escape")
    await page.wait_for_selector("#help-panel", state="detached")
    await page.focus("#skip")  # the first stop on the page
    order = []
    for _ in range(3):
        await page.keyboard.press("Tab")
        order.append(await page.evaluate("document.activeElement.id"))
    # Help, then the quick exit, then the phone's menu button (language and navigation inside).
    assert order == ["help-button", "exit-button", "menu-button"]
    # New messages are spoken by a polite announcer (sender and text only), not by the log.
    assert await page.get_attribute("#live", "aria-live") == "polite"
    if await page.locator("ol.messages").count():
        assert await page.get_attribute(".announcer", "aria-live") == "polite"
    await peer.context.close()
