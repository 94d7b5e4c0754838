"""A tiny HTTP client for the staff endpoints that keeps the session cookie by hand, so tests see
exactly what the server set (aiohttp's cookie jar would hide a Secure cookie over http)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import aiohttp

from config.staff_settings import StaffSettings
from server.api.staff_http import COOKIE_NAME

# Cheap Argon2 for tests (the policy, not the cost, is under test); same shape as production.
FAST_STAFF = StaffSettings(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
GOOD_PASSWORD = "kuusi koivua ja kettu"


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    set_cookie: list[str]


@dataclass
class StaffHttp:
    """Calls /api/staff/* on `url`, carrying the last session cookie it was given."""

    url: str
    cookie: str | None = None
    replies: list[Reply] = field(default_factory=list)

    async def request(self, method: str, path: str, body: Any = None, *,
                      headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
        sent = dict(headers or {})
        if self.cookie is not None:
            sent["Cookie"] = f"{COOKIE_NAME}={self.cookie}"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            kwargs: dict[str, Any] = {"headers": sent}
            if raw is not None:
                kwargs["data"] = raw
            elif body is not None:
                kwargs["json"] = body
            async with http.request(method, self.url + path, **kwargs) as resp:
                data = await resp.json(content_type=None)
                reply = Reply(status=resp.status, body=data, headers=dict(resp.headers),
                              set_cookie=resp.headers.getall("Set-Cookie", []))
        for line in reply.set_cookie:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            if COOKIE_NAME in jar:
                self.cookie = jar[COOKIE_NAME].value or None
        self.replies.append(reply)
        return reply

    async def login(self, username: str, password: str, totp: str | None = None) -> Reply:
        body: dict[str, Any] = {"username": username, "password": password}
        if totp is not None:
            body["totp"] = totp
        return await self.request("POST", "/api/staff/login", body)

    async def session(self) -> Reply:
        return await self.request("GET", "/api/staff/session")

    async def logout(self) -> Reply:
        return await self.request("POST", "/api/staff/logout", {})
