"""``PeerClient``: the public asyncio API, composed of small parts that each do one job.

One ``PeerClient`` is one device. It owns:

=============  ====================================================================  ============
part           job                                                                   module
=============  ====================================================================  ============
``Session``    socket, lock, pushes in arrival order, re-establishing after a drop  session.py
``sign_in``    hello → signed challenge → auth                                       signin.py
``Prekeys``    publish the key bundle, top up one-time prekeys, rotate signed one    prekeys.py
``Directs``    1:1 sessions, pins, ``DirectChat`` handles                            directs.py
``Inbox``      fetch, de-duplicate and acknowledge 1:1 envelopes                     inbox.py
``Groups``     rooms, ``Group`` handles, and their ``RoomKeys`` (sender keys)        groups.py
=============  ====================================================================  ============

The parts get what they need as arguments and report through callbacks wired here; none calls
back into this class. A client for staff roles can be composed of the same ``Session``,
``sign_in``, ``Directs`` and ``Groups``. Time and randomness come from ``clock`` and ``rng``
(``client.clock``), the real ones unless a test passes others.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from client.cases import CaseLink, Escalation, PeerCases
from client.chats import DirectChat, Group, Listener, Listeners
from client.clock import Clock, Rng, system_clock, system_rng
from client.directs import Directs
from client.engine import Engine
from client.errors import DISCONNECTED, UNKNOWN_USER, ClientError
from client.groups import Groups
from client.inbox import Inbox
from client.keystore import Keystore
from client.moderation import MOD_PUSHES, ModerationFeed
from client.prekeys import Prekeys
from client.session import Session
from client.signin import sign_in
from client.team_key import TeamCrypto
from client.wire import GroupInfo
from e2ee.content import SenderKeyDistribution
from e2ee.encoding import b64d, b64e
from e2ee.reports import OpenedReport, SealedReport
from e2ee.safety import format_safety_number, safety_number

log = logging.getLogger("client.peer")


class PeerClient:
    """One anonymous device connected to an Iltapiiri server."""

    def __init__(
        self,
        url: str,
        engine: Engine,
        keystore: Keystore,
        pseudonym: str | None,
        *,
        clock: Clock = system_clock,
        rng: Rng = system_rng,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._engine = engine
        self._keystore = keystore
        self._wanted_pseudonym = pseudonym
        self.pseudonym: str = pseudonym or ""
        self.role: str = "peer"
        self._closed = False
        self.rng = rng
        """The randomness this client draws from (keys, nonces)."""
        self._listeners = Listeners()
        self._session = Session(url, rng=rng, headers=headers)
        self._directs = Directs(
            engine, self._session, self._save,
            notify=self._listeners.notify, on_distribution=self._on_distribution,
        )
        self._groups = Groups(
            engine, self._session, self._directs.send_content, clock,
            notify=self._listeners.notify, rng=rng,
        )
        self._prekeys = Prekeys(engine, self._session.request, self._save, clock)
        self._inbox = Inbox(
            self._session.request, self._directs.receive,
            on_session_start=self._prekeys.session_started,
        )
        self._session.on("direct.envelope", self._inbox.push)
        self._session.on("room.envelope", self._groups.on_envelope)
        self._session.on("room.membership", self._groups.on_membership)
        self._session.on("group.closing", self._groups.on_closing)
        self._session.on("group.closed", self._groups.on_closed)
        self._session.on("room.resync", self._on_resync)
        self._session.on("inbox.resync", self._on_inbox_resync)
        self._session.on("keys.low", self._prekeys.on_low)
        self._inbox_resync_hooks: list[Callable[[], Awaitable[None]]] = []
        self.case_link = CaseLink(self._session.request, self._session.on, self.open_direct)
        """What ``client.cases`` / ``client.staff_cases`` parts are built on."""
        self.cases = PeerCases(self.case_link)
        self.moderation = ModerationFeed()
        """Moderation pushes (alerts, sanction notices, room notices, tombstones)."""
        for name in MOD_PUSHES:
            self._session.on(name, self.moderation.handler(name))

    def __repr__(self) -> str:
        return f"PeerClient(pseudonym={self.pseudonym!r}, rooms={sorted(self._groups.keys.rooms)})"

    @property
    def identity_key(self) -> bytes:
        """This device's public Ed25519 identity key."""
        return self._engine.identity_key

    @property
    def undecryptable(self) -> int:
        """Messages dropped because they failed to decrypt or verify (for diagnostics)."""
        return self._directs.undecryptable + self._groups.keys.undecryptable

    @classmethod
    async def connect(
        cls,
        url: str,
        pseudonym: str | None = None,
        keystore: str | os.PathLike[str] | None = None,
        *,
        passphrase: str | None = None,
        clock: Clock = system_clock,
        rng: Rng = system_rng,
        headers: Mapping[str, str] | None = None,
    ) -> PeerClient:
        """Connect, authenticate, publish keys and fetch queued 1:1 messages.

        ``keystore`` is a file path to persist the identity and sessions (mode 0600), or
        ``None`` to keep them in memory. A restarted client with the same keystore keeps its
        pseudonym and decrypts what was queued for it while it was away. With ``passphrase``
        the file is encrypted at rest (PBKDF2-SHA256 → AES-256-GCM; ``bad_passphrase`` if it
        does not open, ``keystore_locked`` if a sealed file is opened without one).
        ``headers`` go with the websocket upgrade (``StaffClient`` sends its session cookie).
        """
        store = Keystore(keystore, passphrase, rng=rng)
        saved = store.load()
        engine = Engine.from_state(saved["engine"], rng) if saved else Engine.create(rng)
        if pseudonym is None and saved:
            pseudonym = saved.get("pseudonym") or None
        peer = cls(url, engine, store, pseudonym, clock=clock, rng=rng, headers=headers)
        peer._save()
        await peer._session.open(peer._set_up, on_overflow=peer._inbox.fetch, name=peer.pseudonym)
        return peer

    def open_report(self, sealed: SealedReport, room: str, commitment: bytes) -> OpenedReport:
        """Open a report box sealed to this device (a moderator's; client/reports.py)."""
        return self._engine.open_report(sealed, room, commitment)

    @property
    def team_crypto(self) -> TeamCrypto:
        """This device's side of the counsellor team key (opens wraps, makes them)."""
        return TeamCrypto(self._engine.open_team_wrap, self._engine.wrap_team_key)

    def add_listener(self, listener: Listener) -> None:
        """Also call ``listener(message, chat)`` for every message delivered (e.g. the CLI)."""
        self._listeners.add(listener)

    async def list_groups(self) -> list[GroupInfo]:
        """The server's groups and their current or next night."""
        return await self._groups.available()

    async def join_group(self, group_id: str) -> Group:
        """Join tonight's room of ``group_id``; share my sender key with every member."""
        return await self._groups.join(group_id)

    async def open_direct(self, pseudonym: str) -> DirectChat:
        """A 1:1 conversation with ``pseudonym``: its key bundle is fetched and checked against
        the pinned identity, and a session started, unless one exists (``unknown_user`` if the
        server knows no such pseudonym, ``untrusted_key`` if its identity changed)."""
        return await self._directs.open(pseudonym)

    async def request_counsellor(self, reason: str | None = None, share: Sequence[str] = (),
                                 *, level: int | None = None) -> Escalation:
        """Ask for a professional counsellor (``client.cases.PeerCases.request_counsellor``):
        ``esc.position``, ``esc.estimated_wait``, ``await esc.wait_for_counsellor(timeout)``."""
        return await self.cases.request_counsellor(reason, share, level=level)

    def safety_number(self, pseudonym: str) -> str:
        """The 60-digit safety number of me and ``pseudonym`` (12 groups of 5), to compare with
        theirs in person or over another channel. Known only after a 1:1 contact (pinned key)."""
        key = self._engine.pins.get(pseudonym)
        if key is None:
            raise ClientError(UNKNOWN_USER, f"no key known for {pseudonym}; open_direct first")
        return format_safety_number(safety_number(self.identity_key, key))

    async def close(self) -> None:
        """Save state, stop the handler task and disconnect."""
        if self._closed:
            return
        self._closed = True
        await self._session.close(final=self._save)

    async def erase_identity(self) -> None:
        """Erase my pseudonym and everything the server holds tied to my identity key (key
        bundle, prekeys, queued 1:1 messages to and from me, risk history, sanctions but bans),
        then disconnect and delete the keystore: this client is spent. The server asks for a
        fresh signature by the identity key (``identity.erase_challenge``, ``identity.erase``)."""
        server_key = self._groups.keys.server_key
        if server_key is None:
            raise ClientError(DISCONNECTED, "sign in before erasing")
        got = await self._session.request("identity.erase_challenge")
        signature = self._engine.sign_erase(b64d(str(got["challenge"]), "challenge"), server_key)
        await self._session.request("identity.erase", {"signature": b64e(signature)})
        self._closed = True
        await self._session.close()
        self._keystore.erase()

    async def drop_connection(self) -> None:
        """Cut the socket as a network fault would; the client reconnects by itself."""
        await self._session.drop()

    # -- wiring --------------------------------------------------------------------------------

    async def _set_up(self, again: bool) -> None:
        """Sign in, publish keys, fetch the inbox; after a reconnect also rejoin my rooms."""
        signed = await sign_in(
            self._session.request, self._engine, self.pseudonym or self._wanted_pseudonym
        )
        self.pseudonym, self.role = signed.pseudonym, signed.role
        self._groups.keys.server_key = signed.server_key
        self._save()
        await self._prekeys.publish(always=True)
        await self._inbox.fetch()
        if again:
            await self._groups.rejoin()

    async def _on_resync(self, data: Any) -> None:
        """``room.resync``: the relay's process lost pushes for me. 1:1 envelopes lost with them
        wait in the inbox (a sender key may be among them): fetch it, then join the room again."""
        try:
            await self._inbox.fetch()
        except ClientError as err:  # it is fetched again at the next connect; join anyway
            log.info("inbox fetch on resync failed: %s", err.code)
        await self._groups.on_resync(data)

    async def _on_inbox_resync(self, data: Any) -> None:
        """``inbox.resync``: the relay's process may have lost pushes to me (its Redis
        subscription was down). The 1:1 envelopes among them (sender keys too) wait in the
        inbox: read it, as after a reconnect (what arrived live as well is dropped as seen)."""
        try:
            await self._inbox.fetch()
        except ClientError as err:  # it is fetched again at the next connect
            log.info("inbox fetch on inbox.resync failed: %s", err.code)
        for hook in (self.cases.resync, *self._inbox_resync_hooks):  # my case's pushes too
            try:
                await hook()
            except ClientError as err:
                log.info("re-read on inbox.resync failed: %s", err.code)

    def after_inbox_resync(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Also run ``hook`` on ``inbox.resync`` (after the inbox is read): a composed part
        whose pushes come to my user room reads its state again (``StaffClient``: the
        counsellor's queue and cases)."""
        self._inbox_resync_hooks.append(hook)

    def _on_distribution(self, skd: SenderKeyDistribution, from_key: bytes) -> None:
        self._groups.keys.accept_distribution(skd, from_key)

    def _save(self) -> None:
        self._keystore.save({"pseudonym": self.pseudonym, "engine": self._engine.export_state()})
