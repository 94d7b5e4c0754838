"""Flags and alerts over a real server, on both stores (issue 10, "Flags and alerts")."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.clock import FakeClock
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import ModPeer, connect_staff, new_key, self_flag


async def _setup(factory: LiveServerFactory, backend: dict[str, Any], n_mods: int = 1,
                 **kw: Any) -> tuple[Any, list[ModPeer], list[Any]]:
    keys = [new_key() for _ in range(n_mods)]
    server = await factory(**backend, **kw)
    mods = [await connect_staff(server, f"Mod{i}", key=k) for i, k in enumerate(keys)]
    return server, mods, keys


async def test_crisis_flag_alerts_the_room_moderator_within_a_second(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, (mod,), _ = await _setup(live_server_factory, backend_kwargs)
    peer = await ModPeer.connect(server.url, "Writer")
    room = await mod.join()
    assert await peer.join() == room
    sent = await peer.send(room)
    started = time.perf_counter()
    reply = await peer.call("flag", self_flag(room, str(sent["seq"]), severity=3))
    alert = await mod.next("mod.alert", timeout=1.0)
    latency = time.perf_counter() - started
    print(f"\nflag -> alert latency ({'redis' if backend_kwargs else 'embedded'}): "
          f"{latency * 1000:.1f} ms")
    assert latency < 1.0
    assert reply["ok"] and reply["raised"] and reply["alert_id"] == alert["alert_id"]
    assert alert["room"] == room and alert["pseudonym"] == "Writer"
    assert alert["severity"] == 3 and alert["source"] == "self"
    assert alert["categories"] == ["self_harm"] and alert["history"]["flagged_messages"] == 1
    metrics = server.services.metrics.render(open_rooms=0, inbox_size=0, members=0)
    assert 'iltapiiri_flags_total{level="3"} 1' in metrics
    assert 'iltapiiri_alerts_opened_total{level="3"} 1' in metrics
    assert "Writer" not in metrics and room not in metrics
    for p in (peer, mod):
        await p.close()


async def test_flags_about_one_message_make_one_alert_and_a_raise_reroutes(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, (mod,), _ = await _setup(live_server_factory, backend_kwargs)
    peer = await ModPeer.connect(server.url, "Writer")
    room = await mod.join()
    await peer.join()
    mid = str((await peer.send(room))["seq"])
    first = await peer.call("flag", self_flag(room, mid, severity=2))
    await mod.next("mod.alert")
    again = await peer.call("flag", self_flag(room, mid, severity=2))
    same = await mod.call("flag", {**self_flag(room, mid, severity=2), "source": "moderator",
                                   "pseudonym": "Writer"})
    assert again["ok"] and not again["raised"] and same["ok"] and not same["raised"]
    await mod.nothing("mod.alert")
    higher = await mod.call("flag", {**self_flag(room, mid, severity=3), "source": "moderator",
                                     "pseudonym": "Writer"})
    assert higher["raised"] and higher["alert_id"] == first["alert_id"]
    raised = await mod.next("mod.alert")
    assert raised["severity"] == 3 and sorted(raised["sources"]) == ["moderator", "self"]
    mismatch = await mod.call("flag", {**self_flag(room, mid), "source": "moderator",
                                       "pseudonym": "Someone"})
    assert mismatch["error"] == "flag_mismatch"
    for p in (peer, mod):
        await p.close()


async def test_bad_flags_get_stable_codes_and_change_nothing(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, (mod,), _ = await _setup(live_server_factory, backend_kwargs)
    peer = await ModPeer.connect(server.url, "Writer")
    room = await mod.join()
    await peer.join()
    cases = [
        ({**self_flag(room, "1"), "text": "I want to end it"}, "bad_request"),
        ({**self_flag(room, "1"), "body": "x"}, "bad_request"),
        (self_flag("direct", "1"), "direct_not_flagged"),
        (self_flag(room, "1", severity=1), "below_flag_level"),
        (self_flag(room, "1", severity=5), "bad_severity"),
        (self_flag(room, "1", categories=()), "bad_field"),
        (self_flag("small/2026-01-01", "1"), "not_in_room"),
        ({**self_flag(room, "1"), "source": "moderator", "pseudonym": "Mod0"}, "not_moderator"),
        ({**self_flag(room, "1"), "source": "report"}, "bad_source"),
        ({**self_flag(room, "1"), "severity": "3"}, "bad_request"),
        ("not an object", "bad_request"),
    ]
    for payload, code in cases:
        reply = await peer.call("flag", payload)
        assert reply["error"] == code, (payload, reply)
    await mod.nothing("mod.alert")
    assert await server.services.stores.flags.get(room, "1") is None
    ok = await peer.send(room)  # the connection and the room go on
    assert "seq" in ok
    for p in (peer, mod):
        await p.close()


async def test_level_four_goes_to_everyone_on_duty_at_once(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, mods, _ = await _setup(live_server_factory, backend_kwargs, n_mods=3)
    in_room, pool_a, pool_b = mods
    for m in (pool_a, pool_b):
        assert (await m.call("mod.duty", {"on": True}))["on_duty"] is True
    peer = await ModPeer.connect(server.url, "Writer")
    room = await in_room.join()
    await peer.join()
    mid = str((await peer.send(room))["seq"])
    await peer.call("flag", self_flag(room, mid, severity=4, categories=("suicide",)))
    got = await asyncio.gather(*(m.next("mod.alert", timeout=1.0) for m in mods))
    assert {a["severity"] for a in got} == {4} and {a["audience"] for a in got} == {"duty"}
    refused = await peer.call("mod.duty", {"on": True})
    assert refused["error"] == "not_moderator"
    for p in (peer, *mods):
        await p.close()


async def test_an_unacknowledged_alert_is_resent_wider_by_the_scheduler(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    clock = FakeClock(time.time())
    server, mods, _ = await _setup(live_server_factory, backend_kwargs, n_mods=3, clock=clock,
                                   run_scheduler=False)
    in_room = mods[0]
    for m in mods[1:]:
        await m.call("mod.duty", {"on": True})
    peer = await ModPeer.connect(server.url, "Writer")
    room = await in_room.join()
    await peer.join()
    mid = str((await peer.send(room))["seq"])
    await peer.call("flag", self_flag(room, mid, severity=2))
    first = await in_room.next("mod.alert")
    pooled = [m for m in mods[1:] if not m.pushes["mod.alert"].empty()]
    await asyncio.sleep(0.2)
    pooled = [m for m in mods[1:] if not m.pushes["mod.alert"].empty()]
    assert len(pooled) == 1  # pool_size = 1
    left_out = next(m for m in mods[1:] if m not in pooled)
    pooled[0].drain("mod.alert")
    await server.scheduler.tick()  # not due yet: nothing sent
    await left_out.nothing("mod.alert", 0.2)
    clock.advance(61)
    await server.scheduler.tick()
    widened = await left_out.next("mod.alert")
    assert widened["alert_id"] == first["alert_id"] and widened["widened"] == 1
    assert widened["audience"] == "duty"
    ack = await left_out.call("alert.ack", {"alert_id": first["alert_id"]})
    assert ack["ok"] and ack["state"] == "acknowledged"
    update = await in_room.next("mod.alert_update")
    assert update["by"] == left_out.pseudonym
    again = await in_room.call("alert.ack", {"alert_id": first["alert_id"]})
    assert again["error"] == "alert_already_acknowledged"
    assert (await peer.call("alert.ack", {"alert_id": first["alert_id"]}))["error"] \
        == "not_moderator"
    assert (await in_room.call("alert.ack", {"alert_id": "al-nope"}))["error"] == "unknown_alert"
    clock.advance(120)
    in_room.drain("mod.alert")
    await server.scheduler.tick()
    await in_room.nothing("mod.alert", 0.2)  # acknowledged: no more re-sends
    metrics = server.services.metrics.render(open_rooms=0, inbox_size=0, members=0)
    assert 'iltapiiri_alerts_resent_total{level="2"} 1' in metrics
    for p in (peer, *mods):
        await p.close()


async def test_the_night_end_expires_alerts_and_drops_the_risk_history(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    evening = datetime(2026, 6, 10, 19, 30, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
    clock = FakeClock(evening)
    server, (mod,), _ = await _setup(live_server_factory, backend_kwargs, clock=clock,
                                     run_scheduler=False)
    peer = await ModPeer.connect(server.url, "Writer")
    room = await mod.join("nightly")
    await peer.join("nightly")
    for _ in range(2):
        mid = str((await peer.send(room))["seq"])
        await peer.call("flag", self_flag(room, mid, severity=3))
    second = await mod.next("mod.alert")
    second = await mod.next("mod.alert")
    assert second["history"]["flagged_messages"] == 2 and second["history"]["highest"] == 3
    stores = server.services.stores
    assert len(await stores.flags.of_night("2026-06-10", "Writer")) == 2
    assert len(await stores.alerts.active()) == 2
    clock.set(evening + 61 * 60)  # 20:31: the night ended at 20:30
    await server.scheduler.tick()
    await mod.nothing("mod.alert", 0.2)  # expired with the night, not re-sent first
    assert await stores.flags.of_night("2026-06-10", "Writer") == []
    assert await stores.flags.get(room, mid) is None
    assert await stores.alerts.active() == []
    for p in (peer, mod):
        await p.close()
