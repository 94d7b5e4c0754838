"""The console's events over a real server on both stores (issue 10): `mod.sanctions` lists
what is in force in a room the moderator is in, until it ends by itself or is lifted; a peer and
a moderator outside the room learn nothing; `mod.debrief` tells the others on duty, no words."""

from __future__ import annotations

from typing import Any

from moderation.audit import AuditRow
from server.app import STAFF
from server.clock import FakeClock
from server.handlers.audit_log import check_chain
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import ModPeer, connect_staff
from tests.server.test_moderation_sanctions import NOON


async def test_the_sanctions_in_force_are_listed_until_they_end(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    clock = FakeClock(NOON)
    server = await live_server_factory(clock=clock, run_scheduler=False, **backend_kwargs)
    mod = await connect_staff(server, "Mod Yksi")
    outsider = await connect_staff(server, "Mod Kaksi")
    room = await mod.join("open")
    await outsider.join("small")
    peer = await ModPeer.connect(server.url, "Peer")
    await peer.join("open")
    try:
        assert (await mod.call("mod.sanctions", {"room": room}))["sanctions"] == []
        mute = await mod.call("mod.sanction", {"kind": "mute", "room": room, "pseudonym": "Peer",
                                               "minutes": 10, "reason_code": "spam"})
        slow = await mod.call("mod.sanction", {"kind": "slow_mode", "room": room,
                                               "seconds": 30, "reason_code": "spam"})
        assert mute["ok"] and slow["ok"], (mute, slow)
        removed = await mod.call("mod.sanction", {"kind": "delete_message", "room": room,
                                                  "message_id": "1", "reason_code": "spam"})
        assert removed["ok"], removed
        listed = (await mod.call("mod.sanctions", {"room": room}))["sanctions"]
        assert [s["kind"] for s in listed] == ["mute", "slow_mode"]  # soonest end first
        assert listed[0] == mute["sanction"]
        # Not a moderator, or not in that room: refused, nothing told.
        assert (await peer.call("mod.sanctions", {"room": room}))["error"] == "not_moderator"
        assert (await outsider.call("mod.sanctions", {"room": room}))["error"] == "not_in_room"
        assert (await mod.call("mod.sanctions", {}))["error"] == "bad_request"
        clock.advance(600)  # the mute ends by itself
        listed = (await mod.call("mod.sanctions", {"room": room}))["sanctions"]
        assert [s["kind"] for s in listed] == ["slow_mode"]
        assert (await mod.call("mod.lift", {"sanction_id": slow["sanction"]["sanction_id"]}))["ok"]
        assert (await mod.call("mod.sanctions", {"room": room}))["sanctions"] == []
    finally:
        for p in (peer, outsider, mod):
            await p.close()


async def test_a_debrief_request_tells_the_others_on_duty_without_words(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    clock = FakeClock(NOON)
    server = await live_server_factory(clock=clock, run_scheduler=False, **backend_kwargs)
    asker = await connect_staff(server, "Mod Yksi")
    lead = await connect_staff(server, "Mod Kaksi")
    off = await connect_staff(server, "Mod Kolme")
    peer = await ModPeer.connect(server.url, "Peer")
    try:
        first = await asker.call("mod.debrief", {})
        assert (first.get("notified"), first.get("told")) == (0, "nobody"), first
        for m in (asker, lead):
            assert (await m.call("mod.duty", {"on": True}))["ok"]
        reply = await asker.call("mod.debrief", {})
        assert reply == {"ok": True, "notified": 1, "told": "on_duty"}  # no lead: all on duty
        told = await lead.next("mod.debrief")
        assert told == {"by": "Mod Yksi", "at": NOON}
        await asker.nothing("mod.debrief", 0.1)  # not told about their own request
        await off.nothing("mod.debrief", 0.1)  # off duty: not told
        assert (await asker.call("mod.debrief", {"note": "raskas ilta"}))["error"] == "bad_request"
        assert (await peer.call("mod.debrief", {}))["error"] == "not_moderator"
        chain = await check_chain(server.services.stores.audit)
        assert chain.broken_at is None and chain.rows > 0
    finally:
        for p in (peer, off, lead, asker):
            await p.close()


async def test_a_debrief_goes_to_the_leads_on_duty_and_falls_back_to_everyone_on_duty(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    clock = FakeClock(NOON)
    server = await live_server_factory(clock=clock, run_scheduler=False, **backend_kwargs)
    staff = server.app[STAFF]
    asker = await connect_staff(server, "Mod Yksi")
    lead = await connect_staff(server, "Mod Kaksi")
    other = await connect_staff(server, "Mod Kolme")
    off_lead = await connect_staff(server, "Mod Nelja")
    try:
        await staff.set_lead("Mod Kaksi", True)
        await staff.set_lead("Mod Nelja", True)  # a lead, but off duty: not told
        await staff.set_lead("Mod Yksi", True)  # the asker being a lead changes nothing
        for m in (asker, lead, other):
            assert (await m.call("mod.duty", {"on": True}))["ok"]
        reply = await asker.call("mod.debrief", {})
        assert reply == {"ok": True, "notified": 1, "told": "leads"}
        assert (await lead.next("mod.debrief"))["by"] == "Mod Yksi"
        await other.nothing("mod.debrief", 0.1)
        await off_lead.nothing("mod.debrief", 0.1)
        # The lead goes off duty: everyone else on duty is told, and the reply says so.
        assert (await lead.call("mod.duty", {"on": False}))["ok"]
        reply = await asker.call("mod.debrief", {})
        assert reply == {"ok": True, "notified": 1, "told": "on_duty"}
        assert (await other.next("mod.debrief"))["by"] == "Mod Yksi"
        await lead.nothing("mod.debrief", 0.1)
        # Lead taken away: back on duty, Mod Kaksi is told only as one of everyone on duty.
        assert (await lead.call("mod.duty", {"on": True}))["ok"]
        await staff.set_lead("Mod Kaksi", False)
        reply = await asker.call("mod.debrief", {})
        assert reply == {"ok": True, "notified": 2, "told": "on_duty"}
        for m in (lead, other):
            assert (await m.next("mod.debrief"))["by"] == "Mod Yksi"
        rows = [r.entry for r in await server.services.stores.audit.rows()
                if isinstance(r, AuditRow) and r.entry.action == "debrief_request"]
        assert [dict(e.details) for e in rows] == [
            {"recipients": 1, "outcome": "leads"}, {"recipients": 1, "outcome": "on_duty"},
            {"recipients": 2, "outcome": "on_duty"}]
        assert (await staff.account("Mod Nelja")).lead  # stored on the account
        assert not (await staff.account("Mod Kaksi")).lead
    finally:
        for p in (off_lead, other, lead, asker):
            await p.close()
