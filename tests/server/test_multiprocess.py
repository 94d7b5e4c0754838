"""Scale-out and durability with real `python -m server` processes.

Two processes on one Redis: peers on different processes share a room and 1:1 envelopes cross
over; then process A restarts and nothing durable is lost. The same restart check runs on the
embedded SQLite store.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from tests.fixtures.server import ServerProcess
from tests.server.harness import Peer, envelope, unb64

BUNDLE = {"dh_key": base64.b64encode(b"\x02" * 32).decode(),
          "dh_sig": base64.b64encode(b"\x03" * 64).decode(),
          "signed_prekey": {"id": 1, "key": base64.b64encode(b"\x04" * 32).decode(),
                            "sig": base64.b64encode(b"\x05" * 64).decode()},
          "one_time_prekeys": [{"id": i, "key": base64.b64encode(bytes([i + 1]) * 32).decode()}
                               for i in range(3)]}


async def test_two_processes_on_one_redis(server_process: Callable[..., ServerProcess],
                                          redis_url: str) -> None:
    proc_a = server_process(redis_url=redis_url)
    proc_b = server_process(redis_url=redis_url)
    alice = await Peer.connect(proc_a.url, "Alice")
    bob = await Peer.connect(proc_b.url, "Bob")
    peers = [alice, bob]
    try:
        assert alice.server_key == bob.server_key  # both processes sign with one room key
        server_key = alice.server_key
        assert (await alice.call("keys.publish", BUNDLE))["ok"]
        room = (await alice.call("group.join", {"group_id": "open"}))["room"]
        joined = await bob.call("group.join", {"group_id": "open"})
        assert joined["room"] == room and {m["pseudonym"] for m in joined["members"]} == \
            {"Alice", "Bob"}
        assert (await alice.next("room.membership"))["pseudonym"] == "Bob"
        # Group envelopes both ways across processes, one sequence for the room.
        s1 = await alice.call("room.send", {"room": room, **envelope(b"from A")})
        got_b = await bob.next("room.envelope")
        assert (unb64(got_b["body"]), got_b["sender"], got_b["seq"]) == (b"from A", "Alice", 1)
        s2 = await bob.call("room.send", {"room": room, **envelope(b"from B")})
        got_a = await alice.next("room.envelope")
        assert (unb64(got_a["body"]), got_a["sender"], got_a["seq"]) == (b"from B", "Bob", 2)
        assert (s1["seq"], s2["seq"]) == (1, 2)
        await alice.nothing("room.envelope", 0.2)
        # 1:1 across processes, pushed at once.
        d1 = await alice.call("direct.send", {"to": "Bob", **envelope(b"dm1")})
        assert (await bob.next("direct.envelope"))["id"] == d1["id"]
        # Bob goes offline; Alice's next envelope waits in his inbox. Leaving is seen on A.
        bob_key = bob.key
        await bob.close()
        left = await alice.next("room.membership")
        assert (left["event"], left["pseudonym"]) == ("left", "Bob")
        d2 = await alice.call("direct.send", {"to": "Bob", **envelope(b"dm2")})
        # Stop process A and start it again.
        await alice.close()
        await proc_a.astop()
        await proc_a.astart()
        alice = await Peer.connect(proc_a.url, key=alice.key)
        peers.append(alice)
        assert alice.pseudonym == "Alice"  # the binding survived
        assert alice.server_key == server_key  # the server keys survived
        stranger = await Peer.connect(proc_a.url, auth=False)
        peers.append(stranger)
        assert (await stranger.authenticate("alice"))["error"] == "pseudonym_taken"
        bob = await Peer.connect(proc_a.url, key=bob_key)  # Bob comes back on the restarted A
        peers.append(bob)
        assert bob.pseudonym == "Bob"
        inbox = (await bob.call("inbox.fetch"))["envelopes"]
        assert [e["id"] for e in inbox] == [d1["id"], d2["id"]]  # nothing acked yet
        assert unb64(inbox[1]["body"]) == b"dm2"
        fetched = await bob.call("keys.fetch", {"pseudonym": "Alice"})
        assert fetched["dh_key"] == BUNDLE["dh_key"] and fetched["one_time_prekey"]["id"] == 0
        assert (await alice.call("keys.count"))["one_time_prekeys"] == 2
        # The room goes on across the restart, with its sequence numbers.
        await alice.call("group.join", {"group_id": "open"})
        await bob.call("group.join", {"group_id": "open"})
        s3 = await bob.call("room.send", {"room": room, **envelope(b"again")})
        assert s3["seq"] == 3
        assert (await alice.next("room.envelope"))["seq"] == 3
    finally:
        for p in peers:
            await p.close()
    for proc in (proc_a, proc_b):
        await proc.astop()
        assert proc.proc is not None and proc.proc.returncode == 0, proc.log_text()[-2000:]


async def test_embedded_store_survives_a_restart(
        server_process: Callable[..., ServerProcess]) -> None:
    proc = server_process()
    alice = await Peer.connect(proc.url, "Alice")
    bob = await Peer.connect(proc.url, "Bob")
    server_key = alice.server_key
    await alice.call("keys.publish", BUNDLE)
    sent = await bob.call("direct.send", {"to": "Alice", **envelope(b"queued")})
    room = (await alice.call("group.join", {"group_id": "open"}))["room"]
    await alice.call("room.send", {"room": room, **envelope()})
    await alice.close()
    await bob.close()
    await proc.astop()
    assert proc.proc is not None and proc.proc.returncode == 0
    await proc.astart()
    alice = await Peer.connect(proc.url, key=alice.key)
    bob = await Peer.connect(proc.url, key=bob.key)
    try:
        assert (alice.pseudonym, bob.pseudonym) == ("Alice", "Bob")
        assert alice.server_key == server_key
        inbox = (await alice.call("inbox.fetch"))["envelopes"]
        assert [(e["id"], unb64(e["body"])) for e in inbox] == [(sent["id"], b"queued")]
        assert (await bob.call("keys.fetch", {"pseudonym": "Alice"}))["dh_key"] == \
            BUNDLE["dh_key"]
        await alice.call("group.join", {"group_id": "open"})
        # Room counters are durable too: no sequence number is ever reused.
        assert (await alice.call("room.send", {"room": room, **envelope()}))["seq"] == 2
    finally:
        await alice.close()
        await bob.close()


async def test_clients_reconnect_after_a_restart(
        server_process: Callable[..., ServerProcess]) -> None:
    """A stop drops the transports (no Socket.IO disconnect), so clients come back by themselves."""
    import asyncio

    import socketio

    proc = server_process()
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2,
                                  reconnection_delay_max=0.5)
    connects = 0

    async def on_connect() -> None:
        nonlocal connects
        connects += 1

    client.on("connect", on_connect)
    await client.connect(proc.url, transports=["websocket"])
    try:
        assert connects == 1
        await proc.astop()
        await proc.astart()
        for _ in range(100):
            if connects == 2 and client.connected:
                break
            await asyncio.sleep(0.1)
        assert connects == 2, "the client did not reconnect"
        assert (await client.call("hello", {}, timeout=5))["ok"]
    finally:
        await client.disconnect()
