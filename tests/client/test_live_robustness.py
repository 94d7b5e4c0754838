"""What a real client must survive: keys after messages, forged membership, prekey exhaustion."""

from __future__ import annotations

import asyncio
import base64
import copy
import logging
from typing import Any

import pytest

from client import PeerClient
from tests.client.test_live_groups import close_all, connect_many
from tests.fixtures.server import LiveServerFactory


async def wait_for(predicate: Any, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def test_message_before_its_sender_key_is_held_then_delivered(embedded_url: str) -> None:
    alice, bob, carol = await connect_many(embedded_url, 3)
    try:
        await alice.join_group("open")
        gb = await bob.join_group("open")
        # Hold back every 1:1 push to bob, so carol's sender key reaches him after her message.
        held: list[Any] = []
        original = bob._session._dispatch
        holding = True

        async def dispatch(name: str, data: Any) -> None:
            if holding and name == "direct.envelope":
                held.append(data)
                return
            await original(name, data)

        bob._session._dispatch = dispatch  # type: ignore[method-assign]
        gc = await carol.join_group("open")
        await gc.send("said before bob had my key")
        await wait_for(lambda: bob._groups.keys.rooms[gb.room].held_count() == 1)
        assert len(gb._mailbox) == 0
        holding = False
        for data in held:
            await bob._session._dispatch("direct.envelope", data)
        msg = await gb.next_message(5)
        assert (msg.sender, msg.text) == (carol.pseudonym, "said before bob had my key")
        assert bob._groups.keys.rooms[gb.room].held_count() == 0
    finally:
        await close_all([alice, bob, carol])


async def test_forged_membership_is_ignored(
    embedded_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="client")
    alice, bob = await connect_many(embedded_url, 2)
    try:
        ga = await alice.join_group("open")
        await bob.join_group("open")
        await wait_for(lambda: bob.pseudonym in ga.members)
        state = alice._groups.keys.rooms[ga.room]
        epoch, members = state.epoch, dict(state.members)
        my_distribution = alice._engine.my_distribution(ga.room)
        # "bob was removed", signed by someone other than the server
        forged = {
            "room": ga.room, "epoch": epoch + 1, "event": "removed",
            "pseudonym": bob.pseudonym,
            "role": "peer",
            "identity_key": base64.b64encode(bob.identity_key).decode(),
            "members": [{"pseudonym": alice.pseudonym, "role": "peer",
                         "identity_key": base64.b64encode(alice.identity_key).decode()}],
            "at": 1, "sig": base64.b64encode(bytes(64)).decode(),
        }
        alice._session._on_push("room.membership", forged)
        await wait_for(lambda: "room.membership dropped: bad_membership" in caplog.text, 20)
        assert state.epoch == epoch and state.members == members
        # no rotation happened: alice's sender key is the same one
        assert alice._engine.my_distribution(ga.room).key_id == my_distribution.key_id
        assert bob.pseudonym in ga.members
        assert "room.membership dropped: bad_membership" in caplog.text
    finally:
        await close_all([alice, bob])


async def test_group_messages_carry_a_verifiable_relay_stamp(embedded_url: str) -> None:
    alice, bob = await connect_many(embedded_url, 2)
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        await ga.send("report me")
        msg = await gb.next_message(10)
        opening = msg.franking
        assert opening is not None and opening.verify_commitment()
        assert opening.stamp is not None and len(opening.stamp) == 32
        assert opening.room == gb.room and opening.sender_key == alice.identity_key
        tampered = copy.copy(opening)
        object.__setattr__(tampered, "text", "something else")
        assert not tampered.verify_commitment()
    finally:
        await close_all([alice, bob])


async def test_one_time_prekeys_are_topped_up_when_low(
        live_server_factory: LiveServerFactory) -> None:
    # No prekey budget and no keys.low push here: this is the top-up on new sessions alone
    # (the push: tests/client/test_prekey_top_up.py; the budget: tests/server).
    server = await live_server_factory(prekey_fetches_per_requester=1000,
                                       prekey_fetches_per_target=1000, prekey_low_water=0)
    embedded_url = server.url
    bob = await PeerClient.connect(embedded_url)
    fetchers = await connect_many(embedded_url, 5)  # key fetches are rate-limited per connection
    senders: list[PeerClient] = []
    try:
        start = (await bob._session._transport.request("keys.count"))["one_time_prekeys"]
        assert start >= 10
        # Someone drains bob's prekeys (each fetch hands out and deletes one).
        for i in range(start - 3):
            await fetchers[i % len(fetchers)]._session.request(
                "keys.fetch", {"pseudonym": bob.pseudonym}
            )
        assert (await bob._session._transport.request("keys.count"))["one_time_prekeys"] == 3
        # New peers start sessions with bob; his client notices and publishes more.
        senders = await connect_many(embedded_url, 5)
        for peer in senders:
            await (await peer.open_direct(bob.pseudonym)).send("hello")
        for peer in senders:
            chat = await bob.open_direct(peer.pseudonym)
            assert (await chat.next_message(10)).text == "hello"
        await wait_for(lambda: bob._prekeys.session_starts == 0)
        count = (await bob._session._transport.request("keys.count"))["one_time_prekeys"]
        assert count >= 10
    finally:
        await close_all([bob, *fetchers, *senders])


@pytest.mark.timeout(180)
async def test_a_dozen_members_share_keys_despite_rate_limits(embedded_url: str) -> None:
    peers = await connect_many(embedded_url, 12)
    try:
        groups = [await p.join_group("open") for p in peers]
        await groups[-1].send("the last to join speaks")
        for group in groups[:-1]:
            msg = await group.next_message(30)
            assert msg.text == "the last to join speaks"
        await groups[0].send("the first answers")
        for group in groups[1:]:
            assert (await group.next_message(30)).text == "the first answers"
    finally:
        await close_all(peers)
