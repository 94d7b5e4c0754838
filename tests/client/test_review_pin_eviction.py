"""Review (open finding on the new bounds, not fixed): strangers can reset a TOFU pin.

``Engine`` now bounds the 1:1 session store (``MAX_SESSION_PEERS`` / ``MAX_SESSION_STORE_BYTES``,
strangers I never wrote to evicted first, LRU) and the pins (``MAX_PINS``, the least recently
seen pin *without a session* forgotten). Together: a peer who wrote to me but whom I have not
answered yet (a counsellor or peer who opened a 1:1) is a "stranger" for eviction, so a flood of
throw-away identities first evicts their session (a dozen large sessions pass the 4 MiB budget)
and then, their pin having no session, the pin itself. After that the next bundle for that
pseudonym — from a malicious server, with another identity key — is pinned without complaint:
trust on first use starts over. Pins are 32 bytes; evict only pins of peers that never
authenticated a message to me, or never evict a pin that had a session. ``xfail(strict=True)``
until the owners of ``client/engine.py`` decide.
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
    """``sender`` opens a 1:1 with me; I decrypt it and pin them, as DirectFlow does."""
    sender.start_session(bundle_of(me))
    wire = sender.encrypt_direct(me.identity_key, TextContent(f"hi {n}", bytes(32))).to_wire()
    wire.update(id=f"d{n}", ts=1_764_000_000_000 + n, **{"from": name},
                from_key=b64e(sender.identity_key))
    me.decrypt_direct(DirectEnvelope.from_wire(wire))
    me.pin(name, sender.identity_key)


@pytest.mark.xfail(strict=True, reason="open review finding: pin eviction resets TOFU")
def test_flood_of_strangers_cannot_reset_a_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_mod, "MAX_SESSION_PEERS", 2)  # small bounds, same logic
    monkeypatch.setattr(engine_mod, "MAX_PINS", 3)
    me, counsellor = Engine.create(), Engine.create()
    write(counsellor, "counsellor", me, 0)
    for n in range(1, 5):
        write(Engine.create(), f"stranger{n}", me, n)
    with pytest.raises(ProtocolViolation):
        me.pin("counsellor", Engine.create().identity_key)  # a substituted identity
