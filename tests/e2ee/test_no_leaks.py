"""No key bytes or plaintext in repr/str of states, sessions, envelopes and exceptions."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from e2ee import E2EEError, GroupKeys

from .helpers import SeededRng, bundle_for, direct_env, group_env, party

SECRET = "canary-sentence-7f3a: I relapsed last night"


def forms(b: bytes) -> list[str]:
    """Every way a secret could appear in text: hex, base64, repr of bytes, 8-byte slices."""
    out = [b.hex(), base64.b64encode(b).decode(), repr(b)[2:-1]]
    out += [b[i : i + 8].hex() for i in range(0, len(b) - 7, 8)]
    out += [repr(b[i : i + 8])[2:-1] for i in range(0, len(b) - 7, 8)]
    return [f for f in out if len(f) >= 8]


def test_repr_and_str_hold_no_secrets() -> None:
    rng = SeededRng(b"leaks")
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng), rng)
    out = alice.encrypt_text(bob.account.identity_key, SECRET, rng)
    got = bob.decrypt(direct_env(out, alice))
    ga, gb = GroupKeys(alice.account.identity), GroupKeys(bob.account.identity)
    dist = ga.create_sender_key("r/2026-11-26", 1, rng)
    gb.process_distribution(dist, alice.account.identity_key)
    gout = ga.encrypt_text("r/2026-11-26", SECRET, rng)
    genv = group_env(gout, "r/2026-11-26", alice.account.identity_key, 1)
    ggot = gb.decrypt(genv)
    session = alice.store.get(bob.account.identity_key)[0]
    objects: list[object] = [
        alice, bob, alice.account, alice.account.identity, alice.store, session, session.state,
        out, got, got.content, got.opening, ga, gb, dist, gout, genv, ggot, ggot.opening,
        ga._mine["r/2026-11-26"], bundle_for(bob.account, "bob", rng),
    ]
    secrets = [
        alice.account.identity.signing_seed, alice.account.identity.dh_private,
        session.state.root_key, session.state.dhs_private, dist.chain_key,
        ga._mine["r/2026-11-26"].signing_seed or b"", got.content.franking_key,  # type: ignore[union-attr]
        SECRET.encode(), out.body, gout.body,
    ]
    for obj in objects:
        for text in (repr(obj), str(obj)):
            assert SECRET not in text
            for s in secrets:
                for f in forms(s):
                    assert f not in text, f"{type(obj).__name__} leaks"


def test_exceptions_hold_no_secrets() -> None:
    rng = SeededRng(b"leak-exc")
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng), rng)
    out = alice.encrypt_text(bob.account.identity_key, SECRET, rng)
    env = direct_env(out, alice)
    errors: list[E2EEError] = []
    for i in range(0, len(env.body), 7):
        bad = env.body[:i] + bytes([env.body[i] ^ 0x80]) + env.body[i + 1 :]
        with pytest.raises(E2EEError) as ei:
            bob.decrypt(dataclasses.replace(env, body=bad))
        errors.append(ei.value)
    with pytest.raises(E2EEError) as ei:
        bob.decrypt(dataclasses.replace(env, header=env.header[:50]))
    errors.append(ei.value)
    for e in errors:
        text = f"{e!r} {e!s} {e.message} {e.args!r} {e.__cause__!r}"
        assert SECRET not in text
        for f in forms(env.body[12:60]) + forms(alice.account.identity.signing_seed):
            assert f not in text
        assert e.code in {"decrypt_failed", "malformed", "bad_padding", "context_mismatch",
                          "bad_signature", "unknown_key", "replay", "unsupported_version"}
