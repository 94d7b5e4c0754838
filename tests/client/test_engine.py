"""The client's Engine over the real e2ee core, without a server (pure logic).

Envelopes are built as the server would stamp them, so this checks the client's use of the core:
X3DH + ratchet both ways, a persisted engine that still decrypts, sender keys that only their
owner may hand out, and no key bytes in ``repr`` or errors.
"""

from __future__ import annotations

import json

import pytest

from client.engine import Engine
from client.wire import b64e
from e2ee.envelopes import DirectEnvelope, GroupEnvelope, Outgoing
from e2ee.errors import E2EEError, MismatchError, UnknownKeyError
from e2ee.identity import PrekeyBundle


def bundle_of(engine: Engine, pseudonym: str) -> PrekeyBundle:
    """What keys.fetch would return after ``engine`` published one one-time prekey."""
    pub = engine.publish_request(1)
    reply = {
        "pseudonym": pseudonym,
        "identity_key": b64e(engine.identity_key),
        "dh_key": pub["dh_key"],
        "dh_sig": pub["dh_sig"],
        "signed_prekey": pub["signed_prekey"],
        "one_time_prekey": pub["one_time_prekeys"][0],
    }
    return PrekeyBundle.from_fetch(reply)


def direct(out: Outgoing, sender: str, sender_engine: Engine, n: int) -> DirectEnvelope:
    wire = out.to_wire()
    wire.update(id=f"e{n}", ts=1_764_000_000_000 + n, **{"from": sender}, from_key=b64e(sender_engine.identity_key))
    return DirectEnvelope.from_wire(wire)


def group(out: Outgoing, room: str, sender: str, sender_engine: Engine, seq: int) -> GroupEnvelope:
    wire = out.to_wire()
    wire.update(room=room, seq=seq, ts=1_764_000_000_000 + seq, sender=sender,
                sender_key=b64e(sender_engine.identity_key))
    return GroupEnvelope.from_wire(wire)


def test_direct_both_ways_and_restart_from_exported_state() -> None:
    alice, bob = Engine.create(), Engine.create()
    bob.set_pseudonym("bob")
    alice.start_session(bundle_of(bob, "bob"))
    env = direct(alice.encrypt_direct(bob.identity_key, _text("hei bob")), "alice", alice, 1)
    assert env.kind == "prekey"
    # bob restarts from his saved state between publishing and receiving
    bob = Engine.from_state(json.loads(json.dumps(bob.export_state())))
    bob.set_pseudonym("bob")
    got = bob.decrypt_direct(env)
    assert got.text == "hei bob"
    assert got.opening is not None and got.opening.verify_commitment()
    reply = direct(bob.encrypt_direct(alice.identity_key, _text("moi alice")), "bob", bob, 2)
    assert reply.kind == "msg"
    assert alice.decrypt_direct(reply).text == "moi alice"
    # a replayed envelope changes nothing and fails
    with pytest.raises(E2EEError):
        alice.decrypt_direct(reply)


def test_group_keys_travel_over_direct_and_only_from_their_owner() -> None:
    alice, bob, mallory = Engine.create(), Engine.create(), Engine.create()
    room = "open/2026-11-26"
    alice.new_sender_key(room, 3)
    skd = alice.my_distribution(room)
    with pytest.raises(MismatchError):
        bob.accept_distribution(skd, mallory.identity_key, room=room, min_epoch=0)
    env = group(alice.encrypt_group(room, "hello circle"), room, "alice", alice, 1)
    with pytest.raises(UnknownKeyError):
        bob.decrypt_group(env)
    with pytest.raises(MismatchError):  # a key for another room
        bob.accept_distribution(skd, alice.identity_key, room="other/2026-11-26", min_epoch=0)
    with pytest.raises(MismatchError):  # made before the room's last departure
        bob.accept_distribution(skd, alice.identity_key, room=room, min_epoch=4)
    bob.accept_distribution(skd, alice.identity_key, room=room, min_epoch=3)
    assert bob.decrypt_group(env).text == "hello circle"
    # after a rotation the old holder of alice's key cannot read on
    alice.new_sender_key(room, 4)
    env2 = group(alice.encrypt_group(room, "after rotation"), room, "alice", alice, 2)
    with pytest.raises(UnknownKeyError):
        bob.decrypt_group(env2)
    bob.drop_room(room)
    with pytest.raises(UnknownKeyError):
        bob.decrypt_group(env)


def test_repr_and_state_errors_show_no_secrets() -> None:
    engine = Engine.create()
    state = engine.export_state()
    secret_blobs = [state["account"], state["sessions"]]
    for text in (repr(engine), str(engine)):
        for blob in secret_blobs:
            assert blob[:16] not in text
        assert b64e(engine.identity_key) not in text


def _text(text: str):
    from e2ee.content import TextContent

    return TextContent.new(text)


def test_pins_are_trust_on_first_use_and_bounded(monkeypatch) -> None:
    import client.engine as engine_module
    from client.errors import ProtocolViolation

    monkeypatch.setattr(engine_module, "MAX_PINS", 3)
    me, friend = Engine.create(), Engine.create()
    me.pin("friend", friend.identity_key)
    with pytest.raises(ProtocolViolation) as err:
        me.pin("friend", Engine.create().identity_key)
    assert err.value.code == "untrusted_key"
    me.pin("stranger 1", Engine.create().identity_key)
    me.pin("stranger 2", Engine.create().identity_key)
    with pytest.raises(ProtocolViolation) as err:  # full: a new name is refused ...
        me.pin("stranger 3", Engine.create().identity_key)
    assert err.value.code == "pins_full"
    me.pin("friend", friend.identity_key)  # ... a known one still checks out
    # no pin was ever forgotten, so a substituted key is still caught
    assert me.pins["friend"] == friend.identity_key and len(me.pins) == 3


def test_signed_prekey_rotates_weekly_and_old_first_messages_still_decrypt() -> None:
    from client.engine import SIGNED_PREKEY_MAX_AGE_S

    bob, alice = Engine.create(), Engine.create()
    assert not bob.rotate_signed_prekey_if_due(1_000.0)  # unknown age: counts from now
    old_bundle = bundle_of(bob, "bob")
    assert not bob.rotate_signed_prekey_if_due(1_000.0 + SIGNED_PREKEY_MAX_AGE_S - 1)
    assert bob.rotate_signed_prekey_if_due(1_000.0 + SIGNED_PREKEY_MAX_AGE_S)
    new_bundle = bundle_of(bob, "bob")
    assert new_bundle.signed_prekey_id != old_bundle.signed_prekey_id
    # alice fetched the old bundle before the rotation: her first message still opens
    alice.start_session(old_bundle)
    env = direct(alice.encrypt_direct(bob.identity_key, _text("sent with the old prekey")), "alice", alice, 1)
    assert bob.decrypt_direct(env).text == "sent with the old prekey"
    # the time survives a save
    again = Engine.from_state(json.loads(json.dumps(bob.export_state())))
    assert again.signed_prekey_made_at == bob.signed_prekey_made_at
