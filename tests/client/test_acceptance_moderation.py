"""Issue 10's acceptance, over a real server on both backends (Redis on a real redis-server),
with the Python API the issue names: a peer writes a crisis sentence and a StaffClient
moderator in the room gets the alert with the right level and source within one second
(measured and printed); a true report verifies and a forged one does not; a mute refuses the
peer's messages until it expires by itself (fake clock); and a canary search finds none of the
plaintext in Redis, the SQLite files or the logs."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from typing import Any

import pytest

from client import PeerClient, StaffClient
from client.errors import ClientError
from client.moderation import detector_ready
from client.reports import send_report
from server.clock import FakeClock
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.fixtures.server import LiveServerFactory
from tests.server.mod_harness import STAFF_PASSWORD, staff_token

START = 1_795_000_000.0


@pytest.fixture(params=["embedded", "redis"])
def backend_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


async def test_issue_10_moderator_alert_report_mute_and_no_plaintext(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    backend = "redis" if backend_kwargs else "embedded"
    clock = FakeClock(START)
    server = await live_server_factory(clock=clock, **backend_kwargs)
    token = secrets.token_hex(8)
    crisis = f"I want to kill myself tonight {token}"
    abuse = f"annan sinun osoitteesi kaikille {token}"
    await staff_token(server, "Ohjaaja Olli")  # as `admin create-staff` would make it
    # The moderator's own flags are off here so the alert's source is the writer's own flag.
    staff = await StaffClient.login(server.url, "Ohjaaja Olli", STAFF_PASSWORD, watch=False)
    writer, reporter = await PeerClient.connect(server.url), await PeerClient.connect(server.url)
    try:
        await staff.go_on_duty()
        room = (await staff.join_group("open")).room
        gw, gr = await writer.join_group("open"), await reporter.join_group("open")
        await detector_ready()
        # The moderator badge is the server's signed word (membership v2), not a field.
        assert gr.roles == {"Ohjaaja Olli": "moderator", writer.pseudonym: "peer",
                            reporter.pseudonym: "peer"}

        # 1. A crisis sentence: the alert reaches the moderator in the room within a second.
        started = time.perf_counter()
        await gw.send(crisis)
        alert = await staff.next_alert(timeout=1.0)
        latency = time.perf_counter() - started
        print(f"\nissue 10 acceptance ({backend}): crisis sentence -> StaffClient alert "
              f"{latency * 1000:.1f} ms")
        assert latency < 1.0
        assert (alert.room, alert.pseudonym) == (room, writer.pseudonym)
        assert alert.severity == 4 and alert.source == "self"
        assert "suicide" in alert.categories

        # 2. Reports: the true message verifies, an altered one does not.
        await gr.next_message(10)  # the crisis sentence
        await gw.send(abuse)
        received = await gr.next_message(10)
        await gr.report(received, "harassment")
        true = await staff.next_report(5)
        assert true.verified and true.text == abuse and true.sender == writer.pseudonym
        assert received.franking is not None and received.seq is not None
        forged = dataclasses.replace(received.franking, text=f"Olli uhkaili minua {token}")
        await send_report(writer._session.request, forged, received.seq, "other")
        shown = await staff.next_report(5)
        assert not shown.verified and shown.summary == "could not be verified"

        # 3. A mute refuses the writer's messages until it expires by itself.
        muted = await staff.mute(room, writer.pseudonym, 5, "disrespect")
        assert muted["end"] == START + 300
        for step in (0, 299):
            clock.advance(step)
            with pytest.raises(ClientError) as refused:
                await gw.send("still there?")
            assert refused.value.code == "muted"
        clock.advance(1)
        await gw.send("back after the mute")
        assert (await gr.next_message(10)).text == "back after the mute"
    finally:
        for c in (writer, reporter):
            await c.close()
        await staff.close()

    # 4. The canary search: nothing of the plaintext anywhere the server keeps or logs.
    await server.stop()
    blobs = list(file_blobs([server.data_dir]))
    if backend_kwargs:
        blobs += list(redis_blobs(str(backend_kwargs["redis_url"])))
    else:
        assert any(name.endswith(".sqlite3") for name, _ in blobs), "no SQLite file searched"
    logs = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    blobs.append(("logs", logs.encode()))
    # The search reaches the stored data: it finds what we know is there.
    assert find(writer.pseudonym.encode(), blobs), "a pseudonym should be stored"
    for secret in (token, crisis, abuse):
        assert find(secret.encode(), blobs) == [], secret
