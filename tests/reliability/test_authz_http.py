"""Authorisation matrix, HTTP half (issue 15): every route of the aiohttp app (read from
`app.router.routes()`, so a new route fails this test until it has a row) × anonymous, a peer,
a moderator, a counsellor and an admin, against a real server on Redis.

Staff hold real sessions as the browser does: an account made as the CLI makes it, signed in
over `POST /api/staff/login` (TOTP enrolled and answered for counsellors and admins, as
tests/server/mod_harness.py does), the `__Host-` cookie sent back on each request, and `Origin`
and `Sec-Fetch-Site: same-origin` on every POST, as a browser sends them. A peer has no staff
session (peers are anonymous on the socket): its best try is a made-up cookie.

Each cell is `<status>` or `<status>:<error code>`. A refused cell (and a cell marked
`NOTHING_CHANGES`) must leave the whole Redis database as it was (less heartbeats, locks and
the audit log, which records refused sign-ins on purpose). The state-changing routes are also
tried cross-site: with a foreign `Origin`, with `Sec-Fetch-Site: cross-site`, as a form
(`text/plain`, what a cross-site form can send without a preflight) and without the cookie.
"""

from __future__ import annotations

import asyncio
import base64
import os
from dataclasses import dataclass
from typing import Any

import aiohttp
import pyotp
import pytest

from server.app import STAFF
from server.clock import FakeClock
from server.handlers.staff_socket import STAFF_COOKIE
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.reliability.helpers import redis_state
from tests.reliability.test_authz_matrix import quiet_state, without_audit
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import STAFF_PASSWORD

ROLES = ("anonymous", "peer", "moderator", "counsellor", "admin")
STAFF_ROLES = ("moderator", "counsellor", "admin")
EVIL = "https://evil.example"
NA = "401:not_authenticated"
OK5 = ("200",) * 5


@dataclass(frozen=True)
class Cell:
    """One request: the route it exercises and what each role gets."""

    method: str
    route: str  # the route's canonical path, as app.router names it
    path: str
    expected: tuple[str, str, str, str, str]
    body: str | None = None  # "own" (the actor's sign-in), "nobody", "bad_invite", "invite"
    headers: str = "browser"  # "browser", "cross_origin", "cross_site", "form", "no_cookie"


# Public reads: the same for everyone (the protocol's "HTTP" section). /metrics is public on
# purpose: counts only, never content, pseudonyms or addresses (docs/protocol.md); an operator
# who wants it private blocks it at the proxy.
PUBLIC = ("/healthz", "/metrics", "/api/groups", "/api/server-key", "/api/detector.json",
          "/api/crisis-resources.json", "/api/moderation-texts.json")
