"""Sanctions and room controls over a real server, on both stores, with a fake clock
(issue 10, "Sanctions and room controls")."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import ModPeer, connect_staff

NOON = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
EVENING = datetime(2026, 6, 10, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()


async def _room(factory: LiveServerFactory, backend: dict[str, Any], *, n_mods: int = 1,
                start: float = NOON, group: str = "open"
                ) -> tuple[Any, FakeClock, list[ModPeer], ModPeer, str]:
    clock = FakeClock(start)
    server = await factory(clock=clock, run_scheduler=False, **backend)
    mods = [await connect_staff(server, f"Mod{i}") for i in range(n_mods)]
    room = await mods[0].join(group)
    peer = await ModPeer.connect(server.url, "Peer")
    await peer.join(group)
    return server, clock, mods, peer, room


def _sanction(room: str, kind: str, **fields: Any) -> dict[str, Any]:
    if "reason_text" not in fields:
        fields.setdefault("reason_code", "disrespect")
    return {"kind": kind, "room": room, **fields}


async def _close(*peers: ModPeer) -> None:
    for p in peers:
        await p.close()


async def test_a_mute_refuses_sends_with_a_notice_until_it_expires_by_itself(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs)
    reply = await mod.call("mod.sanction", _sanction(room, "mute", pseudonym="Peer", minutes=5))
    assert reply["ok"], reply
    until = reply["sanction"]["end"]
    assert until == NOON + 300
    told = await peer.next("mod.notice")
    assert told["key"] == "sanction.mute" and told["params"] == {"until": until, "minutes": 5}
    assert set(told["reason"]) == {"fi", "sv", "en"} and "Insulting" in told["reason"]["en"]
    refused = await peer.send(room)
    assert refused["error"] == "muted"
    assert refused["notice"] == {"key": "refusal.muted", "params": {"until": until}}
    await mod.nothing("room.notice", 0.1)  # the room is not told who was muted
    clock.advance(299)
    assert (await peer.send(room))["error"] == "muted"
    clock.advance(1)
    assert "seq" in await peer.send(room)
    assert server.services.metrics.sanctions["mute"] == 1
    await _close(peer, mod)


async def test_slow_mode_and_lock_tell_the_room_and_pass_staff(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs)
    slow = await mod.call("mod.sanction", _sanction(room, "slow_mode", seconds=30))
    notice = await peer.next("room.notice")
    assert notice == {"room": room, "key": "room.slow_mode_on", "params": {"seconds": 30}}
    assert "seq" in await peer.send(room)
    refused = await peer.send(room)
    assert refused["error"] == "slow_mode" and refused["notice"]["params"]["until"] == NOON + 30
    assert "seq" in await mod.send(room) and "seq" in await mod.send(room)  # staff pass
    clock.advance(30)
    assert "seq" in await peer.send(room)
    lifted = await mod.call("mod.lift", {"sanction_id": slow["sanction"]["sanction_id"]})
    assert lifted["ok"] and (await peer.next("room.notice"))["key"] == "room.slow_mode_off"
    assert "seq" in await peer.send(room)
    lock = await mod.call("mod.sanction", _sanction(room, "lock"))
    assert (await peer.next("room.notice"))["key"] == "room.locked"
    assert (await peer.send(room))["error"] == "room_locked"
    late = await ModPeer.connect(server.url, "Late")
    assert (await late.call("group.join", {"group_id": "open"}))["error"] == "room_locked"
    assert "seq" in await mod.send(room)
    await mod.call("mod.lift", {"sanction_id": lock["sanction"]["sanction_id"]})
    assert (await peer.next("room.notice"))["key"] == "room.unlocked"
    assert (await late.call("group.join", {"group_id": "open"}))["ok"]
    await _close(peer, mod, late)


async def test_remove_and_ban_take_the_person_out_and_keep_them_out(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs)
    other = await ModPeer.connect(server.url, "Other")
    await other.join()
    reply = await mod.call("mod.sanction", _sanction(room, "remove", pseudonym="Peer"))
    assert reply["ok"], reply
    assert (await peer.next("mod.notice"))["key"] == "sanction.remove"
    assert (await peer.send(room))["error"] == "not_in_room"
    rejoin = await peer.call("group.join", {"group_id": "open"})
    assert rejoin["error"] == "removed" and rejoin["notice"]["key"] == "refusal.removed"
    too_long = await mod.call("mod.sanction", _sanction(room, "ban", pseudonym="Other",
                                                        days=90, appeal_note="Write to us"))
    assert too_long["error"] == "admin_only"
    forever = await mod.call("mod.sanction", _sanction(room, "ban", pseudonym="Other",
                                                       permanent=True, appeal_note="Write"))
    assert forever["error"] == "admin_only"
    ban = await mod.call("mod.sanction", _sanction(room, "ban", pseudonym="Other", days=3,
                                                   appeal_note="Write to appeals@example.org"))
    assert ban["ok"], ban
    told = await other.next("mod.notice")
    assert told["key"] == "sanction.ban" and told["params"]["appeal"].startswith("Write")
    again = await other.call("group.join", {"group_id": "open"})
    assert again["error"] == "banned" and again["notice"]["params"]["until"] == NOON + 3 * 86400
    clock.advance(3 * 86400)
    assert (await other.call("group.join", {"group_id": "open"}))["ok"]
    await _close(peer, mod, other)


async def test_read_only_by_a_moderator_or_chosen_by_the_person(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    _server, _clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs)
    chosen = await peer.call("room.read_only_self", {"room": room})
    assert chosen["ok"] and chosen["sanction"]["self_chosen"] is True
    told = await peer.next("mod.notice")
    assert told["key"] == "sanction.read_only_self" and told["reason"] == {}
    assert (await peer.send(room))["error"] == "read_only"
    sid = chosen["sanction"]["sanction_id"]
    assert (await peer.call("mod.lift", {"sanction_id": sid}))["error"] == "self_chosen_binding"
    assert (await mod.call("mod.lift", {"sanction_id": sid}))["ok"]
    assert (await peer.next("mod.notice"))["key"] == "sanction.lifted"
    assert "seq" in await peer.send(room)
    by_mod = await mod.call("mod.sanction", _sanction(room, "read_only", pseudonym="Peer",
                                                      reason_text="Let's take a pause"))
    assert by_mod["ok"]
    told = await peer.next("mod.notice")
    assert told["key"] == "sanction.read_only" and told["reason"]["fi"] == "Let's take a pause"
    assert (await peer.send(room))["error"] == "read_only"
    assert (await mod.call("mod.sanction", _sanction(room, "read_only", pseudonym="Peer",
                                                     reason_code="no_such")))["error"] \
        == "unknown_reason"
    await _close(peer, mod)


async def test_delete_message_pushes_a_tombstone(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    _server, _clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs)
    seq = str((await peer.send(room))["seq"])
    reply = await mod.call("mod.sanction", _sanction(room, "delete_message", message_id=seq))
    assert reply["ok"], reply
    for who in (peer, mod):
        tomb = await who.next("room.tombstone")
        assert tomb == {"room": room, "key": "room.message_removed", "params": {},
                        "message_id": seq}
    await _close(peer, mod)


STAFF_REQUESTS = [
    ("mute", {"pseudonym": "Peer", "minutes": 5}),
    ("remove", {"pseudonym": "Peer"}),
    ("ban", {"pseudonym": "Peer", "days": 2, "appeal_note": "Write to us"}),
    ("slow_mode", {"seconds": 30}),
    ("lock", {}),
    ("read_only", {"pseudonym": "Peer"}),
    ("delete_message", {"message_id": "1"}),
]


async def test_every_staff_event_is_refused_to_a_peer_and_a_moderator_of_another_room(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, clock, (mod, elsewhere), peer, room = await _room(live_server_factory,
                                                              backend_kwargs, n_mods=2)
    await elsewhere.join("small")
    bystander = await ModPeer.connect(server.url, "Bystander")
    await bystander.join()
    existing = await mod.call("mod.sanction", _sanction(room, "slow_mode", seconds=5))
    sid = existing["sanction"]["sanction_id"]
    before = await server.services.stores.sanctions.for_room(room, "Peer")
    for kind, fields in STAFF_REQUESTS:
        for actor, code in ((bystander, "not_staff"), (elsewhere, "not_room_moderator")):
            if kind == "read_only" and actor is bystander:
                code = "not_self"
            reply = await actor.call("mod.sanction", _sanction(room, kind, **fields))
            assert reply.get("error") == code, (kind, actor.pseudonym, reply)
    assert (await bystander.call("mod.lift", {"sanction_id": sid}))["error"] == "not_staff"
    assert (await elsewhere.call("mod.lift", {"sanction_id": sid}))["error"] \
        == "not_room_moderator"
    for event, payload in (("mod.duty", {"on": True}), ("alert.ack", {"alert_id": "al-x"}),
                           ("flag", {"room": room, "message_id": "1", "source": "moderator",
                                     "pseudonym": "Peer", "severity": 3,
                                     "categories": ["x"], "rule_ids": []})):
        assert (await bystander.call(event, payload))["error"] == "not_moderator"
    staff = await mod.call("mod.sanction", _sanction(room, "mute", pseudonym="Mod0",
                                                     minutes=5))
    assert staff["error"] == "target_is_staff"
    assert await server.services.stores.sanctions.for_room(room, "Peer") == before
    assert await server.services.stores.duty.on_duty() == set()
    clock.advance(10)
    assert "seq" in await peer.send(room)
    await _close(peer, mod, elsewhere, bystander)


async def test_a_moderated_room_goes_read_only_when_the_last_moderator_leaves(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    _server, _clock, (mod,), peer, room = await _room(live_server_factory, backend_kwargs,
                                                    start=EVENING, group="nightly")
    assert "seq" in await peer.send(room)
    assert (await mod.call("group.leave", {"room": room}))["ok"]
    notice = await peer.next("room.notice")
    assert notice == {"room": room, "key": "room.moderator_left", "params": {}}
    refused = await peer.send(room)
    assert refused["error"] == "moderator_absent"
    assert refused["notice"]["key"] == "refusal.moderator_absent"
    await mod.join("nightly")
    assert (await peer.next("room.notice"))["key"] == "room.moderator_back"
    assert "seq" in await peer.send(room)
    await asyncio.sleep(0)
    await _close(peer, mod)
