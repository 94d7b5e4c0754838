"""The canary: a unique sentence sent through a group, 1:1 and the offline inbox never reaches the
server in any form. Everything the server touched is searched: every Redis key and value (typed
reads and DUMP) on the Redis backend, every file of its data directory (SQLite, WAL, journal) on
the embedded backend, and its log at DEBUG level, on both.

The search is proven able to fail: the same search must find values we know the server holds
(a pseudonym, the exact ciphertext of the queued envelope, a log event name).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from client import PeerClient
from tests.client.leakscan import file_blobs, find, redis_blobs, redis_info
from tests.fixtures.server import ServerProcess


def capture_sends(peer: PeerClient) -> list[dict[str, Any]]:
    """Copies of every ``direct.send`` request the peer makes."""
    sent: list[dict[str, Any]] = []
    original = peer._session._transport.request

    async def request(event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if event == "direct.send" and payload is not None:
            sent.append(dict(payload))
        return await original(event, payload)

    peer._session._transport.request = request  # type: ignore[method-assign]
    return sent


def stored(server: ServerProcess) -> list[tuple[str, bytes]]:
    """Everything the server's store holds right now (Redis, or the data directory's files)."""
    if server.redis_url:
        assert redis_info(server.redis_url)["keys"] > 0
        return [*redis_blobs(server.redis_url), *file_blobs([server.data_dir])]
    blobs = list(file_blobs([server.data_dir]))
    assert any(name.endswith(".sqlite3") for name, _ in blobs), "no SQLite file to search"
    return blobs


async def test_canary_never_reaches_the_server(debug_server: ServerProcess, tmp_path) -> None:
    server = debug_server
    token = secrets.token_hex(16)
    canary = f"Kanarialintu {token} laulaa majakan valossa"
    lines = {where: f"{canary} ({where})" for where in ("group", "direct", "offline")}

    alice = await PeerClient.connect(server.url)
    bob = await PeerClient.connect(server.url)
    carol_store = tmp_path / "carol.keys"
    carol = await PeerClient.connect(server.url, keystore=carol_store)
    carol_name = carol.pseudonym
    await carol.close()  # carol is offline from here on
    try:
        ga, gb = await alice.join_group("open"), await bob.join_group("open")
        await ga.send(lines["group"])
        assert (await gb.next_message(10)).text == lines["group"]

        to_bob = await alice.open_direct(bob.pseudonym)
        await to_bob.send(lines["direct"])
        assert (await (await bob.open_direct(alice.pseudonym)).next_message(10)).text == lines["direct"]

        sent = capture_sends(alice)
        to_carol = await alice.open_direct(carol_name)
        await to_carol.send(lines["offline"])
        queued_body = base64.b64decode(sent[-1]["body"])

        # While the envelope waits in carol's inbox, search the store.
        while_queued = stored(server)
        assert find(token.encode(), while_queued) == []
        assert find(canary.encode(), while_queued) == []
        # Proof the search reaches the stored data: it finds what we know is there.
        assert find(queued_body[:48], while_queued), "queued ciphertext not found in the store"
        assert find(alice.pseudonym.encode(), while_queued), "pseudonym not found in the store"

        carol = await PeerClient.connect(server.url, keystore=carol_store)
        got = await (await carol.open_direct(alice.pseudonym)).next_message(10)
        assert got.text == lines["offline"]
    finally:
        for peer in (alice, bob, carol):
            await peer.close()
    await server.astop()  # flush and close the log (and the SQLite file) before reading them

    log = server.log_path.read_bytes()
    everything = [*stored(server), *file_blobs([server.log_path])]
    for secret in (token.encode(), canary.encode(), *(line.encode() for line in lines.values())):
        assert find(secret, everything) == []
    # The log is real and at DEBUG, and the search finds what we know it holds.
    assert b'"level":"debug"' in log
    assert find(b"group.join", [("log", log)])
    assert find(b"room.send", [("log", log)])
