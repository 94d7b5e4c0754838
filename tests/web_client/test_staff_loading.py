"""Staff code (web_client/js/staff/) is loaded only for staff roles: a peer who signs in, joins a
group and opens a private chat never requests anything under /js/staff/."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer


async def test_a_peer_downloads_no_staff_code(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url)
    await peer.sign_in("Vertainen")
    await peer.join_open_group()
    await peer.page.click("button.navlink[data-view=direct]")
    await peer.page.wait_for_selector("section.direct")
    assert await peer.page.evaluate("window.iltapiiri.session.auth.role") == "peer"
    loaded = [u for u in peer.requests if u.startswith(live_server.url + "/js/")]
    assert any(u.endswith("/js/e2ee/engine.js") for u in loaded)  # the module graph was seen
    assert [u for u in loaded if "/js/staff/" in u] == []
    assert peer.unexpected_console_errors() == []
    await peer.context.close()


async def test_the_staff_entry_loads_when_imported(live_server, open_peer: OpenPeer) -> None:
    """The check above can fail: importing the staff entry is seen as a /js/staff/ request."""
    peer = await open_peer(live_server.url)
    await peer.sign_in("Vertainen Kaksi")
    await peer.page.evaluate("""async () => (await import('/js/staff/index.js')).mountStaff(window.iltapiiri)""")
    staff = [u for u in peer.requests if "/js/staff/" in u]
    # The entry first, then the console's own modules (it has some now).
    assert staff[0] == live_server.url + "/js/staff/index.js" and len(staff) > 1, staff
    await peer.context.close()
