"""`cases.resync` in the browser: the counsellor console shows the queue as it is after its
server process missed case pushes while it was not subscribed on Redis, and the person's case
view (`inbox.resync`) shows who took their case, both on the same socket.

The scene of tests/client/test_cases_resync.py: process A in this process (it creates the staff
accounts), B `python -m server`, one Redis. Kaisa's console and Aamu's page are on B; Aamu asks
for a counsellor and the console lists the case. While no process can hold a fan-out
subscription Bengt (a counsellor on A) claims Aamu's case and Ilta (on A) asks at level 3: the
`case.taken`, `case.queue`, `case.offer` and `case.counsellor` pushes reach nobody on B live.
The console's 45 s safety refresh is stopped, so only the resync can mend it: once B is
subscribed again the console lists Ilta's level-3 case alone, and Aamu's page names Bengt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from server.app import STAFF
from tests.client.test_cases_resync import queue_moves_while_b_is_not_subscribed, staff_deployment
from tests.fixtures.server import LiveServerFactory, ServerProcess
from tests.server.staff_http_client import GOOD_PASSWORD
from tests.server.test_redis_rooms import fanout_counters
from tests.web_client.conftest import OpenPeer, Peer
from tests.web_client.test_counsellor_console import LOGIN, open_request_view

COUNSELLOR = "Kaisa Kuraattori"
SOCKET_ID = "() => window.iltapiiri.session.socket.sid"
SOON_MS = 10000
ONE_CASE_AT = """(level) => { const items = [...document.querySelectorAll('.queue-list li')];
  return items.length === 1 && (level === null || items[0].textContent.includes(`Level ${level}`)); }"""


async def console_on(open_peer: OpenPeer, url: str, username: str) -> Peer:
    """The counsellor console signed in (password, TOTP enrolment at the real time: process B
    runs on the system clock), available with two places."""
    staff = await open_peer(url, path="/staff.html", width=1280)
    page: Any = staff.page
    first = await page.evaluate(LOGIN, [username, GOOD_PASSWORD, None])
    assert first["status"] == 403 and first["body"]["error"] == "totp_enrol", first
    secret = parse_qs(urlparse(first["body"]["totp_uri"]).query)["secret"][0]
    done = await page.evaluate(LOGIN, [username, GOOD_PASSWORD, pyotp.TOTP(secret).now()])
    assert done["status"] == 200, done
    await page.goto(url + "/staff.html")
    await page.wait_for_selector("main[data-view=counsel] section.counsel-duty")
    await page.fill("#counsel-capacity", "2")
    await page.click("#counsel-toggle")
    await page.wait_for_selector("p.duty-state.on")
    return staff


async def test_the_console_and_the_case_view_read_again_after_their_process_subscribed_again(
        server_process: Callable[..., ServerProcess], live_server_factory: LiveServerFactory,
        redis_url: str, open_peer: OpenPeer, tmp_path: Path) -> None:
    server_a, proc_b, bengt, ilta = await staff_deployment(server_process, live_server_factory,
                                                           redis_url, tmp_path)
    await server_a.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    kaisa = await console_on(open_peer, proc_b.url, COUNSELLOR)
    console: Any = kaisa.page
    # The safety net would mend the list too, within 45 s: stopped, so only a push can.
    await console.evaluate("() => clearInterval(window.iltapiiri.counsellor.safety)")
    aamu = await open_peer(proc_b.url, width=360, height=740)
    person: Any = aamu.page
    try:
        await aamu.sign_in("Aamu")
        await open_request_view(aamu)
        await person.click("#case-ask")
        await person.locator("p.case-position").wait_for()
        await console.wait_for_function(ONE_CASE_AT, arg=None, timeout=SOON_MS)
        waiting = (await bengt.call("case.list", {}))["queue"]
        assert len(waiting) == 1 and waiting[0]["level"] < 3, waiting
        sids = [await page.evaluate(SOCKET_ID) for page in (console, person)]
        assert all(sids)

        await queue_moves_while_b_is_not_subscribed(redis_url, bengt, ilta,
                                                    waiting[0]["case_id"])

        await console.wait_for_function(ONE_CASE_AT, arg=3, timeout=SOON_MS)
        await person.wait_for_selector("p.case-here >> text=Bengt", timeout=SOON_MS)
        assert [await page.evaluate(SOCKET_ID) for page in (console, person)] == sids
        assert fanout_counters(proc_b)["cases_resyncs"] >= 1
        for peer in (kaisa, aamu):  # (the sign-in's own 401 and 403 answers aside)
            errors = [e for e in peer.unexpected_console_errors() if "/api/staff/" not in e[1]]
            assert errors == [] and not peer.page_errors, (errors, peer.page_errors)
        for peer in (kaisa, aamu):
            await peer.context.close()
    finally:
        for sock in (bengt, ilta):
            await sock.close()
    await proc_b.astop()