CELLS: dict[str, Cell] = {
    **{f"GET {p}": Cell("GET", p, p, OK5) for p in PUBLIC},
    **{f"HEAD {p}": Cell("HEAD", p, p, OK5) for p in PUBLIC},
    # The web client's files; nothing outside web_client/ (a traversal is a 404).
    "GET /": Cell("GET", "/{path}", "/", OK5),
    "GET /staff.html": Cell("GET", "/{path}", "/staff.html", OK5),
    "GET traversal": Cell("GET", "/{path}", "/%2e%2e/pyproject.toml", ("404",) * 5),
    "HEAD /": Cell("HEAD", "/{path}", "/", OK5),
    # Only a live staff session answers who it is; a made-up cookie is nobody.
    "GET /api/staff/session": Cell("GET", "/api/staff/session", "/api/staff/session",
                                   (NA, NA, "200", "200", "200")),
    "HEAD /api/staff/session": Cell("HEAD", "/api/staff/session", "/api/staff/session",
                                    ("401", "401", "200", "200", "200")),
    "GET /api/staff/console": Cell("GET", "/api/staff/console", "/api/staff/console",
                                   (NA, NA, "200", "200", "200")),
    "HEAD /api/staff/console": Cell("HEAD", "/api/staff/console", "/api/staff/console",
                                    ("401", "401", "200", "200", "200")),
    # Sign-in: an unknown name is login_failed for anyone; one's own account signs in (the
    # anonymous and the peer have none: their try is the unknown name).
    "POST login/nobody": Cell("POST", "/api/staff/login", "/api/staff/login",
                              ("401:login_failed",) * 5, body="nobody"),
    "POST login/own": Cell("POST", "/api/staff/login", "/api/staff/login",
                           ("401:login_failed", "401:login_failed", "200", "200", "200"),
                           body="own"),
    # CSRF: another site's page posting one's own credentials (login CSRF) or a form.
    "POST login/cross_origin": Cell("POST", "/api/staff/login", "/api/staff/login",
                                    ("403:bad_origin",) * 5, body="own",
                                    headers="cross_origin"),
    "POST login/cross_site": Cell("POST", "/api/staff/login", "/api/staff/login",
                                  ("403:bad_origin",) * 5, body="own", headers="cross_site"),
    "POST login/form": Cell("POST", "/api/staff/login", "/api/staff/login",
                            ("400:bad_request",) * 5, body="own", headers="form"),
    # An invitation is a bearer secret, whoever holds it: a made-up code is refused for all,
    # a real one makes the account for whoever redeems it (the cookie plays no part).
    "POST redeem/bad_invite": Cell("POST", "/api/staff/redeem", "/api/staff/redeem",
                                   ("403:invite_invalid",) * 5, body="bad_invite"),
    "POST redeem/cross_origin": Cell("POST", "/api/staff/redeem", "/api/staff/redeem",
                                     ("403:bad_origin",) * 5, body="invite",
                                     headers="cross_origin"),
    "POST redeem/form": Cell("POST", "/api/staff/redeem", "/api/staff/redeem",
                             ("400:bad_request",) * 5, body="invite", headers="form"),
    "POST redeem/invite": Cell("POST", "/api/staff/redeem", "/api/staff/redeem",
                               ("201",) * 5, body="invite"),
    # Sign-out from another site must not end the session (its cookie is SameSite=Strict, and
    # the origin is checked too); without the cookie there is nothing to end.
    "POST logout/cross_origin": Cell("POST", "/api/staff/logout", "/api/staff/logout",
                                     ("403:bad_origin",) * 5, headers="cross_origin"),
    "POST logout/cross_site": Cell("POST", "/api/staff/logout", "/api/staff/logout",
                                   ("403:bad_origin",) * 5, headers="cross_site"),
    # Server fixed (rel7): sign-out read no body, so a form (which needs no preflight) ended
    # the session; now it must be JSON like every POST (docs/protocol.md, "Staff sign-in").
    "POST logout/form": Cell("POST", "/api/staff/logout", "/api/staff/logout",
                             ("400:bad_request",) * 5, headers="form"),
    "POST logout/no_cookie": Cell("POST", "/api/staff/logout", "/api/staff/logout", OK5,
                                  headers="no_cookie"),
    "POST logout": Cell("POST", "/api/staff/logout", "/api/staff/logout", OK5),
    # The socket is websocket-only: no polling transport, no CORS answer to another origin
    # (the upgrade's origin check: tests/server/test_socket_origin.py).
    **{f"{m} /socket.io/": Cell(m, "/socket.io/", "/socket.io/?EIO=4&transport=polling",
                                ("400",) * 5) for m in ("GET", "HEAD", "POST")},
    "OPTIONS /socket.io/": Cell("OPTIONS", "/socket.io/", "/socket.io/?EIO=4&transport=polling",
                                ("400",) * 5, headers="cross_origin"),
}

NOTHING_CHANGES = {"POST logout/no_cookie"}
"""Allowed answers that must still change nothing: a sign-out without the cookie ends no
session (the actor's stays signed in, checked after the cell)."""


class Actors:
    """Each role's cookie: staff sign in over HTTP like the browser; a peer's is made up."""

    def __init__(self, server: LiveServer, http: aiohttp.ClientSession, fake: FakeClock) -> None:
        self.server, self.http, self.fake = server, http, fake
        self.tokens: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.totps: dict[str, pyotp.TOTP] = {}
        self.made = 0

    async def cookie(self, role: str) -> str | None:
        if role == "anonymous":
            return None
        if role == "peer":
            return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        if role not in self.tokens:
            if role not in self.names:
                self.made += 1
                self.names[role] = f"{role[:4]}{self.made:03d}"
                await self.server.app[STAFF].create(self.names[role], role, STAFF_PASSWORD)
            self.tokens[role] = await self.sign_in(role)
        return self.tokens[role]

    def credentials(self, role: str) -> dict[str, str]:
        """The role's own sign-in, with a fresh second-factor code where one is enrolled."""
        body = {"username": self.names[role], "password": STAFF_PASSWORD}
        if role in self.totps:
            self.fake.advance(30)  # a code works once per time step
            body["totp"] = self.totps[role].at(self.fake.now())
        return body

    async def sign_in(self, role: str) -> str:
        """POST /api/staff/login as the browser does; enrols the second factor if asked."""
        status, reply, token = await self.post_login(self.credentials(role))
        if status == 403 and reply["error"] == "totp_enrol":
            self.totps[role] = pyotp.parse_uri(reply["totp_uri"])
            status, reply, token = await self.post_login(self.credentials(role))
        assert status == 200 and token, reply
        return token

    async def post_login(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], str | None]:
        async with self.http.post(f"{self.server.url}/api/staff/login", json=body,
                                  headers=browser_headers(self.server.url)) as resp:
            morsel = resp.cookies.get(STAFF_COOKIE)
            return resp.status, await resp.json(), morsel.value if morsel else None

    def spent(self, role: str) -> None:
        self.tokens.pop(role, None)


def browser_headers(url: str) -> dict[str, str]:
    return {"Origin": url, "Sec-Fetch-Site": "same-origin"}


