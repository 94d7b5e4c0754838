"""1:1 behaviour: X3DH + Double Ratchet, in memory, both directions."""

from __future__ import annotations

import dataclasses

import pytest

from e2ee import (
    Account,
    ControlContent,
    DecodeError,
    DirectSessions,
    E2EEError,
    FrankingError,
    InMemorySessionStore,
    LimitError,
    MismatchError,
    ReplayError,
    SignatureError,
    StateError,
    TextContent,
    UnknownKeyError,
    limits,
)
from e2ee.envelopes import Outgoing

from .helpers import SeededRng, bundle_for, direct_env, party


@pytest.fixture
def rng() -> SeededRng:
    return SeededRng(b"test_direct")


def pair(rng: SeededRng, one_time: bool = True) -> tuple[DirectSessions, DirectSessions]:
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng, one_time), rng)
    return alice, bob


def send(a: DirectSessions, b: DirectSessions, text: str, rng: SeededRng) -> Outgoing:
    return a.encrypt_text(b.account.identity_key, text, rng)


def test_both_directions_and_kinds(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    o1 = send(alice, bob, "hei", rng)
    o2 = send(alice, bob, "vielä", rng)
    assert (o1.kind, o2.kind) == ("prekey", "prekey")
    assert bob.decrypt(direct_env(o1, alice)).text == "hei"
    assert bob.decrypt(direct_env(o2, alice)).text == "vielä"
    r = send(bob, alice, "moi", rng)
    assert r.kind == "msg"
    assert alice.decrypt(direct_env(r, bob)).text == "moi"
    o3 = send(alice, bob, "nyt msg", rng)
    assert o3.kind == "msg"  # Alice heard back: no more X3DH header
    assert bob.decrypt(direct_env(o3, alice)).text == "nyt msg"
    for i in range(5):  # several DH ratchet turns
        assert alice.decrypt(direct_env(send(bob, alice, f"b{i}", rng), bob)).text == f"b{i}"
        assert bob.decrypt(direct_env(send(alice, bob, f"a{i}", rng), alice)).text == f"a{i}"


def test_one_time_prekey_consumed_only_on_success(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    assert bob.account.one_time_prekey_count() == 1
    o = send(alice, bob, "hei", rng)
    bad = dataclasses.replace(direct_env(o, alice), body=o.body[:-1] + bytes([o.body[-1] ^ 1]))
    with pytest.raises(E2EEError):
        bob.decrypt(bad)
    assert bob.account.one_time_prekey_count() == 1
    bob.decrypt(direct_env(o, alice))
    assert bob.account.one_time_prekey_count() == 0


def test_without_one_time_prekey(rng: SeededRng) -> None:
    alice, bob = pair(rng, one_time=False)
    assert bob.decrypt(direct_env(send(alice, bob, "ilman", rng), alice)).text == "ilman"


def test_out_of_order_and_skipped_across_chains(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    a = [send(alice, bob, f"a{i}", rng) for i in range(6)]
    assert bob.decrypt(direct_env(a[4], alice)).text == "a4"
    assert bob.decrypt(direct_env(a[0], alice)).text == "a0"
    alice.decrypt(direct_env(send(bob, alice, "b0", rng), bob))
    late = send(alice, bob, "new chain", rng)
    assert bob.decrypt(direct_env(late, alice)).text == "new chain"
    for i in (5, 2, 1, 3):  # keys of the previous chain, kept as skipped
        assert bob.decrypt(direct_env(a[i], alice)).text == f"a{i}"


def test_replays_fail(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    o = send(alice, bob, "kerran", rng)
    bob.decrypt(direct_env(o, alice))
    with pytest.raises(ReplayError):
        bob.decrypt(direct_env(o, alice))
    reply = send(bob, alice, "vastaus", rng)
    alice.decrypt(direct_env(reply, bob))
    with pytest.raises(ReplayError):
        alice.decrypt(direct_env(reply, bob))
    skipped = [send(bob, alice, f"s{i}", rng) for i in range(3)]
    alice.decrypt(direct_env(skipped[2], bob))
    alice.decrypt(direct_env(skipped[0], bob))
    with pytest.raises(ReplayError):  # a used skipped key is gone
        alice.decrypt(direct_env(skipped[0], bob))
    # After both sides ratchet on, a message of a finished chain is still named a replay.
    bob.decrypt(direct_env(send(alice, bob, "uusi ketju", rng), alice))
    alice.decrypt(direct_env(send(bob, alice, "ja taas", rng), bob))
    for old in (reply, skipped[2]):
        with pytest.raises(ReplayError):
            alice.decrypt(direct_env(old, bob))
    with pytest.raises(ReplayError):
        bob.decrypt(direct_env(o, alice))


def lose(a: DirectSessions, b: DirectSessions, n: int, rng: SeededRng) -> None:
    """Advance a's sending chain by n messages that never arrive."""
    state = a.store.get(b.account.identity_key)[0].state
    for _ in range(n):
        state.next_send_key(rng)


def test_skip_bound(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    bob.decrypt(direct_env(send(alice, bob, "alku", rng), alice))
    lose(alice, bob, limits.MAX_SKIP + 1, rng)
    far = send(alice, bob, "kaukana", rng)
    with pytest.raises(LimitError):
        bob.decrypt(direct_env(far, alice))


def test_skipped_key_storage_is_bounded(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    bob.decrypt(direct_env(send(alice, bob, "alku", rng), alice))
    for _ in range(3):  # three chains each skipping MAX_SKIP keys
        lose(alice, bob, limits.MAX_SKIP, rng)
        bob.decrypt(direct_env(send(alice, bob, "x", rng), alice))
        alice.decrypt(direct_env(send(bob, alice, "y", rng), bob))
    sess_b = bob.store.get(alice.account.identity_key)[0]
    assert len(sess_b.state.skipped) == limits.MAX_SKIPPED_KEYS


def test_tamper_every_byte_of_header_and_body(rng: SeededRng) -> None:
    for kind_needed in ("prekey", "msg"):
        alice, bob = pair(rng)
        if kind_needed == "msg":
            bob.decrypt(direct_env(send(alice, bob, "x", rng), alice))
            alice.decrypt(direct_env(send(bob, alice, "y", rng), bob))
        o = send(alice, bob, "pieni", rng)
        assert o.kind == kind_needed
        env = direct_env(o, alice)
        before = bob.store.get(alice.account.identity_key)
        before_bytes = [s.to_bytes() for s in before]
        for field in ("header", "body"):
            data = getattr(env, field)
            for i in range(len(data)):
                bad = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
                with pytest.raises(E2EEError):
                    bob.decrypt(dataclasses.replace(env, **{field: bad}))
            with pytest.raises(E2EEError):  # truncated and extended
                bob.decrypt(dataclasses.replace(env, **{field: data[:-1]}))
            with pytest.raises(E2EEError):
                bob.decrypt(dataclasses.replace(env, **{field: data + b"\x00"}))
        assert [s.to_bytes() for s in bob.store.get(alice.account.identity_key)] == before_bytes
        assert bob.decrypt(env).text == "pieni"  # nothing changed: the genuine one still works


def test_envelope_commitment_and_sender_must_match(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    mallory = party("mallory", rng)
    o = send(alice, bob, "hei", rng)
    env = direct_env(o, alice)
    with pytest.raises(MismatchError):
        bob.decrypt(dataclasses.replace(env, commitment=bytes(32)))
    with pytest.raises(MismatchError):  # server-stamped sender differs from the X3DH identity
        bob.decrypt(dataclasses.replace(env, sender_key=mallory.account.identity_key))
    assert bob.decrypt(env).text == "hei"
    with pytest.raises(UnknownKeyError):
        bob.decrypt(dataclasses.replace(
            direct_env(send(bob, alice, "x", rng), bob), sender_key=mallory.account.identity_key,
            kind="msg",
        ))


def test_franking_in_direct(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    got = bob.decrypt(direct_env(send(alice, bob, "raportoitava", rng), alice))
    assert got.opening is not None and got.opening.verify_commitment()
    assert got.opening.room == "direct"
    forged = dataclasses.replace(got.opening, text="muu teksti")
    assert not forged.verify_commitment()
    # A text whose inner franking key does not match the header commitment is dropped.
    s = alice.store.get(bob.account.identity_key)[0]
    real = TextContent.new("a", rng)
    import e2ee.session as sess

    orig = sess.make_commitment
    sess.make_commitment = lambda *a: bytes(32)  # sender lies about the commitment
    try:
        lie = s.encrypt(real, rng)
    finally:
        sess.make_commitment = orig
    with pytest.raises(FrankingError):
        bob.decrypt(direct_env(lie, alice))


def test_control_and_distribution_content(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    o = alice.encrypt(bob.account.identity_key, ControlContent("dm_request", b"\x01"), rng)
    assert o.commitment is None
    got = bob.decrypt(direct_env(o, alice))
    assert got.content == ControlContent("dm_request", b"\x01")
    assert got.opening is None and got.text is None


def test_serialise_mid_conversation(rng: SeededRng) -> None:
    alice, bob = pair(rng)
    pending = [send(alice, bob, f"a{i}", rng) for i in range(3)]
    bob.decrypt(direct_env(pending[2], alice))
    store = InMemorySessionStore.from_bytes(bob.store.to_bytes())  # type: ignore[attr-defined]
    bob2 = DirectSessions(Account.from_bytes(bob.account.to_bytes()), store, "bob")
    assert bob2.decrypt(direct_env(pending[0], alice)).text == "a0"
    reply = send(bob2, alice, "palasin", rng)
    assert alice.decrypt(direct_env(reply, bob2)).text == "palasin"
    assert bob2.decrypt(direct_env(send(alice, bob2, "hyvä", rng), alice)).text == "hyvä"


def test_simultaneous_start_converges(rng: SeededRng) -> None:
    alice, bob = party("alice", rng), party("bob", rng)
    alice.start(bundle_for(bob.account, "bob", rng), rng)
    bob.start(bundle_for(alice.account, "alice", rng), rng)
    a1, b1 = send(alice, bob, "a1", rng), send(bob, alice, "b1", rng)
    assert bob.decrypt(direct_env(a1, alice)).text == "a1"
    assert alice.decrypt(direct_env(b1, bob)).text == "b1"
    for i in range(3):
        assert bob.decrypt(direct_env(send(alice, bob, f"a{i}", rng), alice)).text == f"a{i}"
        assert alice.decrypt(direct_env(send(bob, alice, f"b{i}", rng), bob)).text == f"b{i}"


def test_bad_bundle_and_state_errors(rng: SeededRng) -> None:
    alice, bob = party("alice", rng), party("bob", rng)
    with pytest.raises(StateError):
        alice.encrypt_text(bob.account.identity_key, "ei sessiota", rng)
    bundle = bundle_for(bob.account, "bob", rng)
    from e2ee import PrekeyBundle
    from e2ee.encoding import b64e

    reply = {
        "pseudonym": "bob", "identity_key": b64e(alice.account.identity_key),  # wrong identity
        "dh_key": b64e(bundle.dh_key), "dh_sig": b64e(bob.account.identity.dh_sig),
        "signed_prekey": {"id": 1, "key": b64e(bundle.signed_prekey), "sig": b64e(bytes(64))},
        "one_time_prekey": None,
    }
    with pytest.raises(SignatureError):
        PrekeyBundle.from_fetch(reply)
    with pytest.raises(DecodeError):
        PrekeyBundle.from_fetch({**reply, "dh_key": "not base64!"})
    with pytest.raises(DecodeError):
        PrekeyBundle.from_fetch({**reply, "signed_prekey": {"id": True, "key": "", "sig": ""}})
