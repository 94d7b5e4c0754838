"""In real Chromium: the staff session cookie is set over the loopback origin, page script cannot
read it, the browser sends it back to this origin, and sign-out ends it."""

from __future__ import annotations

from typing import Any

from server.api.staff_http import COOKIE_NAME
from server.app import STAFF
from tests.fixtures.server import LiveServerFactory
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.conftest import OpenPeer

CALL = """async ([method, path, body]) => {
  const init = {method, headers: {}};
  if (body !== null) { init.headers['Content-Type'] = 'application/json';
                       init.body = JSON.stringify(body); }
  const resp = await fetch(path, init);
  return {status: resp.status, body: await resp.json()};
}"""


async def test_page_script_cannot_read_the_staff_cookie(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(staff=FAST_STAFF)
    await server.app[STAFF].create("Mia Moderoi", "moderator", GOOD_PASSWORD)
    peer = await open_peer(server.url)
    page: Any = peer.page
    login = await page.evaluate(CALL, ["POST", "/api/staff/login",
                                       {"username": "Mia Moderoi", "password": GOOD_PASSWORD}])
    assert login["status"] == 200, login
    assert COOKIE_NAME not in await page.evaluate("document.cookie")
    [cookie] = [c for c in await peer.context.cookies() if c["name"] == COOKIE_NAME]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True, True, "Strict", "/")
    me = await page.evaluate(CALL, ["GET", "/api/staff/session", None])
    assert me == {"status": 200, "body": {"ok": True, "username": "Mia Moderoi",
                                          "role": "moderator", "expires_at": me["body"]["expires_at"]}}
    # Script cannot overwrite it either (a __Host- cookie needs Secure, and HttpOnly wins).
    await page.evaluate(f"document.cookie = '{COOKIE_NAME}=forged; path=/'")
    assert (await page.evaluate(CALL, ["GET", "/api/staff/session", None]))["status"] == 200
    out = await page.evaluate(CALL, ["POST", "/api/staff/logout", {}])
    assert out["status"] == 200
    assert not [c for c in await peer.context.cookies() if c["name"] == COOKIE_NAME]
    after = await page.evaluate(CALL, ["GET", "/api/staff/session", None])
    assert after["status"] == 401 and after["body"]["error"] == "not_authenticated"
    assert not await peer.csp_violations() and not peer.page_errors
    await peer.context.close()
