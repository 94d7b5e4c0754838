"""The socket refuses browsers of other sites (cross-site websocket hijacking): only the page's
own origin, or no Origin at all (a non-browser client), may open it."""

from __future__ import annotations

from tests.deploy.test_nginx import socket_opens


async def test_only_the_sites_own_origin_opens_the_socket(live_server) -> None:
    assert await socket_opens(live_server.url, live_server.url)
    assert await socket_opens(live_server.url, None)
    for origin in ("http://evil.example", "null", live_server.url.replace("http:", "https:"),
                   live_server.url + ".evil.example"):
        assert not await socket_opens(live_server.url, origin), origin
