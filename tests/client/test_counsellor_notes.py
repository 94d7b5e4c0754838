"""Closing notes sealed to the counsellor team key (issue 11; e2ee/team.py), on a real server
and both backends: the first counsellor's client makes the team key, a colleague who signs in
later is granted it, reads the note of a case the first one closed; a peer and a moderator are
refused (`not_counsellor`); and the canary search finds the note's words nowhere the server
wrote (Redis, SQLite, the log at DEBUG), while it does find the note's ciphertext."""

from __future__ import annotations

import base64
import json
import os
import secrets

import pytest

from client import PeerClient
from client.errors import ClientError
from client.staff import STAFF_COOKIE, StaffClient
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.client.test_counsellor_conversation import Capture, backend_kwargs, captured
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import staff_token

__all__ = ["backend_kwargs", "captured"]  # fixtures shared with the conversation test


async def _staff(server: LiveServer, name: str, role: str) -> StaffClient:
    token = await staff_token(server, name, role)
    peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    return StaffClient(server.url, peer, token, peer.role)


async def test_a_colleague_reads_the_note_and_nobody_else_can(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object],
        captured: Capture) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    canary = f"Muistiinpano {secrets.token_hex(12)} soitti kriisilinjalle"
    anna = await _staff(server, "Anna", "counsellor")
    bea = mod = person = None
    try:
        assert sorted(await anna.team.sync()) == [1]  # the first counsellor makes epoch 1
        bea = await _staff(server, "Bea", "counsellor")
        assert await bea.team.sync() == {}  # nobody has granted it to her yet
        mod = await _staff(server, "Mods", "moderator")
        person = await PeerClient.connect(server.url)

        await anna.set_available(capacity=1)
        esc = await person.request_counsellor(reason="alcohol", level=3)
        case = await anna.next_case(timeout=10)
        await case.claim()
        await esc.wait_for_counsellor(timeout=10)
        await case.close("supported", notes=canary)  # sealed on Anna's device; grants to Bea

        assert await bea.cases.notes(case.case_id) == [canary]
        assert await anna.cases.notes(case.case_id) == [canary]
        for who in (person.case_link, mod.peer.case_link):
            for event, payload in (("case.notes", {"case_id": case.case_id}),
                                   ("team_key.get", {})):
                with pytest.raises(ClientError) as refused:
                    await who.request(event, payload)
                assert refused.value.code == "not_counsellor", event

        # The server kept ciphertext, bound to its case: as another case's note it fails.
        stored = await server.services.stores.cases.notes(case.case_id)
        assert len(stored) == 1 and canary.encode() not in stored[0]
        reply = await bea.peer.case_link.request("case.notes", {"case_id": case.case_id})
        assert base64.b64decode(reply["notes"][0]) == stored[0]

        if backend_kwargs:
            blobs = list(redis_blobs(str(backend_kwargs["redis_url"])))
        else:
            blobs = list(file_blobs([server.data_dir]))
        blobs.append(("log", "\n".join(captured.lines).encode()))
        assert find(canary.encode(), blobs) == []
        assert find(canary.split()[1].encode(), blobs) == []
        # The search reaches the data: the note's ciphertext and the wraps are there.
        assert find(stored[0][-24:], blobs), "the sealed note was not found in the store"
        assert find(b"team_key.put", blobs), "the log was not searched"
    finally:
        for c in (anna, bea, mod):
            if c is not None:
                await c.close()
        if person is not None:
            await person.close()


async def test_a_wrap_must_be_signed_by_the_sender_and_sealed_to_the_team(
        live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False)
    anna = await _staff(server, "Anna", "counsellor")
    bea = await _staff(server, "Bea", "counsellor")
    try:
        await anna.team.sync()  # epoch 1, wrapped to both (both are on the team list)
        assert sorted(await bea.team.sync()) == [1]
        got = await anna.peer.case_link.request("team_key.get", {})
        wrap = got["wraps"][0]
        link = bea.peer.case_link
        bad = [
            ({"epoch": 1, "team_key": wrap["team_key"], "new": False, "wraps": [wrap]},
             "bad_request"),  # signed by Anna, sent by Bea
            ({"epoch": 2, "team_key": wrap["team_key"], "new": True, "wraps": [wrap]},
             "bad_request"),  # the wrap names epoch 1
            ({"epoch": 1, "team_key": wrap["team_key"], "new": False, "wraps": []},
             "bad_request"),
            ({"epoch": 1, "team_key": "AAAA", "new": False, "wraps": [wrap]}, "bad_request"),
        ]
        before = await server.services.stores.cases.team_keys()
        for payload, code in bad:
            with pytest.raises(ClientError) as refused:
                await link.request("team_key.put", payload)
            assert refused.value.code == code, payload
        assert await server.services.stores.cases.team_keys() == before
        # A rotation: epoch 2, wrapped to the team as it is; both hold both epochs.
        key2 = await bea.team.rotate()
        assert key2.epoch == 2 and sorted(await anna.team.sync()) == [1, 2]
    finally:
        await anna.close()
        await bea.close()


