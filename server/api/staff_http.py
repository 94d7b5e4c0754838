"""HTTP adapter for staff sign-in: parse, check the origin, call StaffService, answer JSON.

    POST /api/staff/login    {username, password, totp?}   -> session cookie
    POST /api/staff/logout   {}                            -> cookie cleared, session ended
    GET  /api/staff/session                                -> who the cookie belongs to
    POST /api/staff/redeem   {code, username, password}    -> account from an invitation
    GET  /api/staff/console                                -> what the console needs (cookie)
    GET  /api/moderation-texts.json                        -> notice and reason texts (public)

At the first sign-in (`totp_enrol`) the answer carries the `otpauth://` URI and the same URI as a
QR code, an SVG data URI drawn here with `segno` (the page's CSP allows `img-src data:`), so the
browser needs no QR library and the secret never goes to a third party.

The session token travels only in `__Host-iltapiiri_staff`, set `HttpOnly; Secure;
SameSite=Strict; Path=/` (no Domain): page script cannot read it, another site cannot send it,
and no subdomain can set it. Requests that change state must be JSON (a cross-site form cannot
send that without a CORS preflight, which we never answer) and, when the browser says where they
come from (`Origin`, `Sec-Fetch-Site`), come from this origin (`bad_origin`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import segno
from aiohttp import web

from config.moderation_settings import ModerationSettings
from server.handlers.staff import LoginRefused, StaffService
from server.wire.errors import ApiError

COOKIE_NAME = "__Host-iltapiiri_staff"
MAX_BODY_BYTES = 4096
STATUS = {
    "bad_request": 400, "too_large": 413, "username_invalid": 400, "password_weak": 400,
    "username_taken": 409, "invite_invalid": 403, "login_failed": 401, "totp_required": 401,
    "totp_enrol": 403, "login_backoff": 429, "login_locked": 429, "not_authenticated": 401,
    "session_expired": 401, "bad_origin": 403, "unknown_staff": 404, "rate_limited": 429,
}


def totp_qr_data_uri(uri: str) -> str:
    """The provisioning URI as a QR code: an SVG data URI (black on white, quiet zone kept, so
    authenticator apps read it in a dark theme too)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=4, border=4, dark="#000",
                                                       light="#fff"))


def _error(exc: ApiError, **extra: Any) -> web.Response:
    response = web.json_response({**exc.to_wire(), **extra}, status=STATUS.get(exc.code, 500))
    if isinstance(exc, LoginRefused):
        response.headers["Retry-After"] = str(exc.retry_after)
    if exc.code in ("not_authenticated", "session_expired"):
        _clear_cookie(response)
    return response


def _set_cookie(response: web.Response, token: str, max_age: int) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=max_age, path="/", secure=True,
                        httponly=True, samesite="Strict")


def _clear_cookie(response: web.Response) -> None:
    response.set_cookie(COOKIE_NAME, "", max_age=0, path="/", secure=True, httponly=True,
                        samesite="Strict")


def _check_origin(request: web.Request) -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise ApiError("bad_origin")
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise ApiError("bad_origin")


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise ApiError("bad_request", "send JSON")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError("too_large")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError("too_large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("bad_request", "send a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError("bad_request", "send a JSON object")
    return body


def add_staff_routes(app: web.Application, service_of: Callable[[], StaffService],
                     moderation_of: Callable[[], ModerationSettings] | None = None) -> None:
    """Add the staff endpoints (before the static catch-all route); with `moderation_of`, also
    the console's settings and the moderation texts the browser shows (a sanctioned peer's
    notice, the console's reasons)."""

    def answer(handler: Callable[[web.Request], Awaitable[web.Response]]
               ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def wrapped(request: web.Request) -> web.Response:
            try:
                if request.method != "GET":
                    _check_origin(request)
                return await handler(request)
            except ApiError as exc:
                return _error(exc)
        return wrapped

    @answer
    async def login(request: web.Request) -> web.Response:
        body = await _json_body(request)
        service = service_of()
        result = await service.login(body.get("username"), body.get("password"),
                                     body.get("totp"))
        if result.enrol_uri is not None:
            return _error(ApiError("totp_enrol", "add this account to an authenticator app, "
                                                 "then sign in with its code"),
                          totp_uri=result.enrol_uri,
                          totp_qr=totp_qr_data_uri(result.enrol_uri))
        assert result.session is not None and result.token is not None
        response = web.json_response({"ok": True, "role": result.session.role,
                                      "expires_at": result.session.expires_at})
        _set_cookie(response, result.token, service.settings.session_seconds)
        return response

    @answer
    async def logout(request: web.Request) -> web.Response:
        await _json_body(request)  # like every POST: a form (no preflight) ends no session
        await service_of().logout(request.cookies.get(COOKIE_NAME))
        response = web.json_response({"ok": True})
        _clear_cookie(response)
        return response

    @answer
    async def session(request: web.Request) -> web.Response:
        who = await service_of().check_session(request.cookies.get(COOKIE_NAME))
        return web.json_response({"ok": True, "username": who.username, "role": who.role,
                                  "expires_at": who.expires_at})

    @answer
    async def redeem(request: web.Request) -> web.Response:
        body = await _json_body(request)
        service = service_of()
        account = await service.redeem(body.get("code"), body.get("username"),
                                       body.get("password"))
        return web.json_response(
            {"ok": True, "username": account.username, "role": account.role,
             "totp_required": account.role in service.settings.totp_roles}, status=201)

    async def moderation_texts(request: web.Request) -> web.Response:
        assert moderation_of is not None
        texts = moderation_of().texts
        return web.json_response({"notices": texts.notices, "reasons": texts.reasons})

    @answer
    async def console(request: web.Request) -> web.Response:
        """The console's start: who signed in, the load cap in force, the reason list."""
        who = await service_of().check_session(request.cookies.get(COOKIE_NAME))
        assert moderation_of is not None
        settings = moderation_of()
        return web.json_response({
            "ok": True, "username": who.username, "role": who.role,
            "load_cap": settings.alerts.load_cap,
            "resend_after_seconds": settings.alerts.resend_after_seconds,
            "reasons": settings.texts.reasons})

    if moderation_of is not None:
        app.router.add_get("/api/moderation-texts.json", moderation_texts)
        app.router.add_get("/api/staff/console", console)
    app.router.add_post("/api/staff/login", login)
    app.router.add_post("/api/staff/logout", logout)
    app.router.add_get("/api/staff/session", session)
    app.router.add_post("/api/staff/redeem", redeem)
