"""HTTP routes: health, metrics, public JSON, and the web client's static files.

Every response carries strict security headers (CSP and friends); API responses are
`Cache-Control: no-store`. Our own request log line replaces aiohttp's access log, which would
print the remote address.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from server.handlers import rooms
from server.handlers.services import Services, b64

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_CLIENT_DIR = REPO_ROOT / "web_client"
CONFIG_DIR = REPO_ROOT / "config"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Explicit types, independent of the host's /etc/mime.types (nosniff makes them matter).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_routes(services_of: Callable[[], Services], app: web.Application) -> None:
    """Add the HTTP routes and the header/log middleware."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def metrics(_: web.Request) -> web.Response:
        services = services_of()
        now = services.clock.now()
        groups = (await rooms.list_groups(services))["groups"]
        live = [g for g in groups if g["state"] in ("lobby", "open")]
        members = sum(g["capacity"] - g["seats_left"] for g in live)
        text = services.metrics.render(open_rooms=len(live), members=members,
                                    inbox_size=await services.stores.inbox.total(now))
        return web.Response(text=text, content_type="text/plain", charset="utf-8",
                            headers={"X-Prometheus-Format": "0.0.4"})

    async def api_groups(_: web.Request) -> web.Response:
        return web.json_response(await rooms.list_groups(services_of()))

    async def api_server_key(_: web.Request) -> web.Response:
        return web.json_response({"server_key": b64(services_of().keys.public_key)})

    def config_file(name: str) -> Handler:
        async def serve(_: web.Request) -> web.Response:
            path = CONFIG_DIR / name
            if not path.is_file():
                raise web.HTTPNotFound()
            data = json.loads(path.read_text(encoding="utf-8"))
            return web.json_response(data)
        return serve

    async def static(request: web.Request) -> web.StreamResponse:
        rel = request.match_info.get("path", "") or "index.html"
        base = WEB_CLIENT_DIR.resolve()
        target = (base / rel).resolve()
        if not target.is_relative_to(base):
            raise web.HTTPNotFound()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            raise web.HTTPNotFound()
        ctype = CONTENT_TYPES.get(target.suffix.lower()) or \
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        # Revalidate every time (Last-Modified): a fixed client must reach users at once.
        return web.FileResponse(target, headers={"Content-Type": ctype,
                                                 "Cache-Control": "no-cache"})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/groups", api_groups)
    app.router.add_get("/api/server-key", api_server_key)
    app.router.add_get("/api/detector.json", config_file("detector.json"))
    app.router.add_get("/api/crisis-resources.json", config_file("crisis_resources.json"))
    app.router.add_get("/{path:(?!socket\\.io/).*}", static)
    app.middlewares.append(_headers_and_log(services_of))


def _headers_and_log(services_of: Callable[[], Services]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.monotonic()
        status = 500
        try:
            response = await handler(request)
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            _decorate(request, exc)
            raise
        finally:
            if not request.path.startswith("/socket.io"):
                services_of().log.info("http", method=request.method, path=_log_path(request),
                                    status=status, ms=round((time.monotonic() - started) * 1000))
        _decorate(request, response)
        return response

    return middleware


def _log_path(request: web.Request) -> str:
    # Only the route's pattern, never a query string or user-chosen path text.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "-"


def _decorate(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if not request.path.startswith(("/socket.io",)) and (
            request.path.startswith("/api/") or request.path in ("/metrics", "/healthz")):
        response.headers["Cache-Control"] = "no-store"
