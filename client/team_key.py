"""The counsellor team key on a counsellor's device (issue 11; e2ee/team.py, docs/crypto.md 7.2).

    ring = TeamKeyRing(link, peer.team_crypto, rng)
    await ring.sync()                        # open my wraps; make epoch 1 if the team has none,
                                             # the next if a rotation is due (a counsellor was
                                             # disabled); grant what I hold to colleagues
    blob = await ring.seal(case_id, "text")  # to the newest epoch I hold (syncs first)
    texts = await ring.notes(case_id)        # a case's notes, opened (colleagues' too)
    await ring.rotate()                      # a new epoch for the team as it is now

Whom to trust: the team is the server's list of enabled counsellor accounts and the identity
keys bound to them (as for the 1:1 with a person and for reports); each member's X25519 key must
carry their identity key's signature, and a wrap is opened only if a member made it, or a
counsellor who has since left (the server's `former` list: a wrap they made before an admin
disabled them; they can make no new one, and every epoch after they left is made by a member).
When the server says `rotation_due` (a disabled account holds the newest epoch), ``sync`` makes
the next epoch, wrapped to the team as it is now, before anything is sealed. The public
key a note is sealed to is derived from the private key I opened, never taken from the server.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from client.cases import CaseLink
from client.clock import Rng
from client.errors import ClientError
from e2ee import primitives as p
from e2ee.encoding import b64d
from e2ee.errors import E2EEError
from e2ee.identity import dh_key_message, key_id
from e2ee.team import MAX_EPOCH, TeamKey, TeamKeyWrap, open_note, seal_note

NO_TEAM_KEY = "no_team_key"
"""Client-side code: I hold no team key yet (a colleague who holds one grants it when they
next sign in or close a case)."""


@dataclass(frozen=True)
class TeamCrypto:
    """What the ring needs of this device's keys (``PeerClient.team_crypto``)."""

    open_wrap: Callable[[TeamKeyWrap, frozenset[bytes]], TeamKey]
    make_wrap: Callable[..., TeamKeyWrap]

    def __repr__(self) -> str:
        return "TeamCrypto()"


@dataclass(frozen=True)
class _Member:
    name: str
    identity_key: bytes
    dh_key: bytes
    epochs: frozenset[int]


def _members(reply: dict[str, Any]) -> list[_Member]:
    out = []
    for m in reply.get("team") or ():
        try:
            ik = b64d(m["identity_key"], "identity_key", 32)
            dh = b64d(m["dh_key"], "dh_key", 32)
            p.ed25519_verify(ik, b64d(m["dh_sig"], "dh_sig", 64), dh_key_message(dh))
            out.append(_Member(str(m["name"]), ik, dh, frozenset(int(e) for e in m["epochs"])))
        except (E2EEError, KeyError, TypeError, ValueError):
            continue  # a key whose signature does not verify is never wrapped to
    return out


def _former(reply: dict[str, Any]) -> frozenset[bytes]:
    """Counsellors who left: wraps they made while on the team still open (old notes)."""
    out = set()
    for k in reply.get("former") or ():
        try:
            out.add(b64d(k, "identity_key", 32))
        except (E2EEError, TypeError, ValueError):
            continue
    return frozenset(out)


