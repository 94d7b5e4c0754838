"""In real Chromium over a real relay: the counsellor's queue is the queue as it is now (issue 11,
found by esc7). With capacity 2, two offers hold both places, yet the console shows all three
people waiting, and a fourth at level 4 appears at the top, marked new, within a few seconds and
without any manual refresh; the growing count is announced politely. No axe violations, the CSP
holds. The people waiting are socket clients (tests/server/harness.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp

from server.app import STAFF
from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import EVENING, ask
from tests.server.harness import Peer as SocketPeer
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD
from tests.web_client.axe import axe_source, axe_violations
from tests.web_client.conftest import OpenPeer
from tests.web_client.test_counsellor_console import LOGIN
from tests.web_client.test_counsellor_transfer import sign_in

COUNSELLOR = "Kaisa Kuraattori"
SOON_MS = 5000


async def test_the_console_at_capacity_shows_every_person_waiting_and_a_new_level_4_at_once(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create(COUNSELLOR, "counsellor", GOOD_PASSWORD)
    staff = await sign_in(open_peer, server.url, COUNSELLOR)  # available, capacity 2
    console: Any = staff.page
    people = [await SocketPeer.connect(server.url, n) for n in ("Aamu", "Ilta", "Yokko", "Tuuli")]
    for person, level in zip(people[:3], (2, 3, 2), strict=True):
        await ask(person, level=level)
    items = console.locator(".queue-list li")
    await console.wait_for_function(
        "() => document.querySelectorAll('.queue-list li').length === 3", timeout=SOON_MS)
    assert "Waiting (3)" in (await console.locator("#counsel-queue-title").text_content() or "")
    assert await console.locator(".queue-list li.fresh-urgent").count() == 0

    await ask(people[3], level=4, reason="overdose")
    await console.wait_for_function(
        "() => document.querySelectorAll('.queue-list li').length === 4", timeout=SOON_MS)
    first = items.first
    assert "Level 4" in (await first.text_content() or "")
    assert await first.evaluate("(li) => li.classList.contains('fresh-urgent')")
    assert await first.locator(".new-case").text_content() == "New, level 4"
    assert await console.locator(".queue-list li.fresh-urgent").count() == 1
    await console.wait_for_function(
        "() => document.getElementById('live').textContent === '4 waiting now, a new case at level 4.'",
        timeout=SOON_MS)
    assert "Waiting (4)" in (await console.locator("#counsel-queue-title").text_content() or "")
    violations = await axe_violations(console, axe_source())
    assert violations == [], violations
    await staff.screenshot("counsellor-queue-live")

    # The fourth person claimed from the list: it goes, and the other three stay.
    await first.locator("button.claim").click()
    await console.locator("section.counsel-session").wait_for()
    await console.wait_for_function(
        "() => document.querySelectorAll('.queue-list li').length === 3", timeout=SOON_MS)

    # A dropped connection: the relay sets the counsellor away, and the new connection is in no
    # room. Back online, the console is available again and hears the next person at once.
    await console.evaluate("() => { window.__oldws = window.iltapiiri.session.socket.ws; window.__oldws.close(); }")
    await console.wait_for_function("""() => { const s = window.iltapiiri.session;
      return s.socket.ws !== window.__oldws && s.socket.state === 'connected' && s.auth; }""",
                                    timeout=15000)
    late = await SocketPeer.connect(server.url, "Myohainen")
    people.append(late)
    code = (await ask(late, level=3))["case_code"]
    await console.wait_for_function(
        "() => document.querySelectorAll('.queue-list li').length === 4", timeout=SOON_MS)
    status = await late.call("case.resume", {"case_code": code})
    assert status["fallback"] is None, status  # a counsellor is available: the server knows it
    assert not await staff.csp_violations(), await staff.csp_violations()
    assert not staff.page_errors, staff.page_errors
    for person in people:
        await person.close()
    await staff.context.close()


DESK_COALESCES = """async () => {
  const { CounsellorDesk } = await import('/js/staff/counsellor/desk.js');
  const handlers = {};
  const pending = [];
  const calls = [];
  let queue = [];
  let version = 'v0';
  const session = {
    on: (type, fn) => { handlers[type] = fn; return () => {}; },
    request: (event) => {
      calls.push(event);
      if (event !== 'case.list') return Promise.resolve({});
      return new Promise((resolve) => pending.push(() => resolve({ queue, queue_version: version, mine: [] })));
    },
  };
  const directs = { on: () => () => {} };
  const desk = new CounsellorDesk({ session, directs });
  const grew = [];
  desk.on('grew', (d) => grew.push(d));
  const lists = () => calls.filter((c) => c === 'case.list').length;
  const settle = () => new Promise((r) => setTimeout(r, 20));
  const answer = async () => { pending.shift()(); await settle(); };
  const out = {};
  queue = [{ case_id: 'a', level: 2 }];
  desk.refresh();
  await answer();
  out.first = lists();
  // Five pushes while a fetch is in flight: one more fetch after it, not five.
  queue = [{ case_id: 'a', level: 2 }, { case_id: 'b', level: 3 }]; version = 'v1';
  handlers['case.queue']({ waiting: 2, top_level: 3, version: 'v1' });
  await settle();
  for (let i = 2; i < 7; i += 1) handlers['case.queue']({ waiting: 2, top_level: 3, version: `v${i}` });
  await settle();
  out.inFlight = lists();
  queue = [{ case_id: 'd', level: 4 }, { case_id: 'a', level: 2 }, { case_id: 'b', level: 3 }]; version = 'v7';
  await answer();
  out.afterFirstAnswer = lists();
  await answer();
  out.afterSecondAnswer = lists();
  out.pendingLeft = pending.length;
  // A push of the version held changes nothing; a new one fetches.
  handlers['case.queue']({ waiting: 3, top_level: 4, version: 'v7' });
  await settle();
  out.sameVersion = lists();
  out.grewBeforeSwap = grew.length;
  // Someone taken and a level-4 arrival at once: the count stays, the arrival is still said.
  queue = [{ case_id: 'e', level: 4 }, { case_id: 'a', level: 2 }, { case_id: 'b', level: 3 }]; version = 'v8';
  handlers['case.queue']({ waiting: 3, top_level: 4, version: 'v8' });
  await settle();
  await answer();
  out.grew = grew;
  out.fresh = desk.queue.filter((c) => desk.isFresh(c)).map((c) => c.case_id);
  desk.dispose();
  return out;
}"""


async def test_the_desk_coalesces_queue_pushes_into_one_fetch_at_a_time(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    page = await open_peer(server.url, path="/staff.html", width=1280)
    out = await page.page.evaluate(DESK_COALESCES)
    assert out["first"] == 1
    assert out["inFlight"] == 2  # the first push's fetch; the other five wait for it
    assert out["afterFirstAnswer"] == 3  # then exactly one more
    assert out["afterSecondAnswer"] == 3 and out["pendingLeft"] == 0
    assert out["sameVersion"] == 3
    # The count grew once (1 -> 3, as fetched), with a level-4 arrival; then a level-4 arrival
    # as another case went (3 -> 3). Only the arrival still waiting is marked new.
    assert out["grewBeforeSwap"] == 1
    assert out["grew"] == [{"n": 3, "urgent": True}, {"n": 3, "urgent": True}]
    assert out["fresh"] == ["e"]
    await page.context.close()


async def test_an_admin_watching_queue_health_follows_the_queue(
        live_server_factory: LiveServerFactory, open_peer: OpenPeer) -> None:
    """An admin supervises from the counsellor console without a case list of their own
    (`case.list` is counsellors only): the queue push still refreshes their queue health."""
    server = await live_server_factory(clock=FakeClock(EVENING), staff=FAST_STAFF)
    await server.app[STAFF].create("Ada Admin", "admin", GOOD_PASSWORD)
    admin = await open_peer(server.url, path="/staff.html", width=1280)
    page: Any = admin.page
    first = await page.evaluate(LOGIN, ["Ada Admin", GOOD_PASSWORD, None])
    secret = parse_qs(urlparse(first["body"]["totp_uri"]).query)["secret"][0]
    done = await page.evaluate(LOGIN, ["Ada Admin", GOOD_PASSWORD, pyotp.TOTP(secret).at(EVENING)])
    assert done["status"] == 200 and done["body"]["role"] == "admin", done
    await page.goto(server.url + "/staff.html")
    await page.wait_for_selector("button.navlink[data-view=counsel]", state="attached")
    await admin.nav("counsel")
    waiting = page.locator(".counsel-health dd.h-waiting")
    await waiting.wait_for()
    assert (await waiting.text_content() or "").endswith("4: 0")
    person = await SocketPeer.connect(server.url, "Aamu")
    await ask(person, level=4)
    await page.wait_for_function(
        "() => document.querySelector('.counsel-health dd.h-waiting').textContent.endsWith('4: 1')",
        timeout=SOON_MS)
    assert not admin.page_errors, admin.page_errors
    await person.close()
    await admin.context.close()
