"""A disabled staff account, on both backends (issue 15): `admin disable` (the staff service's
`disable`, which the CLI calls) ends its live socket (`staff.session_ended`), its cookie no
longer signs in over HTTP or on a socket, a moderator leaves the duty pool and the report
recipients, and a counsellor's open cases go back to the queue (offered to a colleague at once,
the person told) or stay with their counsellor when a transfer was asked of the disabled one:
no case is lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from moderation.audit import AuditRow
from server.app import STAFF
from server.domain.ids import user_id
from server.handlers.offboard import release_disabled
from server.handlers.staff_socket import STAFF_COOKIE
from server.wire.errors import ApiError
from tests.fixtures.server import REPO_ROOT, LiveServerFactory, write_test_config
from tests.reliability.test_authz_matrix import key_bundle
from tests.server.cases_harness import FAST_STAFF, ask, clock, make_counsellor, until
from tests.server.harness import Peer
from tests.server.mod_harness import (
    STAFF_PASSWORD,
    ModPeer,
    connect_staff,
    self_flag,
    staff_token,
)


async def _session_status(url: str, token: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(
            f"{url}/api/staff/session", headers={"Cookie": f"{STAFF_COOKIE}={token}"}) as resp:
        return resp.status


async def _ended(peer: Peer) -> None:
    assert (await peer.next("staff.session_ended"))["error"] == "session_expired"


async def test_a_disabled_moderator_is_signed_out_and_off_duty(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    token = await staff_token(server, "Olli")
    olli = await ModPeer.connect(server.url, staff_token=token)
    mira = await connect_staff(server, "Mira")
    peer = await ModPeer.connect(server.url, "Aamu")
    try:
        assert (await mira.call("mod.duty", {"on": True}))["ok"]
        assert (await olli.call("keys.publish", key_bundle()))["ok"]
        room = await olli.join()
        assert (await olli.call("mod.duty", {"on": True}))["on_duty"] is True
        assert (await peer.call("group.join", {"group_id": "open"}))["ok"]
        await server.scheduler.tick()
        on = await peer.call("report.recipients", {"room": room})
        assert [r["pseudonym"] for r in on["recipients"]] == ["Olli"]
        await olli.call("group.leave", {"room": room})  # on duty, not in the room
        assert user_id(olli.identity_key) in await server.services.stores.duty.on_duty()

        await server.app[STAFF].disable("Olli")
        await server.scheduler.tick()
        await _ended(olli)
        assert user_id(olli.identity_key) not in await server.services.stores.duty.on_duty()
        # A report of the room is sealed to nobody disabled; no alert is routed to them.
        assert (await peer.call("report.recipients", {"room": room}))["recipients"] == []
        # A level-4 alert goes to everyone on duty at once: Mira, and not the disabled account.
        sent = await peer.send(room)
        flagged = await peer.call("flag", self_flag(room, str(sent["seq"]), severity=4))
        assert flagged["ok"], flagged
        assert (await mira.next("mod.alert"))["alert_id"] == flagged["alert_id"]
        alerts = await server.services.stores.alerts.active()
        assert [a.sent_to for a in alerts] == [(user_id(mira.identity_key),)]
        # The cookie signs in nowhere any more; the password neither.
        assert await _session_status(server.url, token) == 401
        again = await Peer.connect(server.url, auth=False, staff_token=token)
        assert (await again.authenticate())["error"] == "session_expired"
        await again.close()
        with pytest.raises(ApiError) as refused:
            await server.app[STAFF].login("Olli", STAFF_PASSWORD, None)
        assert refused.value.code == "login_failed"
        rows = [r.entry for r in await server.services.stores.audit.rows()
                if isinstance(r, AuditRow)]
        assert any(e.action == "duty_off" and e.details.get("code") == "disabled" for e in rows)
    finally:
        for p in (olli, mira, peer):
            await p.close()


async def test_a_disabled_counsellors_cases_go_back_without_being_lost(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    anna = await make_counsellor(server, "Anna", capacity=2)
    aamu = await Peer.connect(server.url, "Aamu")
    ilta = await Peer.connect(server.url, "Ilta")
    bengt = None
    try:
        held = (await ask(aamu, level=3))["case_code"]
        assert (await anna.call("case.claim", {"case_id": held}))["ok"]
        await aamu.next("case.counsellor")
        bengt = await make_counsellor(server, "Bengt", capacity=2)
        asked = (await ask(ilta, level=2))["case_code"]
        assert (await bengt.call("case.claim", {"case_id": asked}))["ok"]
        assert (await bengt.call("case.transfer", {"case_id": asked, "to": "Anna"}))["ok"]
        await anna.next("case.transfer_offer")
        aamu.drain("case.update")  # only what comes after the disable counts

        await server.app[STAFF].disable("Anna")
        await server.scheduler.tick()
        await _ended(anna)
        # Anna's case is back in the queue, keeping its wait, and offered to Bengt at once.
        offer = await until(bengt, "case.offer", lambda o: o["case"]["case_id"] == held)
        assert offer["case"]["level"] == 3
        status = await until(aamu, "case.update",
                             lambda u: u["state"] in ("queued", "offered"))
        assert status["case_code"] == held and status["counsellor"] is None
        # The transfer asked of Anna is declined: Ilta's case stays with Bengt.
        assert (await bengt.next("case.transferred")) == {"case_id": asked, "accepted": False}
        listed = await bengt.call("case.list", {})
        assert {c["case_id"] for c in listed["mine"]} == {asked}
        assert [c["case_id"] for c in listed["queue"]] == [held]
        record = await server.services.stores.cases.counsellor(user_id(anna.identity_key))
        assert record is not None and not record.available
        # Bengt takes it: the person is told who their counsellor is now.
        assert (await bengt.call("case.claim", {"case_id": held}))["ok"]
        assert (await until(aamu, "case.counsellor", lambda _: True))["counsellor"]["name"] \
            == "Bengt"
        # Once done, the next ticks change nothing (every process ticks; each change lands once).
        assert await release_disabled(server.services) == 0
    finally:
        for p in (anna, bengt, aamu, ilta):
            if p is not None:
                await p.close()


async def test_disabling_a_counsellor_who_is_offline_still_frees_their_cases(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    anna = await connect_staff(server, "Anna", role="counsellor")
    assert (await anna.call("counsellor.availability", {"available": True}))["ok"]
    aamu = await Peer.connect(server.url, "Aamu")
    try:
        held = (await ask(aamu, level=2))["case_code"]
        assert (await anna.call("case.claim", {"case_id": held}))["ok"]
        await anna.close()  # gone home: set away, the case still hers
        await server.scheduler.tick()
        case = await server.services.stores.cases.get(held)
        assert case is not None and case.counsellor == user_id(anna.identity_key)
        await server.app[STAFF].disable("Anna")
        await server.scheduler.tick()
        case = await server.services.stores.cases.get(held)
        assert case is not None and case.state.value == "queued" and case.counsellor is None
    finally:
        await aamu.close()


async def test_the_admin_command_disables_from_its_own_process(
        live_server_factory: LiveServerFactory, redis_url: str, tmp_path: Path) -> None:
    """`python -m server admin disable NAME` in a subprocess on the deployment's Redis: the
    running server's next tick ends the socket and hands the case back."""
    data = tmp_path / "shared-data"
    server = await live_server_factory(data, **FAST_STAFF, clock=clock(), run_scheduler=False,
                                       redis_url=redis_url)
    anna = await make_counsellor(server, "Anna")
    aamu = await Peer.connect(server.url, "Aamu")
    try:
        held = (await ask(aamu, level=2))["case_code"]
        assert (await anna.call("case.claim", {"case_id": held}))["ok"]
        await aamu.next("case.counsellor")
        aamu.drain("case.update")  # only what comes after the disable counts
        config = write_test_config(tmp_path / "cli-config")
        env = {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
               "REDIS_URL": redis_url}
        done = await asyncio.to_thread(subprocess.run, [
            sys.executable, "-m", "server", "admin", "disable", "Anna", "--config", str(config),
            "--data-dir", str(data)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "disabled Anna; 1 session(s) ended"
        await server.scheduler.tick()
        await _ended(anna)
        status = await until(aamu, "case.update", lambda u: u["state"] == "queued")
        assert status["case_code"] == held and status["counsellor"] is None
        case = await server.services.stores.cases.get(held)
        assert case is not None and case.state.value == "queued" and case.counsellor is None
    finally:
        await anna.close()
        await aamu.close()


async def test_an_alert_only_the_disabled_moderator_had_goes_to_everyone_on_duty_at_once(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    olli = await connect_staff(server, "Olli")
    peer = await ModPeer.connect(server.url, "Aamu")
    mira = None
    try:
        assert (await olli.call("mod.duty", {"on": True}))["ok"]
        room = await peer.join()
        sent = await peer.send(room)
        flagged = await peer.call("flag", self_flag(room, str(sent["seq"]), severity=3))
        assert (await olli.next("mod.alert"))["alert_id"] == flagged["alert_id"]
        mira = await connect_staff(server, "Mira")
        assert (await mira.call("mod.duty", {"on": True}))["ok"]
        await server.app[STAFF].disable("Olli")
        await server.scheduler.tick()  # the clock has not moved: no deadline has passed
        again = await mira.next("mod.alert")
        assert again["alert_id"] == flagged["alert_id"] and again["widened"] == 1
    finally:
        for p in (olli, mira, peer):
            if p is not None:
                await p.close()