async def body_of(cell: Cell, role: str, actors: Actors) -> dict[str, Any] | None:
    if cell.body is None:
        return {} if cell.method == "POST" else None
    if cell.body == "nobody":
        return {"username": "Ei Ketaan", "password": "kolme sanaa ja numero 9"}
    if cell.body == "own":
        if role in STAFF_ROLES:
            return actors.credentials(role)
        return {"username": "Ei Ketaan", "password": STAFF_PASSWORD}
    actors.made += 1
    new = {"username": f"uusi{actors.made:03d}", "password": "neljä sanaa ja numero 8"}
    if cell.body == "bad_invite":
        return {"code": "ABCD-EFGH-IJKL-MNOP", **new}
    code, _ = await actors.server.app[STAFF].invite("moderator")
    return {"code": code, **new}


async def send(cell: Cell, role: str, actors: Actors, body: dict[str, Any] | None
               ) -> tuple[str, Any]:
    url = actors.server.url
    cookie = await actors.cookie(role)
    headers: dict[str, str] = {}
    if cookie is not None and cell.headers != "no_cookie":
        headers["Cookie"] = f"{STAFF_COOKIE}={cookie}"
    if cell.method not in ("GET", "HEAD"):
        headers.update(browser_headers(url))
    if cell.headers == "cross_origin":
        headers.update({"Origin": EVIL, "Sec-Fetch-Site": "cross-site",
                        "Access-Control-Request-Method": "POST"})
        if cell.method == "POST":
            del headers["Sec-Fetch-Site"]  # only the Origin tells
    elif cell.headers == "cross_site":
        headers.update({"Sec-Fetch-Site": "cross-site"})
        headers.pop("Origin", None)
    kwargs: dict[str, Any] = {}
    if body is not None and cell.headers == "form":
        kwargs["data"] = "&".join(f"{k}={v}" for k, v in body.items())
        headers["Content-Type"] = "text/plain"
    elif body is not None:
        kwargs["json"] = body
    async with actors.http.request(cell.method, url + cell.path, headers=headers,
                                   allow_redirects=False, **kwargs) as resp:
        if cell.headers == "cross_origin":  # no answer is ever shared with another origin
            assert "Access-Control-Allow-Origin" not in resp.headers, (cell, resp.headers)
        reply: Any = None
        if resp.content_type == "application/json" and cell.method != "HEAD":
            reply = await resp.json()
        code = reply.get("error") if isinstance(reply, dict) and not reply.get("ok") else None
        return (f"{resp.status}:{code}" if code else str(resp.status)), reply


async def still_signed_in(actors: Actors, role: str) -> bool:
    token = actors.tokens[role]
    async with actors.http.get(f"{actors.server.url}/api/staff/session",
                               headers={"Cookie": f"{STAFF_COOKIE}={token}"}) as resp:
        return resp.status == 200


async def works(cell: str, role: str, reply: Any, actors: Actors) -> None:
    """What an allowed cell must have done."""
    if cell in ("GET /api/staff/session", "GET /api/staff/console"):
        assert reply["role"] == role and reply["username"] == actors.names[role]
    elif cell == "POST login/own":
        assert reply["role"] == role
    elif cell == "POST redeem/invite":
        assert reply["role"] == "moderator" and reply["username"].startswith("uusi")
    elif cell == "GET /api/server-key":
        assert len(base64.b64decode(reply["server_key"])) == 32
    elif cell == "POST logout" and role in STAFF_ROLES:
        assert not await still_signed_in(actors, role), "the session outlived its sign-out"
        actors.spent(role)


@pytest.mark.timeout(240)
async def test_every_http_route_for_every_role(live_server_factory: LiveServerFactory,
                                               redis_url: str) -> None:
    fake = clock()
    server = await live_server_factory(**FAST_STAFF, clock=fake, run_scheduler=False,
                                       redis_url=redis_url)
    routes = {(r.method, r.resource.canonical) for r in server.app.router.routes()
              if r.resource is not None}
    assert {(c.method, c.route) for c in CELLS.values()} == routes, \
        "an HTTP route without a row in the matrix (or gone)"
    answers: dict[str, list[str]] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        actors = Actors(server, http, fake)
        for name, cell in CELLS.items():
            answers[name] = []
            for role, want in zip(ROLES, cell.expected, strict=True):
                await actors.cookie(role)  # signed in, and any invitation made, before the
                body = await body_of(cell, role, actors)  # state is read
                before = await quiet_state(redis_url)
                got, reply = await send(cell, role, actors, body)
                answers[name].append(got)
                if got != want:
                    continue
                if want.startswith("2"):
                    await works(name, role, reply, actors)
                if not want.startswith("2") or name in NOTHING_CHANGES:
                    await asyncio.sleep(0.05)
                    assert without_audit(redis_state(redis_url)) == without_audit(before), \
                        f"{name} as {role} changed state"
                    if role in STAFF_ROLES and role in actors.tokens:
                        assert await still_signed_in(actors, role), f"{name} signed {role} out"
    wrong = {c: a for c, a in answers.items() if tuple(a) != CELLS[c].expected}
    assert not wrong, f"cells answered otherwise than the matrix: {wrong}"
