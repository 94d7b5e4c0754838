"""A trust-on-first-use pin is never forgotten, so strangers cannot reset one.

``Engine`` bounds the 1:1 session store (strangers I never wrote to evicted first, LRU). If pins
were bounded the same way, a flood of throw-away identities could first evict the session of a
peer who wrote to me but whom I had not answered yet (a counsellor who opened a 1:1), then their
pin, and the next bundle for that pseudonym — from a malicious server, with another identity
key — would be pinned afresh. At ``MAX_PINS`` a *new* pseudonym is refused (``pins_full``, its
envelope dropped) instead: the flood below gets refusals, and the counsellor's pin still
catches the substituted key.
"""

from __future__ import annotations

import pytest

import client.engine as engine_mod
from client.engine import Engine
from client.errors import ProtocolViolation
from client.wire import b64e
from e2ee.content import TextContent
from e2ee.envelopes import DirectEnvelope
from e2ee.identity import PrekeyBundle


def bundle_of(victim: Engine) -> PrekeyBundle:
    pub = victim.publish_request(0)
    return PrekeyBundle.from_fetch({
        "pseudonym": "me", "identity_key": b64e(victim.identity_key), "dh_key": pub["dh_key"],
        "dh_sig": pub["dh_sig"], "signed_prekey": pub["signed_prekey"],
    })


def write(sender: Engine, name: str, me: Engine, n: int) -> None:
    """``sender`` opens a 1:1 with me; I decrypt it and pin them, as ``client.directs`` does."""
    sender.start_session(bundle_of(me))
    wire = sender.encrypt_direct(me.identity_key, TextContent(f"hi {n}", bytes(32))).to_wire()
    wire.update(id=f"d{n}", ts=1_764_000_000_000 + n, **{"from": name},
                from_key=b64e(sender.identity_key))
    me.decrypt_direct(DirectEnvelope.from_wire(wire))
    me.pin(name, sender.identity_key)


def test_flood_of_strangers_cannot_reset_a_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_mod, "MAX_SESSION_PEERS", 2)  # small bounds, same logic
    monkeypatch.setattr(engine_mod, "MAX_PINS", 3)
    me, counsellor = Engine.create(), Engine.create()
    write(counsellor, "counsellor", me, 0)
    refused = 0
    for n in range(1, 5):
        try:
            write(Engine.create(), f"stranger{n}", me, n)
        except ProtocolViolation as err:
            assert err.code == "pins_full"
            refused += 1
    assert refused == 2  # MAX_PINS = 3: counsellor + two strangers fit
    with pytest.raises(ProtocolViolation):
        me.pin("counsellor", Engine.create().identity_key)  # a substituted identity