async def test_an_emergency_location_reaches_the_counsellor_only_end_to_end(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object],
        captured: Capture) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    place = f"Mannerheimintie {secrets.token_hex(6)} B 12, Helsinki"
    anna = await _staff(server, "Anna", "counsellor")
    person = await PeerClient.connect(server.url)
    try:
        await anna.set_available(capacity=1)
        esc = await person.request_counsellor(reason="alcohol", level=4)
        case = await anna.next_case(timeout=10)
        session = await case.claim()
        talk = await esc.wait_for_counsellor(timeout=10)
        with pytest.raises(ClientError):
            await talk.share_emergency("shoe_size", "42")  # only location or contact
        await talk.share_emergency("location", place)
        assert await session.next_emergency_share(10) == ("location", place)
        await talk.send("thank you")
        assert (await session.next_message(10)).text == "thank you"  # the chat goes on

        if backend_kwargs:
            blobs = list(redis_blobs(str(backend_kwargs["redis_url"])))
        else:
            blobs = list(file_blobs([server.data_dir]))
        blobs.append(("log", "\n".join(captured.lines).encode()))
        assert find(place.split()[1].encode(), blobs) == []
        assert find(b"case.claimed", blobs), "the log was not searched"
    finally:
        await anna.close()
        await person.close()


async def test_disabling_a_counsellor_rotates_the_team_key_away_from_them(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object]) -> None:
    """Offboarding (issue 11): after `admin disable Anna`, the next note is sealed to a new
    epoch wrapped to the remaining counsellors only; a colleague still reads old and new notes;
    a wrap to Anna's key is refused; the server says no rotation is due any more."""
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False,
                                       **backend_kwargs)
    anna = await _staff(server, "Anna", "counsellor")
    bea = await _staff(server, "Bea", "counsellor")
    cara = await _staff(server, "Cara", "counsellor")
    people: list[PeerClient] = []
    stores = server.services.stores.cases

    async def closed_by(staff: StaffClient, note: str) -> str:
        person = await PeerClient.connect(server.url)
        people.append(person)
        await staff.set_available(capacity=1)
        esc = await person.request_counsellor(reason="alcohol", level=3)
        case = await staff.next_case(timeout=10)
        await case.claim()
        await esc.wait_for_counsellor(timeout=10)
        await case.close("supported", notes=note)
        return case.case_id

    def epochs_of(wraps: list[str]) -> list[int]:
        return sorted(json.loads(w)["epoch"] for w in wraps)

    try:
        assert sorted(await anna.team.sync()) == [1]  # wrapped to all three at once
        first = await closed_by(anna, "vanha muistiinpano")
        anna_key = anna.peer.identity_key
        assert epochs_of(await stores.team_wraps(anna_key)) == [1]
        await anna.close()
        anna = None
        await server.services.staff.disable("Anna")
        reply = await bea.peer.case_link.request("team_key.get", {})
        assert reply["rotation_due"] is True  # durable: read from the stored wraps
        assert "Anna" not in [m["name"] for m in reply["team"]]

        second = await closed_by(bea, "uusi muistiinpano")  # Bea's sync makes epoch 2
        assert sorted(await stores.team_keys()) == [1, 2]
        assert epochs_of(await stores.team_wraps(anna_key)) == [1]  # never wrapped to Anna
        assert epochs_of(await stores.team_wraps(cara.peer.identity_key)) == [1, 2]
        note = (await stores.notes(second))[0]
        assert int.from_bytes(note[2:6], "big") == 2, "the new note is sealed to epoch 2"
        assert int.from_bytes((await stores.notes(first))[0][2:6], "big") == 1
        assert (await bea.peer.case_link.request("team_key.get", {}))["rotation_due"] is False
        assert await cara.cases.notes(first) == ["vanha muistiinpano"]
        assert await cara.cases.notes(second) == ["uusi muistiinpano"]

        # The server refuses a wrap to the disabled account's key (it is off the team).
        bundle = await server.services.stores.keys.get_bundle(anna_key)
        key2 = bea.team.keys[2]
        wrap = bea.team._crypto.make_wrap(key2, to=anna_key, dh_key=bundle.dh_key,
                                          rng=os.urandom)
        with pytest.raises(ClientError) as refused:
            await bea.peer.case_link.request("team_key.put", {
                "epoch": 2, "team_key": base64.b64encode(key2.public).decode(), "new": False,
                "wraps": [wrap.to_wire()]})
        assert refused.value.code == "not_counsellor"
        assert epochs_of(await stores.team_wraps(anna_key)) == [1]
    finally:
        for c in (anna, bea, cara):
            if c is not None:
                await c.close()
        for person in people:
            await person.close()
