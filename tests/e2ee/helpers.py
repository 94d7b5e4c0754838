"""Shared test helpers: a seeded deterministic rng and two-party plumbing (pure, in memory)."""

from __future__ import annotations

import base64
from typing import Any

from e2ee import (
    Account,
    DirectEnvelope,
    DirectSessions,
    GroupEnvelope,
    Outgoing,
    PrekeyBundle,
    make_stamp,
)
from tests.vectors.generate import SeededRng

__all__ = ["SeededRng", "bundle_for", "direct_env", "group_env", "party"]

STAMP_KEY = b"\x5a" * 32


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def bundle_for(account: Account, name: str, rng: SeededRng, one_time: bool = True) -> PrekeyBundle:
    """What keys.fetch would return for ``account`` after it published."""
    pub: dict[str, Any] = account.keys_publish(1 if one_time else 0, rng)
    reply = {
        "pseudonym": name,
        "identity_key": b64(account.identity_key),
        "dh_key": pub["dh_key"],
        "dh_sig": pub["dh_sig"],
        "signed_prekey": pub["signed_prekey"],
        "one_time_prekey": pub["one_time_prekeys"][0] if one_time else None,
    }
    return PrekeyBundle.from_fetch(reply)


def party(name: str, rng: SeededRng) -> DirectSessions:
    """A new account wrapped in a DirectSessions."""
    return DirectSessions(Account.create(rng), pseudonym=name)


_counter = [0]


def direct_env(out: Outgoing, sender: DirectSessions, ts: int = 1_700_000_000_000) -> DirectEnvelope:
    """The direct.envelope the relay would push for ``out`` sent by ``sender``."""
    _counter[0] += 1
    return DirectEnvelope(
        id=f"e{_counter[0]}", ts=ts, sender=sender.pseudonym, sender_key=sender.account.identity_key,
        kind=out.kind, header=out.header, body=out.body, commitment=out.commitment, stamp=None,
    )


def group_env(
    out: Outgoing, room: str, sender_key: bytes, seq: int, ts: int = 1_700_000_000_000,
    sender: str = "someone",
) -> GroupEnvelope:
    """The room.envelope the relay would push (with a franking stamp under STAMP_KEY)."""
    stamp = None
    if out.commitment is not None:
        stamp = make_stamp(STAMP_KEY, out.commitment, sender_key, room, ts)
    return GroupEnvelope(
        room=room, seq=seq, ts=ts, sender=sender, sender_key=sender_key, kind=out.kind,
        header=out.header, body=out.body, commitment=out.commitment, stamp=stamp,
    )
