"""Data rights: a peer erases their pseudonym and everything the relay holds tied to it.

Two steps on one connection: `identity.erase_challenge` hands out a single-use challenge, and
`identity.erase` carries the identity key's signature over it (`e2ee.erase`), so a socket left
open or taken over cannot erase anyone without the private key. Then, in this order:

    rooms        every connection of the key leaves tonight's rooms (members told, as on leave);
                 then the Redis replay Streams of every room they could have been in go, whole
                 (their envelopes and the pushes naming them; the counters stay, so a member
                 whose fan-out needed the gap is told `room.resync`), and which of those
                 rooms' messages were theirs (the writer bound to each seq, for flags)
    keys         bundle and one-time prekeys
    inbox        envelopes queued for the key and by it
    moderation   flags of every night (risk history), alerts, mutes/removals/read-only; bans are
                 kept, re-keyed to `erased_name(key)` (a ban is reviewed and appealed later; a
                 name peers cannot choose, so no newcomer inherits it)
    cases        the open case ends (`person_erased`; its counsellor, and a colleague asked to
                 take it over, are pushed `case.ended`; a moderator's unanswered hand-off is told
                 `expired`; the queue moves); every finished case is kept only as
                 `escalation.case.anonymised` (no pseudonym, no room) until its retention ends
    identities   the binding (the name is free at once)

Kept, and why (docs/decisions.md, `python -m server admin retention`): the audit log, a hash
chain whose rows name actors and targets (rewriting a row would break the chain the operator
verifies; rows expire with the log's retention); the server's own aggregate metrics (counts);
finished cases without the pseudonym (the service's record of what it did, with the counsellor's
encrypted notes, which the server cannot read), deleted at the cases' retention.
The connection is spent: every later event but the disconnect answers `not_authenticated`.
"""

from __future__ import annotations

from typing import Any

from e2ee.erase import verify_erase
from e2ee.errors import DecodeError, SignatureError
from escalation import machine as m
from escalation.case import IN_SESSION, CaseState
from server.domain.ids import user_id, user_room
from server.domain.schedule import current_occurrence, previous_occurrence
from server.handlers import cases_flow as flow
from server.handlers.events import Budget, Event
from server.handlers.room_life import drop_connection, remove_sid
from server.handlers.services import Connection, Services, b64
from server.limits import CHALLENGE_BYTES
from server.wire.case_pushes import CaseEnded, CaseHandoff
from server.wire.errors import ApiError
from server.wire.identity import IdentityErase
from server.wire.requests import Empty


def erased_name(identity_key: bytes) -> str:
    """What a kept ban names after its holder erased themselves: the key's log id behind a
    colon, which no pseudonym may contain (server/domain/pseudonyms.py)."""
    return f"erased:{user_id(identity_key)}"


def _peers_only(conn: Connection) -> None:
    """A staff socket's name is its account's: an admin disables accounts (the audit needs
    them), a staff member cannot erase one from the socket."""
    if conn.staff is not None:
        raise ApiError("role_not_allowed", "staff accounts are not erased from the socket")


async def erase_challenge(services: Services, conn: Connection, _: Empty) -> dict[str, Any]:
    """A fresh challenge for `identity.erase` (replacing any earlier one)."""
    _peers_only(conn)
    conn.erase_challenge = services.rng.bytes(CHALLENGE_BYTES)
    return {"challenge": b64(conn.erase_challenge)}


async def erase(services: Services, conn: Connection, req: IdentityErase) -> dict[str, Any]:
    """Erase the connection's identity; the challenge is spent whether or not this succeeds."""
    _peers_only(conn)
    challenge, conn.erase_challenge = conn.erase_challenge, None
    if challenge is None:
        raise ApiError("no_challenge", "call identity.erase_challenge first")
    assert conn.identity_key is not None and conn.pseudonym is not None
    key, pseudonym = conn.identity_key, conn.pseudonym
    try:
        verify_erase(key, challenge, req.signature, services.keys.public_key)
    except (SignatureError, DecodeError):
        raise ApiError("bad_signature") from None
    conn.erased = True  # from here on the connection serves nothing else
    stores = services.stores
    joined = set(conn.rooms)
    for room in list(conn.rooms):
        await drop_connection(services, conn, room, event="left")
    await _leave_other_connections(services, key)
    tonight = _rooms_tonight(services, joined)
    await services.emitter.forget_replay(tonight, counters=False)
    await stores.rooms.erase_sender(tonight, pseudonym)  # which messages were theirs
    await stores.keys.erase(key)
    queued = await stores.inbox.erase(key)
    replacement = erased_name(key)
    rows = (await stores.flags.erase(pseudonym) + await stores.alerts.erase(pseudonym)
            + await stores.sanctions.erase(pseudonym, replacement))
    rows += await _end_cases(services, pseudonym)
    await stores.identities.erase(key)
    services.log.info("identity.erase", user_id=conn.user_id, count=queued + rows)
    return {"erased": True}


async def _end_cases(services: Services, pseudonym: str) -> int:
    """End the person's open case (`machine.person_erased`) and tell whoever it concerns, then
    keep their finished cases only without the pseudonym (`CaseStore.forget_person`). How many
    cases were rewritten."""
    open_case = await services.stores.cases.open_of(pseudonym)
    if open_case is not None:
        try:
            before, ended = await flow.change(services, open_case.id, lambda c: m.person_erased(
                c, now=services.clock.now()))
        except ApiError as err:  # it finished a moment ago (closed by its counsellor, expired)
            if err.code not in ("case_closed", "unknown_case"):
                raise
        else:
            if ended.outcome is not None:
                services.metrics.cases_closed[ended.outcome.value] += 1
            told = {before.counsellor, before.transfer_to} if before.state in IN_SESSION else set()
            for staff in sorted(s for s in told if s is not None):
                await services.emitter.emit(CaseEnded(case_id=ended.id, outcome="person_erased"),
                                            to=user_room(staff))
            if before.state is CaseState.CONSENT_PENDING and before.escalated_by is not None:
                await services.emitter.emit(CaseHandoff(case_id=ended.id, state="expired"),
                                            to=user_room(before.escalated_by))
            services.log.info("case.erased", level=ended.severity)
            await flow.queue_changed(services)
    return len(await services.stores.cases.forget_person(pseudonym))


async def _leave_other_connections(services: Services, key: bytes) -> None:
    """The key's connections elsewhere (another tab, another process) leave tonight's rooms."""
    now = services.clock.now()
    for group in services.settings.groups:
        room = current_occurrence(group, now).room
        for sid, holder in (await services.stores.rooms.sids(room)).items():
            if holder == key:
                await remove_sid(services, room, sid, event="left")


def _rooms_tonight(services: Services, joined: set[str]) -> list[str]:
    """Every room whose replay Stream can hold the person's packets: the rooms this connection
    was in, and the current and previous night's room of every group (a Stream outlives its
    last packet by an hour; a night's end deletes it)."""
    now = services.clock.now()
    rooms = set(joined)
    for group in services.settings.groups:
        rooms.add(current_occurrence(group, now).room)
        previous = previous_occurrence(group, now)
        if previous is not None:
            rooms.add(previous.room)
    return sorted(rooms)


EVENTS = (
    Event(name="identity.erase_challenge", decode=Empty.decode, rule=erase_challenge,
          budget=Budget.OTHER),
    Event(name="identity.erase", decode=IdentityErase.decode, rule=erase, budget=Budget.OTHER),
)
