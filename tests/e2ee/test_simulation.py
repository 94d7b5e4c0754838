"""Randomised conversations (seeded, reproducible): reordering, duplication and loss.

Every message that arrives decrypts exactly once to what was sent; every duplicate is refused
as a replay; losses never break later messages.
"""

from __future__ import annotations

import pytest

from e2ee import E2EEError, GroupKeys, ReplayError
from e2ee.envelopes import DirectEnvelope, GroupEnvelope

from .helpers import SeededRng, bundle_for, direct_env, group_env, party


def pick(rng: SeededRng, n: int) -> int:
    return int.from_bytes(rng(4), "big") % n


@pytest.mark.parametrize("seed", [b"sim-1", b"sim-2", b"sim-3", b"sim-4"])
def test_direct_random_interleaving(seed: bytes) -> None:
    rng = SeededRng(seed)
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng), rng)
    parties = {"a": alice, "b": bob}
    # Bob can only send once he has a session, i.e. after a first message from Alice arrived.
    in_flight: list[tuple[str, DirectEnvelope, str]] = []
    delivered: set[str] = set()
    can_send = {"a": True, "b": False}
    counter = 0
    for _ in range(400):
        action = pick(rng, 10)
        if action < 4:
            who = "a" if pick(rng, 2) == 0 or not can_send["b"] else "b"
            to = "b" if who == "a" else "a"
            counter += 1
            text = f"{who}{counter}"
            out = parties[who].encrypt_text(parties[to].account.identity_key, text, rng)
            in_flight.append((to, direct_env(out, parties[who]), text))
        elif in_flight:
            i = pick(rng, len(in_flight))
            to, env, text = in_flight[i]
            if action == 9:  # lost for good
                in_flight.pop(i)
                continue
            if text in delivered:
                with pytest.raises(ReplayError):
                    parties[to].decrypt(env)
                in_flight.pop(i)
                continue
            got = parties[to].decrypt(env)
            assert got.text == text
            delivered.add(text)
            if to == "b":
                can_send["b"] = True
            if pick(rng, 4) != 0:  # keep some delivered ones around as future duplicates
                in_flight.pop(i)
    assert len(delivered) > 50


@pytest.mark.parametrize("seed", [b"gsim-1", b"gsim-2"])
def test_group_random_interleaving(seed: bytes) -> None:
    rng = SeededRng(seed)
    room = "sim/2026-11-26"
    members = [party(n, rng) for n in "abcde"]
    keys = [GroupKeys(m.account.identity) for m in members]
    for i, k in enumerate(keys):
        d = k.create_sender_key(room, 1, rng)
        for j, other in enumerate(keys):
            if i != j:
                other.process_distribution(d, members[i].account.identity_key)
    in_flight: list[tuple[int, GroupEnvelope, str]] = []  # (recipient, env, text)
    seen: set[tuple[int, str]] = set()
    seq = 0
    for _ in range(500):
        if pick(rng, 3) == 0:
            s = pick(rng, 5)
            seq += 1
            text = f"{s}:{seq}"
            out = keys[s].encrypt_text(room, text, rng)
            env = group_env(out, room, members[s].account.identity_key, seq)
            in_flight += [(r, env, text) for r in range(5) if r != s]
        elif in_flight:
            i = pick(rng, len(in_flight))
            r, env, text = in_flight[i]
            if (r, text) in seen:
                with pytest.raises(ReplayError):
                    keys[r].decrypt(env)
                in_flight.pop(i)
                continue
            assert keys[r].decrypt(env).text == text
            seen.add((r, text))
            if pick(rng, 3) != 0:
                in_flight.pop(i)
    assert len(seen) > 100
    # Nothing is readable by an outsider, and a wrong-room copy fails for everyone.
    outsider = GroupKeys(party("x", rng).account.identity)
    out = keys[0].encrypt_text(room, "viimeinen", rng)
    env = group_env(out, room, members[0].account.identity_key, seq + 1)
    with pytest.raises(E2EEError):
        outsider.decrypt(env)
