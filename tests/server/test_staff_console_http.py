"""The HTTP parts of the moderator's console: the TOTP enrolment answer carries its QR code (an
SVG data URI of exactly the provisioning URI), and the moderation texts the browser shows."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import aiohttp
import pyotp
import segno

from config.moderation_settings import load_moderation_settings
from server.api.staff_http import totp_qr_data_uri
from server.app import STAFF
from tests.fixtures.server import LiveServerFactory
from tests.server.staff_http_client import FAST_STAFF, GOOD_PASSWORD, StaffHttp

SVG_PREFIX = "data:image/svg+xml;charset=utf-8,"


def svg_of(data_uri: str) -> str:
    assert data_uri.startswith(SVG_PREFIX), data_uri[:40]
    return unquote(data_uri[len(SVG_PREFIX):])


async def test_the_enrolment_answer_carries_the_uri_as_a_qr_code(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(staff=FAST_STAFF)
    await server.app[STAFF].create("Aino Admin", "admin", GOOD_PASSWORD)
    http = StaffHttp(server.url)
    reply = await http.login("Aino Admin", GOOD_PASSWORD)
    assert reply.status == 403 and reply.body["error"] == "totp_enrol"
    uri = reply.body["totp_uri"]
    svg = svg_of(reply.body["totp_qr"])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    # The picture is the QR code of this very URI (same modules), not of some other secret.
    assert svg == svg_of(totp_qr_data_uri(uri))
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    other = uri.replace(secret, pyotp.random_base32())
    assert svg != svg_of(totp_qr_data_uri(other))
    # The code the app reads from it enrols the account.
    done = await http.login("Aino Admin", GOOD_PASSWORD, pyotp.TOTP(secret).now())
    assert done.status == 200, done.body
    assert "totp_qr" not in done.body and "totp_uri" not in done.body


def test_the_qr_code_holds_the_whole_uri() -> None:
    """segno's matrix for the URI is what the SVG draws: as many dark modules as the matrix."""
    uri = "otpauth://totp/Iltapiiri:Aino%20Admin?secret=JBSWY3DPEHPK3PXP&issuer=Iltapiiri"
    qr = segno.make(uri, error="m")
    assert qr.designator.endswith("-M")  # error correction level M, as drawn
    svg = svg_of(totp_qr_data_uri(uri))
    assert "#fff" in svg and "#000" in svg  # black on white, readable in a dark theme too
    # One row of the path per matrix row that has dark modules: the matrix, nothing made up.
    rows = sum(1 for row in qr.matrix if any(row))
    assert svg.count("m-") + 1 >= rows - 1


async def test_the_moderation_texts_are_served_as_configured(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(staff=FAST_STAFF)
    async with aiohttp.ClientSession() as http, \
            http.get(server.url + "/api/moderation-texts.json") as resp:
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"
        body = await resp.json()
    texts = load_moderation_settings().texts
    assert body["reasons"] == texts.reasons and body["notices"] == texts.notices
    assert set(body["reasons"]["spam"]) == {"fi", "sv", "en"}
    assert "{until}" in body["notices"]["refusal.muted"]["en"]


async def test_the_console_start_needs_a_staff_session(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(staff=FAST_STAFF)
    await server.app[STAFF].create("Mia Moderoi", "moderator", GOOD_PASSWORD)
    http = StaffHttp(server.url)
    refused = await http.request("GET", "/api/staff/console")
    assert refused.status == 401 and refused.body["error"] == "not_authenticated"
    assert (await http.login("Mia Moderoi", GOOD_PASSWORD)).status == 200
    reply = await http.request("GET", "/api/staff/console")
    settings = load_moderation_settings()
    assert reply.status == 200, reply.body
    assert (reply.body["username"], reply.body["role"]) == ("Mia Moderoi", "moderator")
    assert reply.body["load_cap"] == settings.alerts.load_cap
    assert reply.body["reasons"] == settings.texts.reasons
    assert reply.headers["Cache-Control"] == "no-store"
    await http.request("POST", "/api/staff/logout", {})
    after = await http.request("GET", "/api/staff/console")
    assert after.status == 401
