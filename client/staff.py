"""A staff member's client: signed in over HTTP, then a room member like anyone (issue 10).

    staff = await StaffClient.login(url, "Olli", password, totp="123456")
    await staff.go_on_duty()
    group = await staff.join_group("ilta")               # decrypts the room; flags what it reads
    alert = await staff.next_alert(timeout=10)           # .room .pseudonym .severity .categories .source
    report = await staff.next_report(timeout=10)         # .verified .text .sender
    await staff.mute(alert.room, alert.pseudonym, 15, "disrespect")
    await staff.close()

The password (and TOTP code) go to `POST /api/staff/login` only; the answer's session cookie
goes with the websocket upgrade, so the server signs the socket in as the staff account (its
username as pseudonym, its role) and binds this device's identity key to the account. The
parts are composed, not inherited: a ``PeerClient`` for the rooms and keys, ``ModeratorTools``
for the staff events; the counsellor's and moderator's case tools (``client/staff_cases.py``,
issue 11: ``set_available``, ``next_case``, ``escalate``) are composed the same way in
``__init__`` and delegated below.
"""

from __future__ import annotations

import os
from http.cookies import SimpleCookie
from typing import Any

import aiohttp

from client.chats import Group
from client.clock import Clock, Rng, system_clock, system_rng
from client.errors import BAD_REPLY, ClientError, ProtocolViolation
from client.moderation import ModAlert, ModeratorTools
from client.peer import PeerClient
from client.reports import ModReport, open_mod_report
from client.staff_cases import CaseHandle, CounsellorCases, ModeratorCases, QueueState
from client.team_key import TeamKeyRing

STAFF_COOKIE = "__Host-iltapiiri_staff"
"""The session cookie's name (docs/protocol.md, "Staff sign-in")."""
HTTP_TIMEOUT_S = 30.0


async def _post(url: str, path: str, body: dict[str, Any], cookie: str | None = None
                ) -> tuple[dict[str, Any], str | None]:
    """POST JSON; the answer and the staff cookie it set (``ClientError`` with the server's
    code on a refusal). Nothing of the body is ever logged."""
    headers = {"Cookie": f"{STAFF_COOKIE}={cookie}"} if cookie else {}
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http, \
            http.post(url.rstrip("/") + path, json=body, headers=headers) as resp:
        try:
            answer = await resp.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            raise ProtocolViolation(BAD_REPLY, f"{path} answered no JSON") from None
        if not isinstance(answer, dict):
            raise ProtocolViolation(BAD_REPLY, f"{path} answered no object")
        if answer.get("ok") is not True:
            raise ClientError(str(answer.get("error") or "internal"),
                              str(answer.get("message") or ""))
        token = None
        for header in resp.headers.getall("Set-Cookie", []):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            if STAFF_COOKIE in jar:
                token = jar[STAFF_COOKIE].value
        return answer, token


