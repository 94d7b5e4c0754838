"""Review (open finding, not fixed): strangers can grow my keystore past what ``load`` accepts.

Anyone may start a 1:1 session with me (X3DH needs only my published bundle, no consent), and
the session store keeps up to ``MAX_SESSIONS_PER_PEER`` (3) sessions for *every* peer, each with
up to ``MAX_SKIPPED_KEYS`` (2000) skipped keys, with no bound on the number of peers. The client
saves the whole store after every envelope; ``Keystore.save`` writes any size, but
``Keystore.load`` refuses a file over ``MAX_KEYSTORE_BYTES`` (16 MiB) as ``keystore_corrupt``.
A few dozen throw-away identities, each sending a handful of valid messages that skip ahead
(``n`` = 1000, then a new ratchet key with ``pn`` = 2000), push my keystore over the limit: my
next start fails and my pseudonym and queued 1:1 messages are lost. Every save also re-encodes
megabytes per received envelope meanwhile.

A fix needs a policy (a cap on peers or on skipped keys per store, or dropping sessions of peers I
never answered), so it is left to the team; this test is ``xfail(strict=True)`` until then.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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

ATTACKERS = 33


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


@pytest.mark.xfail(strict=True, reason="open review finding: session store is unbounded in peers")
def test_strangers_cannot_make_my_keystore_unloadable(tmp_path: Path) -> None:
    victim = Engine.create()
    store = Keystore(tmp_path / "victim.json")
    for _ in range(ATTACKERS):
        flood_from_one_stranger(victim)
    store.save({"pseudonym": "victim", "engine": victim.export_state()})
    size = (tmp_path / "victim.json").stat().st_size
    assert size > MAX_KEYSTORE_BYTES  # what a few dozen strangers achieve
    try:
        state = store.load()
    except ClientError as err:
        pytest.fail(f"my own keystore no longer loads ({err.code}) after {ATTACKERS} strangers")
    assert state is not None