class TeamKeyRing:
    """The team keys this counsellor holds, by epoch (in memory; ``sync`` fetches them)."""

    def __init__(self, link: CaseLink, crypto: TeamCrypto, rng: Rng, me: bytes) -> None:
        self._link = link
        self._crypto = crypto
        self._rng = rng
        self._me = me
        self.keys: dict[int, TeamKey] = {}

    def __repr__(self) -> str:
        return f"TeamKeyRing(epochs={sorted(self.keys)})"

    async def sync(self) -> dict[int, TeamKey]:
        """Open my wraps; make the first epoch if the team has none, or the next one if the
        server says a rotation is due (a disabled account holds the newest); grant every epoch
        I hold to the members who lack it. The keys I hold, by epoch."""
        for _ in range(3):  # a colleague making the same epoch at once: read again
            reply = await self._link.request("team_key.get", {})
            members = _members(reply)
            makers = frozenset(m.identity_key for m in members) | _former(reply)
            for w in reply.get("wraps") or ():
                try:
                    key = self._crypto.open_wrap(TeamKeyWrap.from_wire(w), makers)
                except E2EEError:
                    continue  # not from the team, altered: never used
                self.keys[key.epoch] = key
            if not reply.get("epochs"):  # the team's first key: whoever signs in first makes it
                await self._put(TeamKey.create(1, self._rng), members, new=True)
                continue
            if reply.get("rotation_due") is True:  # the team list no longer has whoever left
                await self._next_epoch(reply, members)
                continue  # made here or by a colleague at once: read again
            for key in self.keys.values():
                lacking = [m for m in members if key.epoch not in m.epochs]
                if lacking:
                    await self._put(key, lacking, new=False)
            return dict(self.keys)
        return dict(self.keys)

    async def rotate(self) -> TeamKey:
        """A new epoch wrapped to the team as it is now (after someone left the team, say).
        Older epochs stay, so old notes still open."""
        reply = await self._link.request("team_key.get", {})
        key = await self._next_epoch(reply, _members(reply))
        if key is None:
            raise ClientError("team_key_conflict", "another epoch was made at the same time")
        return key

    async def _next_epoch(self, reply: dict[str, Any], members: list[_Member]
                          ) -> TeamKey | None:
        epochs = [int(e["epoch"]) for e in reply.get("epochs") or ()]
        epoch = max(epochs, default=0) + 1
        if epoch > MAX_EPOCH:
            raise ClientError("bad_request", "no epoch left")
        key = TeamKey.create(epoch, self._rng)
        if not await self._put(key, members, new=True):
            return None
        self.keys[epoch] = key
        return key

    async def _put(self, key: TeamKey, members: list[_Member], *, new: bool) -> bool:
        if new and not any(m.identity_key == self._me for m in members):
            return False  # my own device is not on the team list yet
        wraps = [self._crypto.make_wrap(key, to=m.identity_key, dh_key=m.dh_key, rng=self._rng)
                 for m in members]
        try:
            await self._link.request("team_key.put", {
                "epoch": key.epoch, "team_key": base64.b64encode(key.public).decode("ascii"),
                "new": new, "wraps": [w.to_wire() for w in wraps]})
        except ClientError as err:
            if err.code == "team_key_conflict":
                return False
            raise
        return True

    async def seal(self, case_id: str, text: str) -> bytes:
        """A closing note of ``case_id`` sealed to the newest epoch I hold."""
        await self.sync()  # grants what I hold to newcomers, and sees a rotation
        if not self.keys:
            raise ClientError(NO_TEAM_KEY, "this device holds no counsellor team key yet")
        key = self.keys[max(self.keys)]
        return seal_note(text, case_id=case_id, epoch=key.epoch, team_key=key.public,
                         rng=self._rng)

    async def notes(self, case_id: str) -> list[str]:
        """The case's closing notes, opened with the team keys I hold (sync first)."""
        await self.sync()
        reply = await self._link.request("case.notes", {"case_id": case_id})
        out = []
        for n in reply.get("notes") or ():
            try:
                out.append(open_note(base64.b64decode(n, validate=True), case_id=case_id,
                                     keys=self.keys))
            except (E2EEError, ValueError) as err:
                raise ClientError(getattr(err, "code", "malformed"),
                                  f"a note of case {case_id[:8]} does not open") from None
        return out

    @property
    def epoch_ids(self) -> list[str]:
        """Short ids of the team public keys I hold (for display; never key bytes)."""
        return [key_id(k.public) for _, k in sorted(self.keys.items())]
