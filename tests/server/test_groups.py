"""Groups and rooms over the real server: join rules, signed membership, relay, schedule."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from e2ee.errors import SignatureError
from e2ee.membership import verify_membership as e2ee_verify_membership
from server.clock import FakeClock
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer, envelope, unb64
from tests.server.mod_harness import connect_staff

HEL = ZoneInfo("Europe/Helsinki")


def helsinki(h: int, m: int = 0) -> float:
    return datetime(2026, 11, 26, h, m, tzinfo=HEL).timestamp()


def verify_membership(event: dict[str, object], server_key: bytes) -> None:
    """The server's Membership verifies under e2ee's v2 rules (roles signed)."""
    e2ee_verify_membership(server_key, event)


async def test_membership_is_signed_and_epoch_rises(live_server: LiveServer) -> None:
    a = await Peer.connect(live_server.url, "Aada")
    b = await Peer.connect(live_server.url, "Bea")
    try:
        ja = await a.call("group.join", {"group_id": "open"})
        assert a.server_key is not None
        verify_membership(ja["membership"], a.server_key)
        assert ja["membership"]["event"] == "joined" and ja["epoch"] == 1
        jb = await b.call("group.join", {"group_id": "open"})
        seen = await a.next("room.membership")
        verify_membership(seen, a.server_key)
        assert seen["epoch"] == jb["epoch"] == 2 and seen["pseudonym"] == "Bea"
        # The signature covers the member list: a tampered one does not verify.
        forged = dict(seen, members=seen["members"][:1])
        with pytest.raises(SignatureError):
            verify_membership(forged, a.server_key)
        # ... and the roles (protocol 2): Bea cannot be shown as a moderator.
        promoted = dict(seen, members=[dict(m, role="moderator") for m in seen["members"]])
        with pytest.raises(SignatureError):
            verify_membership(promoted, a.server_key)
        assert (await b.call("group.leave", {"room": jb["room"]}))["ok"]
        left = await a.next("room.membership")
        verify_membership(left, a.server_key)
        assert (left["event"], left["epoch"], left["pseudonym"]) == ("left", 3, "Bea")
        assert [m["pseudonym"] for m in left["members"]] == ["Aada"]
        assert (await b.call("group.leave", {"room": jb["room"]}))["error"] == "not_in_room"
        await b.close()
        b = await Peer.connect(live_server.url, key=b.key)
        await b.call("group.join", {"group_id": "open"})
        assert (await a.next("room.membership"))["epoch"] == 4
        await b.close()
        gone = await a.next("room.membership")
        assert (gone["event"], gone["epoch"]) == ("left", 5)  # a disconnect leaves the room
    finally:
        await a.close()
        await b.close()


async def test_relay_stamps_sender_seq_and_franking(live_server: LiveServer) -> None:
    a = await Peer.connect(live_server.url, "Aada")
    b = await Peer.connect(live_server.url, "Bea")
    c = await Peer.connect(live_server.url, "Cilla")
    try:
        room = (await a.call("group.join", {"group_id": "open"}))["room"]
        await b.call("group.join", {"group_id": "open"})
        await c.call("group.join", {"group_id": "open"})
        commitment = bytes(range(32))
        # Client-supplied sender/seq fields are ignored.
        sent = await a.call("room.send", {"room": room, "sender": "Cilla", "seq": 99,
                                          "sender_key": "AAAA", **envelope(b"one", commitment=commitment)})
        assert sent["ok"] and sent["seq"] == 1
        for peer in (b, c):
            got = await peer.next("room.envelope")
            assert (got["sender"], got["seq"], got["sender_key"]) == (
                "Aada", 1, base64.b64encode(a.identity_key).decode())
            assert got["stamp"] == sent["stamp"] and unb64(got["commitment"]) == commitment
        key = live_server.services.keys.franking_key
        expected = hmac.new(key, b"iltapiiri/frank-stamp/v1\x00" + commitment + a.identity_key
                            + room.encode() + b"\x00" + sent["ts"].to_bytes(8, "big"),
                            hashlib.sha256).digest()
        assert unb64(sent["stamp"]) == expected
        from e2ee import franking  # the client-side verifier must agree with the relay
        assert franking.verify_stamp(key, unb64(sent["stamp"]), commitment, a.identity_key,
                                     room, sent["ts"])
        seqs = []
        for i in range(5):
            sender = (a, b, c)[i % 3]
            seqs.append((await sender.call("room.send", {"room": room, **envelope()}))["seq"])
        assert seqs == [2, 3, 4, 5, 6]
        no_commit = await b.call("room.send", {"room": room, **envelope()})
        assert "stamp" not in no_commit
    finally:
        for p in (a, b, c):
            await p.close()


async def test_join_rules(live_server: LiveServer) -> None:
    peers = [await Peer.connect(live_server.url, n) for n in ("Eka", "Toka", "Kolmas")]
    try:
        assert (await peers[0].call("group.join", {"group_id": "nope"}))["error"] == \
            "unknown_group"
        assert (await peers[0].call("group.join", {"group_id": 7}))["error"] == "bad_request"
        assert (await peers[0].call("group.join", {"group_id": "small"}))["ok"]
        assert (await peers[1].call("group.join", {"group_id": "small"}))["ok"]
        full = await peers[2].call("group.join", {"group_id": "small"})
        assert full["error"] == "group_full"
        room = (await peers[0].call("groups.list"))["groups"]
        small = next(g for g in room if g["id"] == "small")
        assert small["seats_left"] == 0 and small["open"] and small["state"] == "open"
        # The refused peer is not in the room and cannot send there.
        bad = await peers[2].call("room.send", {"room": small["room"], **envelope()})
        assert bad["error"] == "not_in_room"
        assert (await peers[2].call("room.send", {"room": "open/1999-01-01", **envelope()}))[
            "error"] == "not_in_room"
    finally:
        for p in peers:
            await p.close()


async def test_groups_api_matches_event(live_server: LiveServer) -> None:
    peer = await Peer.connect(live_server.url, "Listaaja")
    try:
        via_event = await peer.call("groups.list")
        async with aiohttp.ClientSession() as http, \
                http.get(f"{live_server.url}/api/groups") as resp:
            via_http = await resp.json()
        assert via_event["groups"] == via_http["groups"]
        ids = [g["id"] for g in via_http["groups"]]
        assert ids == ["open", "nightly", "small"]
        g = via_http["groups"][0]
        assert set(g) == {"id", "name", "topic", "language", "lobby_at", "starts_at", "ends_at",
                          "capacity", "seats_left", "state", "open", "moderator_required",
                          "moderator_present", "room"}
    finally:
        await peer.close()


async def test_evening_schedule_with_a_fake_clock(live_server_factory: LiveServerFactory
                                                  ) -> None:
    clock = FakeClock(helsinki(18, 40))
    server = await live_server_factory(clock=clock, run_scheduler=False)
    mod = await connect_staff(server, "Ohjaava Tähti")
    peer = await Peer.connect(server.url, "Vertainen")
    try:
        assert (await peer.call("group.join", {"group_id": "nightly"}))["error"] == \
            "group_not_open"
        clock.set(helsinki(18, 46))  # lobby
        await server.scheduler.tick()
        assert (await peer.call("group.join", {"group_id": "nightly"}))["error"] == \
            "moderator_absent"
        jm = await mod.call("group.join", {"group_id": "nightly"})
        assert jm["ok"] and jm["group"]["state"] == "lobby" and jm["room"] == "nightly/2026-11-26"
        jp = await peer.call("group.join", {"group_id": "nightly"})
        assert jp["ok"] and jp["group"]["moderator_present"]
        assert (await peer.call("room.send", {"room": jp["room"], **envelope()}))["error"] == \
            "room_not_open"
        clock.set(helsinki(19, 0))
        await server.scheduler.tick()
        assert (await peer.next("group.opened")) == {"room": jp["room"]}
        await server.scheduler.tick()  # announced once only
        await peer.nothing("group.opened", 0.1)
        assert (await peer.call("room.send", {"room": jp["room"], **envelope()}))["ok"]
        assert (await mod.next("room.envelope"))["sender"] == "Vertainen"
        clock.set(helsinki(20, 25))
        await server.scheduler.tick()
        closing = await peer.next("group.closing")
        assert closing == {"room": jp["room"], "closes_at": "2026-11-26T20:30:00+02:00"}
        clock.set(helsinki(20, 30))
        await server.scheduler.tick()
        assert (await peer.next("group.closed")) == {"room": jp["room"], "reason": "ended"}
        assert (await mod.next("group.closed"))["room"] == jp["room"]
        memberships = peer.drain("room.membership")
        assert memberships[-1]["event"] == "closed" and memberships[-1]["members"] == []
        assert peer.server_key is not None
        verify_membership(memberships[-1], peer.server_key)
        # Everyone was removed: nothing can be sent there any more.
        assert (await peer.call("room.send", {"room": jp["room"], **envelope()}))["error"] == \
            "not_in_room"
        listed = {g["id"]: g for g in (await peer.call("groups.list"))["groups"]}
        assert listed["nightly"]["state"] == "closed"
        assert listed["nightly"]["seats_left"] == listed["nightly"]["capacity"]
        assert (await peer.call("group.join", {"group_id": "nightly"}))["error"] == \
            "group_not_open"
    finally:
        await mod.close()
        await peer.close()


async def test_moderator_leaving_does_not_strand_the_lobby_state(
        live_server_factory: LiveServerFactory) -> None:
    clock = FakeClock(helsinki(19, 10))
    server = await live_server_factory(clock=clock, run_scheduler=False)
    mod = await connect_staff(server, "Ohjaava Kuu")
    room = (await mod.call("group.join", {"group_id": "nightly"}))["room"]
    await mod.call("group.leave", {"room": room})
    peer = await Peer.connect(server.url, "Myöhäinen")
    try:
        assert (await peer.call("group.join", {"group_id": "nightly"}))["error"] == \
            "moderator_absent"
    finally:
        await mod.close()
        await peer.close()


@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_capacity_holds_under_concurrent_joins(
        backend: str, live_server_factory: LiveServerFactory,
        request: pytest.FixtureRequest) -> None:
    import asyncio

    kwargs = {"redis_url": request.getfixturevalue("redis_url")} if backend == "redis" else {}
    server = await live_server_factory(**kwargs)
    peers = [await Peer.connect(server.url, f"Kiirehtijä {i}") for i in range(6)]
    try:
        replies = await asyncio.gather(*(p.call("group.join", {"group_id": "small"})
                                         for p in peers))
        assert sorted(r.get("error", "ok") for r in replies) == ["group_full"] * 4 + ["ok"] * 2
        epochs = sorted(r["epoch"] for r in replies if r["ok"])
        assert epochs == [1, 2]
        room = next(r["room"] for r in replies if r["ok"])
        assert len(await server.services.stores.rooms.members(room)) == 2
    finally:
        for p in peers:
            await p.close()


async def test_joining_twice_from_one_connection_changes_nothing(live_server: LiveServer) -> None:
    a = await Peer.connect(live_server.url, "Tupla")
    b = await Peer.connect(live_server.url, "Katsoja")
    try:
        await b.call("group.join", {"group_id": "open"})
        first = await a.call("group.join", {"group_id": "open"})
        await b.next("room.membership")
        again = await a.call("group.join", {"group_id": "open"})
        assert again["ok"] and again["epoch"] == first["epoch"]
        assert again["members"] == first["members"]
        assert a.server_key is not None
        verify_membership(again["membership"], a.server_key)
        await b.nothing("room.membership", 0.3)
        assert (await a.call("room.send", {"room": first["room"], **envelope()}))["ok"]
    finally:
        await a.close()
        await b.close()
