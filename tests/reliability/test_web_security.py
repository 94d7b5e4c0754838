"""Web security of the served client: headers on every page and asset (directly and through the
shipped nginx settings), no cookie anywhere, the socket's Origin check on a real process, and a
Chromium test that tries HTML and script injection through a pseudonym, a group's name and topic
(configuration) and chat messages: nothing executes, nothing becomes markup, all shows as text.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import aiohttp

from client import PeerClient
from tests.deploy.conftest import Nginx
from tests.deploy.test_nginx import socket_opens
from tests.fixtures.server import ServerProcess
from tests.reliability.conftest import write_config
from tests.reliability.wire import RawPeer
from tests.web_client.conftest import OpenPeer

WEB_CLIENT = Path(__file__).resolve().parents[2] / "web_client"
ENDPOINTS = ("/", "/healthz", "/metrics", "/api/groups", "/api/server-key",
             "/api/detector.json", "/api/crisis-resources.json", "/no/such/page",
             "/js/../../pyproject.toml", "/%2e%2e/pyproject.toml")
REQUIRED = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Every source a CSP directive may name: the page's own origin, nothing, or inline data images.
ALLOWED_SOURCES = {"'self'", "'none'", "data:"}
EXTERNAL_REF = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.I)

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3"></svg>',
    '<a href="javascript:window.__pwned=4">linkki</a>',
    "<iframe srcdoc='<script>parent.__pwned=5</script>'></iframe>",
)
EVIL_NAME = '<img src=x onerror="window.__pwned=6">Ilta'
EVIL_TOPIC = "<b onmouseover=\"window.__pwned=7\">aihe</b><style>body{display:none}</style>"
MARKUP_FROM_PAYLOADS = ("img[src='x']", "svg[onload]", "a[href^='javascript']", "iframe",
                        "[onerror]", "[onmouseover]", "[onload]", "style", "script")


def served_paths() -> list[str]:
    """Every file of web_client/ as the server serves it."""
    return sorted("/" + p.relative_to(WEB_CLIENT).as_posix()
                  for p in WEB_CLIENT.rglob("*") if p.is_file())


def csp_problems(csp: str) -> list[str]:
    problems = []
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    if directives.get("default-src") != ["'none'"]:
        problems.append("default-src is not 'none'")
    for name, sources in directives.items():
        for source in sources:
            if source not in ALLOWED_SOURCES:
                problems.append(f"{name} allows {source}")
    return problems


async def check_headers(base: str, paths: list[str]) -> dict[str, list[str]]:
    """Problems found, by path (an empty dict when every response is right)."""
    found: dict[str, list[str]] = {}
    async with aiohttp.ClientSession() as http:
        for path in paths:
            for method in ("GET", "HEAD"):
                async with http.request(method, base + path, allow_redirects=False) as resp:
                    body = await resp.read()
                    h = resp.headers
                    problems = [f"{k}: {h.get(k)!r}" for k, v in REQUIRED.items() if h.get(k) != v]
                    problems += csp_problems(h.get("Content-Security-Policy", ""))
                    if "camera=()" not in h.get("Permissions-Policy", ""):
                        problems.append("no Permissions-Policy")
                    if "Set-Cookie" in h:
                        problems.append("sets a cookie")
                    ctype = h.get("Content-Type", "")
                    if resp.status == 200 and path.endswith(".js") and "javascript" not in ctype:
                        problems.append(f"type {ctype}")
                    if resp.status == 200 and method == "GET" and "html" in ctype and \
                            EXTERNAL_REF.search(body.decode("utf-8", "replace")):
                        problems.append("refers to another origin")
                    if "pyproject" in path and resp.status != 404:
                        problems.append(f"path traversal answered {resp.status}")
                    if problems:
                        found[f"{method} {path} {resp.status}"] = problems
    return found


def test_the_csp_check_can_fail() -> None:
    assert csp_problems("default-src 'none'; frame-ancestors 'none'") == []
    assert csp_problems("default-src 'none'; script-src 'self' https://cdn.example; "
                        "frame-ancestors 'none'") == ["script-src allows https://cdn.example"]
    assert csp_problems("default-src 'self'; style-src 'unsafe-inline'") == [
        "frame-ancestors is not 'none'", "default-src is not 'none'",
        "style-src allows 'unsafe-inline'"]


async def test_every_page_and_asset_carries_the_security_headers(
        server_process: Callable[..., ServerProcess], redis_url: str,
        nginx: Callable[[list[int]], Nginx]) -> None:
    server = server_process(redis_url=redis_url)
    proxy = nginx([server.port])
    paths = [*served_paths(), *ENDPOINTS]
    assert len(paths) > 40, "the walk did not find the web client"
    assert await check_headers(server.url, paths) == {}
    assert await check_headers(proxy.url, paths) == {}
    # The socket handshake sets no cookie either (python-socketio's `io` cookie is off).
    async with aiohttp.ClientSession() as http, http.ws_connect(
            f"{server.url}/socket.io/?EIO=4&transport=websocket") as ws:
        assert "Set-Cookie" not in ws._response.headers
        await ws.close()


async def test_the_socket_opens_only_for_this_sites_pages(
        server_process: Callable[..., ServerProcess]) -> None:
    server = server_process()
    assert await socket_opens(server.url, server.url)
    other_port = server.url.rsplit(":", 1)[0] + ":1"
    for origin in ("http://evil.example", "null", other_port, "http://127.0.0.1",
                   server.url + ".evil.example", "http://localhost.evil.example"):
        assert not await socket_opens(server.url, origin), origin


async def test_injected_markup_is_shown_as_text_and_never_runs(
        server_process: Callable[..., ServerProcess], open_peer: OpenPeer,
        tmp_path: Path) -> None:
    groups = (f"[[group]]\nid = \"open\"\nname = '{EVIL_NAME}'\ntopic = '{EVIL_TOPIC}'\n"
              "language = \"en\"\nalways_open = true\nmoderator_required = false\n")
    server = server_process(config=write_config(tmp_path / "cfg", groups))
    # A pseudonym with markup is refused by the server and by the page, whoever sends it.
    raw = RawPeer(server.url)
    await raw.connect()
    try:
        for payload in PAYLOADS[:2]:
            try:
                await raw.login(payload)
            except AssertionError as refused:
                assert "pseudonym_invalid" in str(refused)
            else:
                raise AssertionError("a pseudonym with markup was accepted")
    finally:
        await raw.close()

    viewer = await open_peer(server.url)
    page = viewer.page
    await page.wait_for_selector("section.welcome")
    await page.fill("input[name=pseudonym]", PAYLOADS[0])
    await page.click("section.welcome button[type=submit]")
    await asyncio.sleep(1.0)
    assert await page.locator("section.groups li.group").count() == 0, "signed in with markup"
    await page.fill("input[name=pseudonym]", "Katsoja")
    await page.click("section.welcome button[type=submit]")
    await page.wait_for_selector("section.groups li.group")
    assert EVIL_NAME in await page.locator("section.groups").inner_text()
    await viewer.join_open_group()

    writer = await PeerClient.connect(server.url, pseudonym="Kirjoittaja")
    try:
        group = await writer.join_group("open")
        for payload in PAYLOADS:
            await group.send(payload)
        for payload in PAYLOADS:
            await page.locator("li.msg.theirs").filter(has_text=payload).first.wait_for(
                timeout=20000)
        await page.mouse.move(10, 10)
        chat_text = await page.locator("section.chat").inner_text()
        assert all(p in chat_text for p in PAYLOADS)
        assert await page.evaluate("window.__pwned") is None
        for selector in MARKUP_FROM_PAYLOADS:
            assert await page.locator(f"main {selector}").count() == 0, selector
        assert await page.locator("body").is_visible()
        assert [v for v in await viewer.csp_violations() if "inline" in str(v)] == []
        assert viewer.page_errors == []
        # The search finds markup when there is some (so the zero counts above mean something).
        await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend',"
                            " '<img src=x onerror=\"window.__pwned=9\">')")
        assert await page.locator("main img[src='x']").count() == 1
    finally:
        await writer.close()
        await viewer.context.close()
