"""The shipped page exposes nothing: after sign-in and a join (keys exist), page script finds no
global of the app, so neither the session nor the engine with its chain keys is reachable."""

from __future__ import annotations

from typing import Any

from tests.web_client.conftest import OpenPeer

# Own properties of this window that a fresh same-origin window does not have, and for each
# whether anything under it (two levels deep) is an object of the app (engine, session, keys).
EXTRA_GLOBALS = """() => {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const blank = new Set(Object.getOwnPropertyNames(frame.contentWindow));
  frame.remove();
  const suspicious = (v) => v && typeof v === 'object'
    && ['Engine', 'Session', 'GroupKeys', 'CryptoKey', 'Uint8Array'].includes(v.constructor && v.constructor.name);
  const out = {};
  for (const name of Object.getOwnPropertyNames(window)) {
    if (blank.has(name)) continue;
    let found = false;
    try {
      const v = window[name];
      found = suspicious(v) || (v && typeof v === 'object' && Object.values(v).some((x) => suspicious(x)
        || (x && typeof x === 'object' && Object.values(x).some(suspicious))));
    } catch (err) { found = true; }
    out[name] = found;
  }
  return out;
}"""

# Left by the test harness itself (conftest WATCH_SCRIPT), not by the page.
HARNESS = {"__csp"}


async def _signed_in_and_joined(live_server: Any, open_peer: OpenPeer, diagnostics: bool) -> Any:
    peer = await open_peer(live_server.url, diagnostics=diagnostics)
    await peer.sign_in(None)
    await peer.join_open_group()
    # The engine has made and shared a sender key once the composer is enabled.
    await peer.page.wait_for_selector("section.chat textarea:not([disabled])")
    return peer


async def test_shipped_page_defines_no_global(live_server, open_peer: OpenPeer) -> None:
    peer = await _signed_in_and_joined(live_server, open_peer, diagnostics=False)
    extra = await peer.page.evaluate(EXTRA_GLOBALS)
    assert set(extra) - HARNESS == set(), extra
    assert await peer.page.evaluate("typeof window.iltapiiri") == "undefined"
    await peer.context.close()


async def test_the_check_finds_an_exposed_engine(live_server, open_peer: OpenPeer) -> None:
    """The check can fail: with the tests' diagnostics hook the app context is a global, and it is
    reported as one that leads to the engine."""
    peer = await _signed_in_and_joined(live_server, open_peer, diagnostics=True)
    extra = await peer.page.evaluate(EXTRA_GLOBALS)
    assert extra.get("iltapiiri") is True
    await peer.context.close()
