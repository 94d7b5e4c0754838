"""A message's flags belong to its writer (issue 10), over a real server on both stores: the
relay binds each room seq to the pseudonym it stamped at send, so a member who flags another's
message first, a self flag or a stamped report of someone else's message under that id, is
refused (or raises nothing) and takes no id, and the writer's own level-4 flag then counts.
A moderator's flag naming the wrong writer is `flag_mismatch`; a message the relay never sent
is `unknown_message`."""

from __future__ import annotations

from typing import Any

import pytest

from client import PeerClient, StaffClient
from client.errors import ClientError
from client.reports import send_report
from tests.client.test_live_reports import _room
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import self_flag


@pytest.fixture(params=["embedded", "redis"])
def backend_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


async def _refused(client: PeerClient | StaffClient, payload: dict[str, Any]) -> str:
    peer = client.peer if isinstance(client, StaffClient) else client
    with pytest.raises(ClientError) as refused:
        await peer._session.request("flag", payload)
    return refused.value.code


async def test_nobody_can_pre_empt_the_writers_own_crisis_flag(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server, staff, writer, attacker = await _room(live_server_factory, backend_kwargs)
    accomplice = await PeerClient.connect(server.url)
    flags = server.services.stores.flags
    try:
        await staff.join_group("open")
        gw, ga = await writer.join_group("open"), await attacker.join_group("open")
        gc = await accomplice.join_group("open")
        await gw.send("ihan tavallinen viesti")
        target = await ga.next_message(10)
        assert target.seq is not None and target.sender == writer.pseudonym
        seq = str(target.seq)
        # A self flag about the writer's message, at level 2: refused, and no id is taken.
        assert await _refused(attacker, self_flag(gw.room, seq, severity=2)) == "flag_mismatch"
        assert await flags.get(gw.room, seq) is None
        # A stamped report of the accomplice's true message under the writer's id: delivered
        # (the stamp checks), but it raises nothing and takes no id.
        await gc.send("toisen ihmisen viesti")
        other = await ga.next_message(10)
        assert other.franking is not None and other.sender == accomplice.pseudonym
        answer = await send_report(attacker._session.request, other.franking, target.seq,
                                   "crisis")
        assert answer["stamped"] is True and answer["recipients"] == 1, answer
        assert (await staff.next_report(5)).sender == accomplice.pseudonym
        assert await flags.get(gw.room, seq) is None
        # A moderator's flag naming someone else as the writer: refused the same way.
        wrong = {**self_flag(gw.room, seq, severity=2), "source": "moderator",
                 "pseudonym": accomplice.pseudonym}
        assert await _refused(staff, wrong) == "flag_mismatch"
        assert await flags.get(gw.room, seq) is None
        # The writer's own crisis flag counts, at level 4, and the moderator is alerted so.
        own = await writer._session.request("flag", self_flag(gw.room, seq, severity=4))
        assert own["raised"] is True and own["severity"] == 4, own
        alert = await staff.next_alert(5)
        assert (alert.source, alert.severity, alert.pseudonym) == ("self", 4, writer.pseudonym)
        stored = await flags.get(gw.room, seq)
        assert stored is not None and stored.pseudonym == writer.pseudonym
        # The moderator naming the right writer joins it.
        right = {**wrong, "pseudonym": writer.pseudonym}
        assert (await staff.peer._session.request("flag", right))["alert_id"] == own["alert_id"]
        # Never sent in this room: unknown, nothing stored.
        for missing in ("999", "0", "x1"):
            assert await _refused(writer, self_flag(gw.room, missing)) == "unknown_message"
            assert await flags.get(gw.room, missing) is None
    finally:
        for c in (writer, attacker, accomplice):
            await c.close()
        await staff.close()
