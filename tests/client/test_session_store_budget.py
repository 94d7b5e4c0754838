"""Strangers cannot grow my keystore past what ``load`` accepts.

Anyone may start a 1:1 session with me (X3DH needs only my published bundle, no consent), and
each session may hold up to ``MAX_SKIPPED_KEYS`` skipped keys. Unbounded, a few dozen throw-away
identities sending messages that skip ahead (``n`` = 1000, then a new ratchet key with ``pn`` =
2000) would push the saved state past ``MAX_KEYSTORE_BYTES`` (33 strangers at the real sizes),
and the next start would fail with ``keystore_corrupt``, losing the pseudonym and queued 1:1
messages.

``client.engine`` holds the session store to ``MAX_SESSION_PEERS`` and
``MAX_SESSION_STORE_BYTES`` (4 MiB, a quarter of the keystore limit) by dropping whole peers —
strangers I never wrote to first, least recently heard from first — never the peer of the
envelope being handled; and ``Keystore.save`` refuses to write a file ``load`` would refuse.
The budget is lowered here so a handful of strangers exceed it (the mechanism is the same at the
real size, and the full-size flood takes ~40 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import client.engine as engine_module
import client.keystore as keystore_module
from client.engine import Engine
from client.errors import ClientError
from client.keystore import MAX_KEYSTORE_BYTES, Keystore
from client.wire import b64e
from e2ee.content import TextContent
from e2ee.envelopes import DirectEnvelope
from e2ee.identity import PrekeyBundle
from e2ee.limits import MAX_SESSIONS_PER_PEER
from e2ee.ratchet import kdf_ck
from e2ee.session import Session

ATTACKERS = 6
BUDGET = 1024 * 1024
"""The session-store budget for these tests: small, so a handful of strangers exceed it."""


def bundle_of(victim: Engine) -> PrekeyBundle:
    pub = victim.publish_request(0)  # no one-time prekey needed: the signed prekey suffices
    return PrekeyBundle.from_fetch({
        "pseudonym": "victim", "identity_key": b64e(victim.identity_key),
        "dh_key": pub["dh_key"], "dh_sig": pub["dh_sig"], "signed_prekey": pub["signed_prekey"],
    })


def envelope(session: Session, attacker: Engine, n: int) -> DirectEnvelope:
    wire = session.encrypt(TextContent(f"m{n}", bytes(32))).to_wire()
    wire.update(id=f"x{n}", ts=1_764_000_000_000, **{"from": "stranger"},
                from_key=b64e(attacker.identity_key))
    return DirectEnvelope.from_wire(wire)


def flood_from_one_stranger(victim: Engine) -> None:
    attacker = Engine.create()
    bundle = bundle_of(victim)
    for s in range(MAX_SESSIONS_PER_PEER):
        attacker.start_session(bundle)
        session = attacker._store.get(victim.identity_key)[0]
        skip_ahead(session)  # n = 1000: the most one step may skip
        victim.decrypt_direct(envelope(session, attacker, 2 * s))
        skip_ahead(session)
        # a new sending ratchet key (valid: DH against the victim's signed prekey), pn = 2001
        session.state.send_pending = True
        victim.decrypt_direct(envelope(session, attacker, 2 * s + 1))


def skip_ahead(session: Session) -> None:
    st = session.state
    assert st.cks is not None
    for _ in range(1000):
        st.cks = kdf_ck(st.cks)[1]
    st.ns += 1000


def _exchange(sender: Engine, recipient: Engine, text: str, n: int) -> str | None:
    wire = sender.encrypt_direct(recipient.identity_key, TextContent(text, bytes(32))).to_wire()
    wire.update(id=f"f{n}", ts=n, **{"from": "x"}, from_key=b64e(sender.identity_key))
    return recipient.decrypt_direct(DirectEnvelope.from_wire(wire)).text


def test_strangers_cannot_make_my_keystore_unloadable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_SESSION_STORE_BYTES", BUDGET)
    victim = Engine.create()
    friend = Engine.create()  # someone the victim wrote to, who answered
    victim.start_session(bundle_of(friend))
    assert _exchange(victim, friend, "hi friend", 0) == "hi friend"
    assert _exchange(friend, victim, "hi back", 1) == "hi back"

    store = Keystore(tmp_path / "victim.json")
    for _ in range(ATTACKERS):
        flood_from_one_stranger(victim)
        assert len(victim._store.to_bytes()) <= BUDGET
    store.save({"pseudonym": "victim", "engine": victim.export_state()})
    assert (tmp_path / "victim.json").stat().st_size <= MAX_KEYSTORE_BYTES
    state = store.load()  # my own keystore still loads
    assert state is not None
    restored = Engine.from_state(state["engine"])
    # strangers went first: the friend's session survived the flood and still works
    assert restored.has_session(friend.identity_key)
    assert _exchange(friend, restored, "still there?", 2) == "still there?"
    assert restored.session_peers() < 1 + ATTACKERS


def test_peer_count_is_bounded_too(monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "MAX_SESSION_PEERS", 3)
    victim = Engine.create()
    strangers = [Engine.create() for _ in range(5)]
    for n, stranger in enumerate(strangers):
        stranger.start_session(bundle_of(victim))
        assert _exchange(stranger, victim, "hello", n) == "hello"
        assert victim.session_peers() <= 3
    # the least recent went first; the latest sender is kept
    assert victim.has_session(strangers[-1].identity_key)
    assert not victim.has_session(strangers[0].identity_key)


def test_save_refuses_a_file_load_would_refuse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(keystore_module, "MAX_KEYSTORE_BYTES", 1000)
    store = Keystore(tmp_path / "k.json")
    store.save({"small": "x"})
    with pytest.raises(ClientError) as err:
        store.save({"big": "x" * 2000})
    assert err.value.code == "keystore_full"
    assert store.load() == {"small": "x"}
