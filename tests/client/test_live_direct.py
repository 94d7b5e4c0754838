"""1:1 over the real server: both directions, offline delivery with a keystore, reconnects."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from client import ClientError, MessageTimeout, PeerClient


async def test_alice_and_bob_talk_both_ways(embedded_url: str) -> None:
    alice = await PeerClient.connect(embedded_url, pseudonym="Alice Test")
    bob = await PeerClient.connect(embedded_url, pseudonym="Bob Test")
    try:
        assert alice.pseudonym == "Alice Test" and bob.pseudonym == "Bob Test"
        to_bob = await alice.open_direct("Bob Test")
        for i in range(3):
            await to_bob.send(f"hei bob {i}")
        to_alice = await bob.open_direct("Alice Test")
        got = [await to_alice.next_message(timeout=10) for _ in range(3)]
        assert [m.text for m in got] == ["hei bob 0", "hei bob 1", "hei bob 2"]
        assert {m.sender for m in got} == {"Alice Test"}
        now = datetime.now(UTC)
        for m in got:
            assert m.sent_at.tzinfo is not None
            assert abs(m.sent_at - now) < timedelta(minutes=1)
            assert m.room is None
            assert m.franking is not None and m.franking.verify_commitment()
        await to_alice.send("moi alice")
        reply = await to_bob.next_message(timeout=10)
        assert (reply.text, reply.sender) == ("moi alice", "Bob Test")
        # nothing else arrives, and my own sends never come back to me
        with pytest.raises(MessageTimeout):
            await to_bob.next_message(timeout=0.5)
    finally:
        await alice.close()
        await bob.close()


async def test_offline_bob_gets_queued_messages_with_his_keystore(embedded_url: str, tmp_path) -> None:
    keystore = tmp_path / "bob.keys"
    bob = await PeerClient.connect(embedded_url, keystore=keystore)
    bob_name = bob.pseudonym
    await bob.close()
    assert stat.S_IMODE(os.stat(keystore).st_mode) == 0o600

    alice = await PeerClient.connect(embedded_url)
    try:
        to_bob = await alice.open_direct(bob_name)
        await to_bob.send("while you were away 1")
        await to_bob.send("while you were away 2")

        # Bob restarts: same keystore, no pseudonym given — he keeps his name and his keys.
        bob = await PeerClient.connect(embedded_url, keystore=keystore)
        try:
            assert bob.pseudonym == bob_name
            chat = await bob.open_direct(alice.pseudonym)
            texts = [(await chat.next_message(timeout=10)).text for _ in range(2)]
            assert texts == ["while you were away 1", "while you were away 2"]
            await chat.send("back now")
            assert (await to_bob.next_message(timeout=10)).text == "back now"
        finally:
            await bob.close()

        # Acknowledged envelopes are gone: a third start with the keystore sees nothing again.
        bob = await PeerClient.connect(embedded_url, keystore=keystore)
        try:
            chat = await bob.open_direct(alice.pseudonym)
            with pytest.raises(MessageTimeout):
                await chat.next_message(timeout=1)
        finally:
            await bob.close()
    finally:
        await alice.close()


async def test_in_memory_identity_is_new_each_time(embedded_url: str) -> None:
    first = await PeerClient.connect(embedded_url)
    key = first.identity_key
    await first.close()
    second = await PeerClient.connect(embedded_url)
    try:
        assert second.identity_key != key
    finally:
        await second.close()


async def test_reconnect_after_a_dropped_socket_loses_nothing(embedded_url: str) -> None:
    alice = await PeerClient.connect(embedded_url)
    bob = await PeerClient.connect(embedded_url)
    try:
        to_bob = await alice.open_direct(bob.pseudonym)
        await to_bob.send("before the drop")
        to_alice = await bob.open_direct(alice.pseudonym)
        assert (await to_alice.next_message(timeout=10)).text == "before the drop"

        await bob.drop_connection()
        await to_bob.send("during the drop")  # queued in bob's inbox, or pushed after resume
        await to_alice.send("sent while down")  # waits for bob's session to come back
        assert (await to_alice.next_message(timeout=20)).text == "during the drop"
        assert (await to_bob.next_message(timeout=20)).text == "sent while down"
        await to_alice.send("after the drop")
        assert (await to_bob.next_message(timeout=10)).text == "after the drop"
    finally:
        await alice.close()
        await bob.close()


async def test_unknown_pseudonym_is_a_typed_error(embedded_url: str) -> None:
    from client import ClientError

    alice = await PeerClient.connect(embedded_url)
    try:
        with pytest.raises(ClientError) as err:
            await alice.open_direct("Nobody Here 99")
        assert err.value.code in {"unknown_user", "no_keys"}
    finally:
        await alice.close()




async def test_safety_numbers_match_and_bad_text_is_refused(embedded_url: str) -> None:
    from client import ClientError

    alice = await PeerClient.connect(embedded_url)
    bob = await PeerClient.connect(embedded_url)
    carol = await PeerClient.connect(embedded_url)
    try:
        to_bob = await alice.open_direct(bob.pseudonym)
        await bob.open_direct(alice.pseudonym)
        await carol.open_direct(bob.pseudonym)
        number = alice.safety_number(bob.pseudonym)
        assert number == bob.safety_number(alice.pseudonym)
        assert len(number.replace(" ", "")) == 60
        assert number != carol.safety_number(bob.pseudonym)
        with pytest.raises(ClientError) as err:
            await to_bob.send("x" * 9000)
        assert err.value.code == "too_large"
        with pytest.raises(ClientError):
            await to_bob.send("")
        # refused input moved no key: the next message still arrives
        await to_bob.send("still fine")
        chat = await bob.open_direct(alice.pseudonym)
        assert (await chat.next_message(10)).text == "still fine"
    finally:
        for peer in (alice, bob, carol):
            await peer.close()


async def test_server_restart_loses_no_queued_message(server_process, tmp_path) -> None:
    """The relay process goes away and comes back on the same data dir: clients reconnect by
    themselves (with backoff), authenticate again and get what was queued meanwhile."""
    server = await asyncio.to_thread(server_process)
    alice = await PeerClient.connect(server.url, keystore=tmp_path / "alice.keys")
    bob = await PeerClient.connect(server.url, keystore=tmp_path / "bob.keys")
    try:
        to_bob = await alice.open_direct(bob.pseudonym)
        await to_bob.send("before the restart")
        to_alice = await bob.open_direct(alice.pseudonym)
        assert (await to_alice.next_message(10)).text == "before the restart"

        await bob.close()  # bob is offline across the restart
        await server.astop()
        await server.astart()
        # alice's client reconnects by itself; wait for it, then write to offline bob
        for _ in range(300):
            if alice._session._transport.connected and alice._session._worker is not None:
                try:
                    await to_bob.send("after the restart")
                    break
                except ClientError:
                    pass
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("alice never got back")
        bob = await PeerClient.connect(server.url, keystore=tmp_path / "bob.keys")
        chat = await bob.open_direct(alice.pseudonym)
        assert (await chat.next_message(15)).text == "after the restart"
    finally:
        await alice.close()
        await bob.close()


async def test_sealed_keystore_across_restarts(embedded_url: str, tmp_path) -> None:
    from client import ClientError

    path = tmp_path / "sealed.keys"
    first = await PeerClient.connect(embedded_url, keystore=path, passphrase="kolme sanaa tässä")
    name, account_b64 = first.pseudonym, first._engine.export_state()["account"]
    await first.close()
    raw = path.read_bytes()
    assert b'"sealed"' in raw and account_b64[:24].encode() not in raw
    with pytest.raises(ClientError) as err:
        await PeerClient.connect(embedded_url, keystore=path, passphrase="wrong words")
    assert err.value.code == "bad_passphrase"
    again = await PeerClient.connect(embedded_url, keystore=path, passphrase="kolme sanaa tässä")
    try:
        assert again.pseudonym == name
    finally:
        await again.close()


async def test_unreachable_server_is_a_typed_error_without_leaks() -> None:
    from client import TransportError
    from tests.fixtures.services import free_port

    with pytest.raises(TransportError) as err:
        await PeerClient.connect(f"http://127.0.0.1:{free_port()}")
    assert err.value.code == "disconnected"
    assert "127.0.0.1" not in str(err.value)  # no address in errors


async def test_both_sides_open_at_once_and_converge(embedded_url: str) -> None:
    alice = await PeerClient.connect(embedded_url)
    bob = await PeerClient.connect(embedded_url)
    try:
        # Both fetch a bundle and start a session before either hears from the other.
        to_bob, to_alice = await asyncio.gather(
            alice.open_direct(bob.pseudonym), bob.open_direct(alice.pseudonym)
        )
        await asyncio.gather(to_bob.send("a1"), to_alice.send("b1"))
        assert (await to_bob.next_message(10)).text == "b1"
        assert (await to_alice.next_message(10)).text == "a1"
        for i in range(2, 6):
            await to_bob.send(f"a{i}")
            await to_alice.send(f"b{i}")
            assert (await to_alice.next_message(10)).text == f"a{i}"
            assert (await to_bob.next_message(10)).text == f"b{i}"
        assert alice.undecryptable == 0 and bob.undecryptable == 0
    finally:
        await alice.close()
        await bob.close()
