"""The counsellor team key and the closing notes sealed to it (issue 11; docs/crypto.md 7.2).

    team_key.get   the team's epochs (public keys), my wraps, the team: each counsellor's
                   identity and X25519 key (with its signature) and the epochs they hold, and
                   `rotation_due`: a disabled account holds the newest epoch, so the next
                   counsellor client to sync makes the next one, wrapped to the team as it is;
                   `former`: identity keys of disabled accounts that hold wraps (the wraps they
                   made before they left still open: old notes stay readable)
    team_key.put   a counsellor makes the next epoch (the first sign-in, or a rotation) or
                   grants an epoch they hold to colleagues who lack it: wraps they signed
    case.notes     the encrypted closing notes of any case, to any counsellor of the team

The server never sees a team private key: it checks that each wrap is signed by the connection's
own identity key (e2ee verifies), names the epoch's public key and is sealed to an enabled
counsellor account's bound key, and keeps it (a disabled account is off the team, so a wrap to
its key is refused). "Rotation due" is not a flag to set and clear: it is read from the stored
wraps (both stores keep them durably), so it holds from the moment an admin disables the account
until an epoch its key never held is made, across restarts and processes (docs/decisions.md).
Peers and moderators are refused with
`not_counsellor` (a moderator is not on the counsellor team).
"""

from __future__ import annotations

import json
from typing import Any

from e2ee.errors import E2EEError
from e2ee.team import TeamKeyWrap, verify_wrap
from server.domain.roles import Role
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.wire.errors import ApiError
from server.wire.requests import Empty
from server.wire.team_requests import CaseNotes, TeamKeyPut


def _me(conn: Connection) -> bytes:
    if conn.role != Role.COUNSELLOR or conn.identity_key is None:
        raise ApiError("not_counsellor")
    return conn.identity_key


async def _team(services: Services) -> dict[bytes, str]:
    """identity key -> username of every enabled counsellor account bound to a device."""
    if services.staff is None:
        return {}
    return {key: name for name, key in (await services.staff.counsellor_keys()).items()}


async def _former(services: Services, epochs: dict[int, bytes]) -> tuple[bool, list[bytes]]:
    """Disabled accounts that hold wraps (counsellors who left), and whether one of them holds
    the newest epoch: then the team key must rotate before the next note is sealed."""
    if not epochs or services.staff is None:
        return False, []
    newest, due, former = max(epochs), False, []
    for key in sorted(await services.staff.disabled_keys()):
        held = {json.loads(w)["epoch"] for w in await services.stores.cases.team_wraps(key)}
        if held:
            former.append(key)
            due = due or newest in held
    return due, former


async def get(services: Services, conn: Connection, _: Empty) -> dict[str, Any]:
    """The epochs, my wraps, the team with their keys and the epochs they hold, whether a
    rotation is due, and the identity keys of counsellors who left (their old wraps still
    open, so colleagues keep reading the notes of before)."""
    me = _me(conn)
    store = services.stores.cases
    team = []
    for key, name in sorted((await _team(services)).items(), key=lambda kv: kv[1]):
        bundle = await services.stores.keys.get_bundle(key)
        if bundle is None:
            continue  # never published keys: nothing can be sealed to them yet
        held = [json.loads(w)["epoch"] for w in await store.team_wraps(key)]
        team.append({"name": name, "identity_key": b64(key), "dh_key": b64(bundle.dh_key),
                     "dh_sig": b64(bundle.dh_sig), "epochs": held})
    epochs = await store.team_keys()
    due, former = await _former(services, epochs)
    return {"epochs": [{"epoch": e, "team_key": b64(k)} for e, k in epochs.items()],
            "wraps": [json.loads(w) for w in await store.team_wraps(me)], "team": team,
            "rotation_due": due, "former": [b64(k) for k in former]}


def _check(wrap: TeamKeyWrap, req: TeamKeyPut, me: bytes, team: dict[bytes, str]) -> None:
    if wrap.epoch != req.epoch or wrap.team_key != req.team_key:
        raise ApiError("bad_request", "every wrap must name the request's epoch and key")
    if wrap.by != me:
        raise ApiError("bad_request", "a wrap must be signed by your own identity key")
    if wrap.to not in team:
        raise ApiError("not_counsellor", "a wrap must be sealed to a counsellor of the team")
    try:
        verify_wrap(wrap)
    except E2EEError:
        raise ApiError("bad_request", "a wrap's signature does not verify") from None


async def put(services: Services, conn: Connection, req: TeamKeyPut) -> dict[str, Any]:
    """Keep wraps of a new epoch (mine among them) or of an epoch already made."""
    me = _me(conn)
    team = await _team(services)
    for wrap in req.wraps:
        _check(wrap, req, me, team)
    if req.new and me not in {w.to for w in req.wraps}:
        raise ApiError("bad_request", "a new epoch must be wrapped to its maker too")
    wraps = {w.to: json.dumps(w.to_wire(), separators=(",", ":")) for w in req.wraps}
    if not await services.stores.cases.add_team_wraps(req.epoch, req.team_key, wraps,
                                                      new_epoch=req.new):
        raise ApiError("team_key_conflict")
    services.log.info("team_key.put", epoch=req.epoch, new=int(req.new), wraps=len(wraps))
    return {"epoch": req.epoch, "wraps": len(wraps)}


async def notes(services: Services, conn: Connection, req: CaseNotes) -> dict[str, Any]:
    """The case's closing notes, as ciphertext (any counsellor of the team may read them)."""
    _me(conn)
    if await services.stores.cases.get(req.case_id) is None:
        raise ApiError("unknown_case")
    return {"case_id": req.case_id,
            "notes": [b64(n) for n in await services.stores.cases.notes(req.case_id)]}


EVENTS = (
    Event(name="team_key.get", decode=Empty.decode, rule=get, budget=Budget.OTHER),
    Event(name="team_key.put", decode=TeamKeyPut.decode, rule=put, budget=Budget.OTHER),
    Event(name="case.notes", decode=CaseNotes.decode, rule=notes, budget=Budget.OTHER),
)
