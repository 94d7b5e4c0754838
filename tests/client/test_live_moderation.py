"""The Python client's moderation side over a real server, on both stores: a crisis sentence
from a peer reaches the moderator in the room as an alert within a second (measured, printed);
the moderator's own client flags what it decrypts; sanctions and read-only tonight."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from client import PeerClient, StaffClient
from client.errors import ClientError
from client.moderation import ModeratorTools, detector_ready
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import STAFF_PASSWORD, staff_token


@pytest.fixture(params=["embedded", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


async def _moderated(factory: LiveServerFactory, backend: dict[str, Any], tmp_path: Path
                     ) -> tuple[Any, PeerClient, PeerClient]:
    server = await factory(**backend)
    await staff_token(server, "Ohjaaja Olli")  # the account, as `admin create-staff` makes it
    staff = await StaffClient.login(server.url, "Ohjaaja Olli", STAFF_PASSWORD,
                                    keystore=tmp_path / "moderator.keys", watch=False)
    mod = staff.peer
    peer = await PeerClient.connect(server.url)
    assert mod.role == "moderator"
    return server, mod, peer


async def test_a_crisis_sentence_alerts_the_room_moderator_within_a_second(
        live_server_factory: LiveServerFactory, backend: dict[str, Any], tmp_path: Path) -> None:
    server, mod, peer = await _moderated(live_server_factory, backend, tmp_path)
    tools = ModeratorTools(mod)
    try:
        gm = await mod.join_group("open")
        gp = await peer.join_group("open")
        await detector_ready()  # compiled in the background at join (about a second, once)
        started = time.perf_counter()
        await gp.send("I want to kill myself tonight")
        alert = await tools.next_alert(timeout=1.0)
        latency = time.perf_counter() - started
        print(f"\ncrisis sentence -> moderator alert ({'redis' if backend else 'embedded'}): "
              f"{latency * 1000:.1f} ms")
        assert latency < 1.0
        assert alert.room == gm.room and alert.pseudonym == peer.pseudonym
        assert alert.severity == 4 and alert.categories == ("suicide",)
        assert alert.source == "self"
        decrypted = await gm.next_message(5)
        assert decrypted.text == "I want to kill myself tonight"
        mine = await tools.flag(decrypted)  # the moderator's client flags the same message
        assert mine is not None and mine["alert_id"] == alert.alert_id and not mine["raised"]
        await tools.ack(alert.alert_id)
        tools.watch()  # from now on every decrypted message is checked
        await gp.send("I relapsed and feel hopeless")
        watched = await tools.next_alert(timeout=5)
        assert watched.severity == 2 and set(watched.sources) <= {"self", "moderator"}
        await gp.send("thanks for listening")  # level 0: no flag
        await gm.next_message(5)
        assert server.services.metrics.flags[4] >= 1 and server.services.metrics.flags[0] == 0
    finally:
        await peer.close()
        await mod.close()


async def test_mute_and_read_only_tonight_from_the_client(
        live_server_factory: LiveServerFactory, backend: dict[str, Any], tmp_path: Path) -> None:
    _server, mod, peer = await _moderated(live_server_factory, backend, tmp_path)
    other = await PeerClient.connect(_server.url)
    tools = ModeratorTools(mod)
    try:
        gm = await mod.join_group("open")
        gp = await peer.join_group("open")
        go = await other.join_group("open")
        muted = await tools.mute(gm.room, peer.pseudonym, 5, "disrespect")
        assert muted["kind"] == "mute"
        told = await peer.moderation.next("mod.notice", 5)
        assert told["key"] == "sanction.mute" and told["params"]["minutes"] == 5
        with pytest.raises(ClientError) as refused:
            await gp.send("hello?")
        assert refused.value.code == "muted"
        chosen = await go.read_only_tonight()
        assert chosen["self_chosen"] is True
        with pytest.raises(ClientError) as refused:
            await go.send("one more")
        assert refused.value.code == "read_only"
        await tools.slow_mode(gm.room, 10, "spam")
        notice = await other.moderation.next("room.notice", 5)
        assert notice["key"] == "room.slow_mode_on"
    finally:
        for c in (peer, other, mod):
            await c.close()
