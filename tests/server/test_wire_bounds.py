"""Input-validation gaps (threat-model finding 10): lone surrogates, huge integers, deep
nesting, and patterns that must match a whole field."""

from __future__ import annotations

import logging

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.api.guard import MAX_JSON_DEPTH, PayloadRejected, bounded_loads
from server.app import SIO
from server.wire.errors import ApiError
from server.wire.requests import DirectSend, InboxAck, KeysFetch, RoomSend
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, envelope, wait_until
from tests.server.rawsocket import RawSocket
from tests.server.test_reserved_events import raw_auth

LONE = "\ud800"


@pytest.mark.parametrize("kind", ["group\n", "group\r", "msg\x00", "Group", "-x", ""])
def test_kind_must_match_as_a_whole(kind: str) -> None:
    with pytest.raises(ApiError) as err:
        RoomSend.decode({"room": "open/2026-01-01", **envelope(kind=kind)})
    assert err.value.code == "bad_request"


def test_ack_ids_must_match_as_a_whole() -> None:
    with pytest.raises(ApiError):
        InboxAck.decode({"ids": ["0" * 32 + "\n"]})


@pytest.mark.parametrize("decode", [
    lambda: DirectSend.decode({"to": f"Ab{LONE}c", **envelope()}),
    lambda: KeysFetch.decode({"pseudonym": f"x{LONE}y"}),
    lambda: RoomSend.decode({"room": f"open/{LONE}", **envelope()}),
])
def test_lone_surrogates_are_bad_requests(decode: object) -> None:
    with pytest.raises(ApiError) as err:
        decode()  # type: ignore[operator]
    assert err.value.code == "bad_request"


def test_bounded_loads() -> None:
    assert bounded_loads('{"a":[1,2,{"b":12345678901234567890}]}')["a"][2]["b"] > 0
    for text in ("1" + "0" * 25, "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
                 "[" * 5000 + "]" * 5000, "NaN", "[Infinity]", "-" + "9" * 5000):
        with pytest.raises(PayloadRejected):
            bounded_loads(text)


async def test_lone_surrogates_get_a_stable_code(server: LiveServer) -> None:
    peer = await Peer.connect(server.url, "Pinta Nimi")
    fresh = await Peer.connect(server.url, auth=False)
    try:
        for event, payload in (("direct.send", {"to": f"Pin{LONE}ta", **envelope()}),
                               ("keys.fetch", {"pseudonym": f"Pin{LONE}ta"})):
            reply = await peer.call(event, payload)
            assert reply["error"] == "bad_request", (event, reply)
        reply = await fresh.authenticate(f"Uusi{LONE}Nimi")
        assert reply["error"] == "pseudonym_invalid", reply
        assert (await fresh.authenticate("Uusi Nimi"))["ok"]  # the connection goes on
    finally:
        await peer.close()
        await fresh.close()
    assert server.services.metrics.errors["internal"] == 0


@pytest.mark.parametrize("payload", [
    '{"room":' + "9" * 5000 + "}",
    '{"room":' + "1" * 200 + "}",
    "[" * 1000 + "]" * 1000,
    '{"a":' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"room":NaN}',
    '{"room":',  # not JSON at all
])
async def test_huge_and_deep_payloads_get_a_reply_and_no_error_log(
        server: LiveServer, payload: str, caplog: pytest.LogCaptureFixture) -> None:
    raw = await RawSocket.open(server.url)
    try:
        assert (await raw_auth(raw, Ed25519PrivateKey.generate()))["ok"]
        with caplog.at_level(logging.INFO):
            reply = await raw.call_text(f'["room.send",{payload}]')
            assert reply["ok"] is False and reply["error"] == "bad_request", reply
            assert (await raw.call("groups.list", {}))["ok"]  # the connection goes on
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await raw.close()


@pytest.mark.parametrize("frame", ["", "\x00", "b!!", "x", "9", "4x"])
async def test_malformed_frame_closes_its_transport(server: LiveServer, frame: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    raw = await RawSocket.open(server.url)
    try:
        with caplog.at_level(logging.INFO):
            await raw.send(frame)
            await wait_until(lambda: raw.closed, 5)
            await wait_until(lambda: not server.app[SIO].eio.sockets, 5)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await raw.close()
