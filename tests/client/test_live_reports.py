"""Reports that prove themselves, over a real server on both stores: a peer reports a message
it received; the moderator's StaffClient opens its own box and sees "verified" for the true
message, and "could not be verified" for an altered text or a message that was never sent.
Repeats are de-duplicated, reports are rate limited, and only room members can report."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest

from client import PeerClient, StaffClient
from client.errors import ClientError
from client.reports import NO_MODERATORS, send_report
from e2ee.franking import make_commitment
from moderation.audit import AuditRow
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.mod_harness import STAFF_PASSWORD, self_flag, staff_token


@pytest.fixture(params=["embedded", "redis"])
def backend_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


async def _room(factory: LiveServerFactory, backend: dict[str, Any]
                ) -> tuple[LiveServer, StaffClient, PeerClient, PeerClient]:
    server = await factory(**backend)
    await staff_token(server, "Ohjaaja Olli")
    staff = await StaffClient.login(server.url, "Ohjaaja Olli", STAFF_PASSWORD)
    writer, reporter = await PeerClient.connect(server.url), await PeerClient.connect(server.url)
    return server, staff, writer, reporter


async def test_a_true_report_verifies_and_a_forged_one_does_not(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    _server, staff, writer, reporter = await _room(live_server_factory, backend_kwargs)
    try:
        await staff.join_group("open")
        gw, gr = await writer.join_group("open"), await reporter.join_group("open")
        await gw.send("annan sinun osoitteesi kaikille")
        received = await gr.next_message(10)
        answer = await gr.report(received, "harassment", note="uhkaus")
        assert answer["stamped"] is True and answer["duplicate"] is False
        assert answer["recipients"] == 1
        true = await staff.next_report(5)
        assert true.verified and true.text == "annan sinun osoitteesi kaikille"
        assert true.sender == writer.pseudonym and true.reason == "harassment"
        assert true.note == "uhkaus" and true.summary.startswith("verified: this exact message")
        assert true.sent_at == received.sent_at
        # A stamped report also raises the message's alert, source "report", at level 2.
        alert = await staff.next_alert(5)
        assert (alert.source, alert.severity, alert.categories) == ("report", 2, ("harassment",))
        assert alert.pseudonym == writer.pseudonym and alert.message_id == str(received.seq)
        # The same report again: the first id, nobody pushed again.
        again = await gr.report(received, "harassment")
        assert again["duplicate"] is True and again["report_id"] == answer["report_id"]
        # Altered text under the real commitment and stamp (from another member of the room):
        # the relay's stamp holds, the text does not match the commitment.
        assert received.franking is not None and received.seq is not None
        altered = dataclasses.replace(received.franking, text="annan osoitteeni kaikille")
        forged = await send_report(writer._session.request, altered, received.seq, "other")
        assert forged["stamped"] is True and forged["duplicate"] is False
        shown = await staff.next_report(5)
        assert not shown.verified and shown.summary == "could not be verified"
        # A message never sent: a commitment of the reporter's own making, no relay stamp.
        key = os.urandom(32)
        fake = dataclasses.replace(
            received.franking, text="Olli uhkaili minua", franking_key=key,
            commitment=make_commitment(key, gr.room, received.franking.sender_key,
                                       received.franking.message_ref, "Olli uhkaili minua"),
            stamp=os.urandom(32))
        never = await send_report(reporter._session.request, fake, received.seq, "other")
        assert never["stamped"] is False
        unsent = await staff.next_report(5)
        assert not unsent.verified and unsent.text == "Olli uhkaili minua"
    finally:
        for c in (writer, reporter):
            await c.close()
        await staff.close()


async def test_reports_need_a_reader_a_room_and_a_slow_hand(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    _server, staff, writer, reporter = await _room(live_server_factory, backend_kwargs)
    try:
        gw, gr = await writer.join_group("open"), await reporter.join_group("open")
        await gw.send("viesti")
        received = await gr.next_message(10)
        with pytest.raises(ClientError) as nobody:  # no moderator in the room, none on duty
            await gr.report(received, "other")
        assert nobody.value.code == NO_MODERATORS
        await staff.go_on_duty()  # on duty, not in the room: reports reach them all the same
        assert (await gr.report(received, "crisis"))["recipients"] == 1
        assert (await staff.next_report(5)).verified
        # A reported crisis is a level 3 alert, source "report", routed to the on-duty pool.
        alert = await staff.next_alert(5)
        assert (alert.source, alert.severity, alert.categories) == ("report", 3, ("crisis",))
        assert alert.pseudonym == writer.pseudonym and alert.message_id == str(received.seq)
        assert received.franking is not None and received.seq is not None
        codes = []
        for i in range(6):  # distinct (forged) commitments: not duplicates, so rate counted
            fake = dataclasses.replace(received.franking, commitment=os.urandom(32))
            try:
                await send_report(reporter._session.request, fake, received.seq + i, "other")
                codes.append("ok")
            except ClientError as err:
                codes.append(err.code)
        assert codes[:4] == ["ok"] * 4 and codes[-1] == "rate_limited"
        await gr.leave()
        with pytest.raises(ClientError) as outside:
            await send_report(reporter._session.request, received.franking, received.seq,
                              "other")
        assert outside.value.code == "not_in_room"
    finally:
        for c in (writer, reporter):
            await c.close()
        await staff.close()


async def test_a_report_pointed_at_another_persons_flagged_message_is_delivered_not_refused(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    """The relay's stamp covers sender, room, time and commitment, not the message id: a true
    message of one person reported under the id of another person's flagged message cannot
    join that message's alert (flag_mismatch). The report is still delivered and audited, and
    the reporter is answered as delivered, not with an error after the push went out."""
    server, staff, writer, reporter = await _room(live_server_factory, backend_kwargs)
    other = await PeerClient.connect(server.url)
    try:
        await staff.join_group("open")
        gw, go = await writer.join_group("open"), await other.join_group("open")
        gr = await reporter.join_group("open")
        await gw.send("ihan tavallinen viesti")
        flagged = await gr.next_message(10)
        assert flagged.seq is not None
        raised = await writer._session.request("flag", self_flag(gw.room, str(flagged.seq)))
        assert raised["raised"] is True
        assert (await staff.next_alert(5)).source == "self"
        await go.send("toisen ihmisen viesti")
        true = await gr.next_message(10)
        assert true.franking is not None and true.sender == other.pseudonym
        answer = await send_report(reporter._session.request, true.franking, flagged.seq,
                                   "crisis")
        assert answer["stamped"] is True and answer["recipients"] == 1, answer
        assert (await staff.next_report(5)).sender == other.pseudonym
        with pytest.raises(TimeoutError):
            await staff.next_alert(1)  # nothing joined or re-raised the writer's alert
        reports = [r.entry for r in await server.services.stores.audit.rows()
                   if isinstance(r, AuditRow) and r.entry.action == "report"]
        assert [e.details["message_id"] for e in reports] == [str(flagged.seq)]
    finally:
        for c in (writer, reporter, other):
            await c.close()
        await staff.close()
