"""Refused sign-ins: a person choosing a name after `pseudonym_taken` keeps choosing (the relay's
auth deadline does not turn into a silently generated name), and `too_many_connections` is said
kindly and waited out instead of inviting a new name."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.web_client.conftest import OpenPeer


def auth_frames(frames: list[str]) -> list[str]:
    return [f for f in frames if f.startswith("42") and '["auth"' in f]


async def test_a_refused_name_keeps_the_picker_past_the_auth_deadline(
        live_server_factory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(auth_timeout_seconds=0.5)
    first = await open_peer(server.url)
    await first.sign_in("Tuuli")
    second = await open_peer(server.url)
    page = second.page
    await page.wait_for_selector("section.welcome")
    await page.fill("input[name=pseudonym]", "Tuuli")
    await page.click("section.welcome button[type=submit]")
    await page.wait_for_selector("section.welcome .error:not([hidden])")
    assert "already uses that name" in await page.inner_text("section.welcome .error")
    await page.fill("input[name=pseudonym]", "Tuul")  # still typing a new one

    # Several auth deadlines pass while the person thinks.
    await asyncio.sleep(2.5)
    assert await page.evaluate("window.iltapiiri.session.signedIn") is False
    assert await page.locator("section.welcome").count() == 1
    assert await page.input_value("input[name=pseudonym]") == "Tuul"
    sent = auth_frames(second.frames_sent)
    assert len(sent) == 1 and '"pseudonym":"Tuuli"' in sent[0], sent  # no auth without a name

    # The next choice signs in with that name, on a fresh connection.
    await page.fill("input[name=pseudonym]", "Tuuli Toinen")
    await page.click("section.welcome button[type=submit]")
    await page.wait_for_selector("section.groups li.group")
    assert await page.evaluate("window.iltapiiri.session.auth.pseudonym") == "Tuuli Toinen"
    assert second.page_errors == []
    await first.context.close()
    await second.context.close()


async def test_too_many_connections_is_said_kindly_and_waited_out(
        live_server_factory, open_peer: OpenPeer) -> None:
    server = await live_server_factory(max_connections_per_key=1)
    first = await open_peer(server.url, locale="fi-FI")
    await first.sign_in("Monta Ikkunaa")
    # A second tab of the same browser (same identity on the device) that cannot hear the first
    # (no BroadcastChannel, so no "open in another tab": tests/web_client/test_second_tab.py):
    # the relay's connection limit is what it meets.
    tab = await first.context.new_page()
    await tab.add_init_script("delete window.BroadcastChannel;")
    await tab.goto(server.url + "/")
    status = tab.locator("main p[role=status]")
    await status.wait_for()
    await tab.wait_for_function(
        "() => document.querySelector('main p[role=status]').textContent.includes('välilehdessä')")
    assert await tab.locator("section.welcome").count() == 0  # not invited to pick a new name
    # Close the first tab: the second signs in by itself, with the same name.
    await first.page.close()
    await tab.wait_for_selector("section.groups li.group", timeout=15000)
    assert await tab.evaluate("window.iltapiiri.session.auth.pseudonym") == "Monta Ikkunaa"
    await first.context.close()


async def test_too_many_connections_has_text_in_every_language(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/away.html")
    texts = await peer.page.evaluate("""async () => {
      const out = {};
      for (const lang of ['fi', 'sv', 'en']) {
        out[lang] = (await import(`/js/i18n/${lang}.js`)).default['error.too_many_connections'];
      }
      return out;
    }""")
    assert all(texts.values()) and len(set(texts.values())) == 3, texts
    await peer.context.close()


async def test_sign_in_refusals_of_issue_8_are_said_in_every_language(live_server,
                                                                       open_peer: OpenPeer) -> None:
    """The codes the sign-in gained (no free generated name, a wrong proof of work) are shown as
    their own text in fi/sv/en, not as the generic error."""
    peer = await open_peer(live_server.url, path="/away.html")
    texts = await peer.page.evaluate("""async () => {
      const out = {};
      for (const lang of ['fi', 'sv', 'en']) {
        const d = (await import(`/js/i18n/${lang}.js`)).default;
        out[lang] = [d['error.pseudonym_unavailable'], d['error.bad_proof_of_work'],
                     d['error.generic']];
      }
      return out;
    }""")
    for lang, (unavailable, pow_failed, generic) in texts.items():
        assert unavailable and pow_failed and generic not in (unavailable, pow_failed), lang
    welcome = (Path(__file__).parents[2] / "web_client/js/views/welcome.js").read_text("utf-8")
    known = welcome.split("KNOWN_ERRORS = [", 1)[1].split("]", 1)[0]
    assert "'pseudonym_unavailable'" in known and "'bad_proof_of_work'" in known
    await peer.context.close()
