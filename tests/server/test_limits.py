"""Breaching a limit answers a stable code and changes nothing; the connection and room go on."""

from __future__ import annotations

import asyncio
import base64

from config.settings import DEFAULTS
from server.limits import MAX_BODY_BYTES
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, envelope


async def test_oversized_and_malformed_sends(live_server: LiveServer) -> None:
    a = await Peer.connect(live_server.url, "Iso")
    b = await Peer.connect(live_server.url, "Pieni")
    try:
        room = (await a.call("group.join", {"group_id": "open"}))["room"]
        await b.call("group.join", {"group_id": "open"})
        big = await a.call("room.send", {"room": room, **envelope(b"x" * (MAX_BODY_BYTES + 1))})
        assert big["error"] == "too_large"
        for bad in ({"room": room, "kind": "msg", "header": "!!", "body": "AA=="},
                    {"room": room, "kind": "msg", "header": "", "body": "AA==", "commitment": "AA=="},
                    {"room": room},
                    "not an object",
                    {"room": room, "kind": "msg", "header": "", "body": "A" * 200_000}):
            reply = await a.call("room.send", bad)
            assert reply["ok"] is False and reply["error"] in ("bad_request", "too_large"), bad
        assert (await a.call("room.send", {"room": room, **envelope(b"x" * MAX_BODY_BYTES)}))["ok"]
        got = await b.next("room.envelope")
        assert got["seq"] == 1  # the refused sends did not use up sequence numbers
        assert len(base64.b64decode(got["body"])) == MAX_BODY_BYTES
        assert b.drain("room.envelope") == []
    finally:
        await a.close()
        await b.close()


async def test_send_rate_limit(live_server: LiveServer) -> None:
    a = await Peer.connect(live_server.url, "Nopea")
    b = await Peer.connect(live_server.url, "Hidas")
    try:
        room = (await a.call("group.join", {"group_id": "open"}))["room"]
        await b.call("group.join", {"group_id": "open"})
        replies = [await a.call("room.send", {"room": room, **envelope()})
                   for _ in range(int(DEFAULTS.send_burst) + 10)]
        ok = [r for r in replies if r["ok"]]
        limited = [r for r in replies if not r["ok"]]
        assert len(ok) >= DEFAULTS.send_burst and limited
        assert {r["error"] for r in limited} == {"rate_limited"}
        # The other budget is untouched, the room goes on, and the bucket refills.
        assert (await a.call("groups.list"))["ok"]
        await asyncio.sleep(0.5)
        assert (await a.call("room.send", {"room": room, **envelope()}))["ok"]
        assert (await b.call("room.send", {"room": room, **envelope()}))["ok"]
        received = b.drain("room.envelope")
        assert [e["seq"] for e in received] == list(range(1, len(ok) + 2))
        metrics = live_server.services.metrics
        assert metrics.errors["rate_limited"] == len(limited)
    finally:
        await a.close()
        await b.close()


async def test_sharing_a_key_with_a_full_room_is_not_throttled(live_server: LiveServer) -> None:
    """One key fetch and one 1:1 envelope to each of 29 other members fit in the bursts."""
    sender = await Peer.connect(live_server.url, "Jakaja")
    target = await Peer.connect(live_server.url, "Vastaanottaja")
    try:
        await target.call("keys.publish", {
            "dh_key": base64.b64encode(b"\x02" * 32).decode(),
            "dh_sig": base64.b64encode(b"\x03" * 64).decode(),
            "signed_prekey": {"id": 1, "key": base64.b64encode(b"\x04" * 32).decode(),
                              "sig": base64.b64encode(b"\x05" * 64).decode()}})
        for _ in range(29):
            assert (await sender.call("keys.fetch", {"pseudonym": "Vastaanottaja"}))["ok"]
            assert (await sender.call("direct.send", {"to": "Vastaanottaja", **envelope()}))["ok"]
        # Group chat has its own budget, untouched by the key share.
        room = (await sender.call("group.join", {"group_id": "open"}))["room"]
        assert (await sender.call("room.send", {"room": room, **envelope()}))["ok"]
    finally:
        await sender.close()
        await target.close()


async def test_oversized_frame_closes_only_that_connection(live_server: LiveServer) -> None:
    from server.limits import MAX_FRAME_BYTES
    from tests.server.harness import wait_until

    abuser = await Peer.connect(live_server.url, "Liian Iso")
    other = await Peer.connect(live_server.url, "Kohtuullinen")
    try:
        room = (await abuser.call("group.join", {"group_id": "open"}))["room"]
        await other.call("group.join", {"group_id": "open"})
        await abuser.sio.emit("room.send", {"room": room, "kind": "msg", "header": "",
                                            "body": "A" * (MAX_FRAME_BYTES + 1024)})
        await wait_until(lambda: not abuser.sio.connected, timeout=10)
        left = await other.next("room.membership")
        assert (left["event"], left["pseudonym"]) == ("left", "Liian Iso")
        assert (await other.call("room.send", {"room": room, **envelope()}))["ok"]
    finally:
        await abuser.close()
        await other.close()