class StaffClient:
    """A moderator's (or counsellor's, admin's) connection: rooms, alerts, reports, actions."""

    def __init__(self, url: str, peer: PeerClient, session_token: str, role: str) -> None:
        self._url = url
        self._token = session_token
        self.peer = peer
        """The room member underneath (groups, 1:1, keys)."""
        self.role = role
        self.moderation = ModeratorTools(peer)
        """Staff events and the moderation pushes (client/moderation.py)."""
        self.team = TeamKeyRing(peer.case_link, peer.team_crypto, peer.rng, peer.identity_key)
        """The counsellor team key (client/team_key.py): seals and opens closing notes."""
        self.cases = CounsellorCases(peer.case_link, self.team)
        """A counsellor's queue and cases (client/staff_cases.py, issue 11)."""
        self.handoffs = ModeratorCases(peer.case_link)
        """A moderator's hand-offs to counsellors (client/staff_cases.py, issue 11)."""
        if role == "counsellor":  # offers come to my user room: read the queue again
            peer.after_inbox_resync(self.cases.resync)

    def __repr__(self) -> str:
        return f"StaffClient(username={self.username!r}, role={self.role!r})"

    @property
    def username(self) -> str:
        """The staff username, which is also the pseudonym in rooms."""
        return self.peer.pseudonym

    @classmethod
    async def login(
        cls, url: str, username: str, password: str, totp: str | None = None, *,
        keystore: str | os.PathLike[str] | None = None, passphrase: str | None = None,
        clock: Clock = system_clock, rng: Rng = system_rng, watch: bool = True,
    ) -> StaffClient:
        """Sign in (password, and the TOTP code when the account needs one), then open the
        socket as that account. Refusals keep the server's codes (``login_failed``,
        ``totp_required``, ``login_backoff`` ...). ``keystore`` keeps the device identity
        across runs (the account stays bound to one key). A moderator's client runs the
        detector on what it decrypts and flags it (``watch``; off for tests that need to know
        which flag raised an alert)."""
        body: dict[str, Any] = {"username": username, "password": password}
        if totp is not None:
            body["totp"] = totp
        answer, token = await _post(url, "/api/staff/login", body)
        if not token:
            raise ProtocolViolation(BAD_REPLY, "sign-in set no session cookie")
        peer = await PeerClient.connect(
            url, None, keystore, passphrase=passphrase, clock=clock, rng=rng,
            headers={"Cookie": f"{STAFF_COOKIE}={token}"})
        staff = cls(url, peer, token, str(answer.get("role") or peer.role))
        if watch and peer.role == "moderator":
            staff.moderation.watch()  # my client flags what it decrypts (detector, metadata)
        if peer.role == "counsellor":
            await staff.team.sync()  # the first counsellor makes the team key; grants to others
        return staff

    # -- rooms -----------------------------------------------------------------------------

    async def join_group(self, group_id: str) -> Group:
        """Join tonight's room of a group as a member (staff pass the lock and the cap)."""
        return await self.peer.join_group(group_id)

    # -- duty, alerts, reports ---------------------------------------------------------------

    async def go_on_duty(self) -> None:
        """Join the on-duty pool: alerts and reports from every room."""
        await self.moderation.go_on_duty()

    async def go_off_duty(self) -> None:
        """Leave the on-duty pool."""
        await self.moderation.go_off_duty()

    async def next_alert(self, timeout: float | None = 10.0) -> ModAlert:
        """The next alert pushed to me (``TimeoutError`` after ``timeout``)."""
        return await self.moderation.next_alert(timeout)

    async def ack(self, alert_id: str) -> dict[str, Any]:
        """Take an alert (the other recipients are told)."""
        return await self.moderation.ack(alert_id)

    async def next_report(self, timeout: float | None = 10.0) -> ModReport:
        """The next report sealed to me, opened and checked: ``.verified`` is "this exact
        message was sent by ``.sender`` at ``.sent_at``"; ``.text`` the revealed text."""
        push = await self.moderation.feed.next("mod.report", timeout)
        return open_mod_report(self.peer.open_report, push)

    # -- actions (docs/protocol.md, `mod.sanction`) ----------------------------------------

    async def mute(self, room: str, pseudonym: str, minutes: int, reason: str) -> dict[str, Any]:
        """Mute a person in a room for ``minutes``."""
        return await self.moderation.mute(room, pseudonym, minutes, reason)

    async def remove(self, room: str, pseudonym: str, reason: str) -> dict[str, Any]:
        """Remove a person from tonight's group."""
        return await self.moderation.remove(room, pseudonym, reason)

    async def ban(self, room: str, pseudonym: str, days: int, reason: str,
                  appeal_note: str = "") -> dict[str, Any]:
        """Ban a pseudonym for ``days`` (moderators: at most 30)."""
        return await self.moderation.ban(room, pseudonym, days, reason, appeal_note)

    async def read_only_tonight(self, room: str, pseudonym: str, reason: str) -> dict[str, Any]:
        """The person may read but not write for the rest of the night."""
        return await self.moderation.read_only_tonight(room, pseudonym, reason)

    async def slow_mode(self, room: str, seconds: int, reason: str = "") -> dict[str, Any]:
        """At most one message per ``seconds`` per person."""
        if reason:
            return await self.moderation.slow_mode(room, seconds, reason)
        return await self.moderation.sanction("slow_mode", room, seconds=seconds)

    async def delete_message(self, room: str, message_id: int | str, reason: str = ""
                             ) -> dict[str, Any]:
        """Remove a message for everyone (a tombstone in every client)."""
        if reason:
            return await self.moderation.delete_message(room, str(message_id), reason)
        return await self.moderation.sanction("delete_message", room,
                                              message_id=str(message_id))

    async def lift(self, sanction_id: str) -> dict[str, Any]:
        """End a sanction early."""
        return await self.moderation.lift(sanction_id)

    # -- counsellors and hand-offs (issue 11, client/staff_cases.py) -------------------------

    async def set_available(self, capacity: int = 2) -> list[CaseHandle]:
        """Available for cases with ``capacity`` concurrent sessions; the queue in risk order."""
        return await self.cases.set_available(capacity)

    async def next_case(self, timeout: float | None = 10.0) -> CaseHandle:
        """The next case for me (``case.claim()``, ``transfer(to)``, ``close(outcome)``)."""
        return await self.cases.next_case(timeout)

    async def next_queue_change(self, timeout: float | None = 30.0) -> QueueState:
        """The queue changed while I am available (``waiting``, ``top_level``, ``version``):
        also the cases beyond my capacity, which no offer brings."""
        return await self.cases.next_queue_change(timeout)

    async def escalate(self, room: str, pseudonym: str, reason: str) -> str:
        """Hand a member of my room to a counsellor, with their consent; the case id."""
        return await self.handoffs.escalate(room, pseudonym, reason)

    async def close(self) -> None:
        """Sign out on the server (the session and its sockets end) and disconnect."""
        try:
            await _post(self._url, "/api/staff/logout", {}, cookie=self._token)
        except (ClientError, aiohttp.ClientError, TimeoutError):
            pass  # the session expires by itself; closing goes on
        finally:
            await self.peer.close()
