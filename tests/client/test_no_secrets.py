"""No key bytes or plaintext in ``repr``, logs, errors or the keystore beyond what must be there.

A real conversation runs (group and 1:1, with a file keystore) with every logger at DEBUG; then
every secret the client holds — identity seeds, prekeys, ratchet and sender chain keys, franking
keys — and every message text is searched for, in plain, hex and base64, in the ``repr`` of each
client object, in the captured log and in error messages. The keystore file must hold keys (it is
searched too, as a positive control) but never a message text.
"""

from __future__ import annotations

import logging

import pytest

from client import ClientError, PeerClient
from tests.client.leakscan import find


def secrets_of(peer: PeerClient, room: str) -> list[bytes]:
    """Key material inside a peer's engine (private and chain keys)."""
    engine = peer._engine
    identity = engine._account.identity
    out = [identity.signing_seed, identity.dh_private]
    mine = engine._groups._mine.get(room)
    if mine is not None:
        out.append(mine.chain_key)
        if mine.signing_seed is not None:
            out.append(mine.signing_seed)
    for slot in engine._groups._theirs.values():
        out += [state.chain_key for state in slot.values()]
    for remote in engine._store.peers():
        for session in engine._store.get(remote):
            out.append(session.state.encode()[2:34])  # some ratchet secret bytes
    return out


async def test_reprs_logs_and_errors_hold_no_secrets(
    embedded_url: str, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts = ["my sobriety date is secret-1", "call me maybe secret-2", "group secret-3"]
    alice = await PeerClient.connect(embedded_url, keystore=tmp_path / "alice.keys")
    bob = await PeerClient.connect(embedded_url, keystore=tmp_path / "bob.keys")
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        to_bob = await alice.open_direct(bob.pseudonym)
        await to_bob.send(texts[0])
        to_alice = await bob.open_direct(alice.pseudonym)
        m1 = await to_alice.next_message(10)
        await to_alice.send(texts[1])
        await to_bob.next_message(10)
        await ga.send(texts[2])
        m3 = await gb.next_message(10)
        with pytest.raises(ClientError) as err:
            await alice.open_direct("No Such Person 1")

        keys = secrets_of(alice, ga.room) + secrets_of(bob, gb.room)
        assert m1.franking is not None and m3.franking is not None
        keys += [m1.franking.franking_key, m3.franking.franking_key]
        objects = [
            alice, bob, ga, gb, to_bob, to_alice, alice._engine, bob._engine,
            alice._keystore, alice._session._transport, *alice._groups.keys.rooms.values(), err.value,
            alice._session, alice._directs, alice._inbox, alice._prekeys, alice._groups,
            alice._groups.keys, alice._listeners,
        ]
        shown = [(type(o).__name__, repr(o).encode()) for o in objects]
        shown += [(f"str:{type(o).__name__}", str(o).encode()) for o in objects]
        shown.append(("log", caplog.text.encode()))

        for key in keys:
            assert find(key, shown) == []
        for text in texts:
            assert find(text.encode(), shown) == []
        # A message may show its own text, but never its franking key.
        assert texts[0] in repr(m1)
        assert find(m1.franking.franking_key, [("msg", repr(m1).encode())]) == []

        # The keystore holds keys (control: the search finds them) and no message text.
        stored = [("keystore", (tmp_path / "alice.keys").read_bytes())]
        assert find(alice._engine._account.identity.signing_seed, stored)
        for text in texts:
            assert find(text.encode(), stored) == []
    finally:
        await alice.close()
        await bob.close()
