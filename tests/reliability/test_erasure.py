"""Data rights (issue 15): a peer erases their pseudonym through the Python API, and afterwards
nothing the server wrote (every Redis key and value, every file of the data directory, its log)
holds the pseudonym or the identity key, on both backends (the person's cases are kept without
them); the name is free again, the device's
keystore is gone, and the refusals (no challenge, a wrong signature, a spent connection) change
nothing. The search is shown able to fail: before the erasure it finds both."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import string
from collections.abc import Callable
from pathlib import Path

import pytest

from client import PeerClient
from client.errors import ClientError
from server.storage.embedded.moderation_db import DB_FILE as MOD_FILE
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.fixtures.server import ServerProcess
from tests.reliability.helpers import collect
from tests.reliability.wire import RawPeer, b64

CRISIS = "I want to kill myself tonight"  # flagged by the sender's own client (risk history)


@pytest.fixture(params=["redis", "embedded"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("redis_url")) if request.param == "redis" else None


def unique_name() -> str:
    return "Poistuja" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


def everything(server: ServerProcess, backend: str | None) -> list[tuple[str, bytes]]:
    """Every blob but the audit log, which is kept on purpose: a hash chain whose rows name
    their subject (docs/decisions.md "Erasure"; a rewritten row would break the chain). The
    moderation file is read table by table for that reason; its other tables are all here."""
    blobs = [(n, b) for n, b in file_blobs([server.data_dir, server.log_path])
             if MOD_FILE not in n]
    mod_file = server.data_dir / MOD_FILE
    if mod_file.exists():
        db = sqlite3.connect(mod_file)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table != "audit_log":
                rows = db.execute(f"SELECT * FROM {table}").fetchall()
                blobs.append((f"sqlite:{table}", repr(rows).encode()))
        db.close()
    if backend:
        blobs += [(n, b) for n, b in redis_blobs(backend) if n != "redis:ilp:mod:audit"]
    return blobs


def audit_blobs(server: ServerProcess, backend: str | None) -> list[tuple[str, bytes]]:
    if backend:
        return [(n, b) for n, b in redis_blobs(backend) if n == "redis:ilp:mod:audit"]
    db = sqlite3.connect(server.data_dir / MOD_FILE)
    rows = db.execute("SELECT entry FROM audit_log").fetchall()
    db.close()
    return [("sqlite:audit_log", b"".join(bytes(r[0]) for r in rows))]


async def test_after_erasure_no_store_holds_the_pseudonym_or_the_key(
        backend: str | None, server_process: Callable[..., ServerProcess],
        tmp_path: Path) -> None:
    server = server_process(redis_url=backend)
    name = unique_name()
    keys_file = tmp_path / "leaver.keys"
    carol_file = tmp_path / "carol.keys"
    carol = await PeerClient.connect(server.url, keystore=carol_file)
    carol_name = str(carol.pseudonym)
    await carol.close()
    leaver = await PeerClient.connect(server.url, name, keystore=keys_file)
    bob = await PeerClient.connect(server.url)
    try:
        gl, gb = await leaver.join_group("open"), await bob.join_group("open")
        await gl.send(CRISIS)
        assert await collect(gb, {CRISIS}, 15)
        await (await leaver.open_direct(carol_name)).send("odota minua")  # queued from the leaver
        await (await leaver.open_direct(str(bob.pseudonym))).send("hei")
        # A case that finished (asked, then left) and one still waiting at the erasure.
        await (await leaver.request_counsellor(reason="alcohol", level=1)).leave()
        waiting = await leaver.request_counsellor(reason="alcohol", level=1)
        assert waiting.state == "queued"
        key = leaver.identity_key
        before = everything(server, backend)
        assert find(name.encode(), before), "the search does not reach the stores"
        assert find(key, before), "the search does not reach the key"

        await leaver.erase_identity()
        assert not keys_file.exists()
        # The connection's session record goes when the server has seen the disconnect.
        for _ in range(50):
            after = everything(server, backend)
            if not find(key, after):
                break
            await asyncio.sleep(0.1)
        assert find(name.encode(), after) == []
        assert find(key, after) == []
        # What is kept, and only that: the audit rows (the self-flag's row names the flagger).
        assert find(name.encode(), audit_blobs(server, backend))
        stranger = await PeerClient.connect(server.url)
        with pytest.raises(ClientError) as err:
            await stranger.open_direct(name)
        assert err.value.code == "unknown_user"
        await stranger.close()
        # The name is free at once, for anyone.
        newcomer = await PeerClient.connect(server.url, name)
        assert newcomer.pseudonym == name
        await newcomer.close()
        # Carol's queued envelope from the leaver went with it; the other keys are untouched.
        carol = await PeerClient.connect(server.url, keystore=carol_file)
        assert carol.pseudonym == carol_name
    finally:
        for peer in (leaver, bob, carol):
            await peer.close()


async def test_erase_refusals_change_nothing(server_process: Callable[..., ServerProcess]) -> None:
    server = server_process()
    peer = RawPeer(server.url)
    await peer.connect()
    try:
        me = await peer.login()
        assert (await peer.call("identity.erase", {"signature": b64(bytes(64))}))["error"] == \
            "no_challenge"
        assert (await peer.call("identity.erase_challenge", {}))["ok"]
        # A socket without the private key cannot sign: refused, and the challenge is spent.
        assert (await peer.call("identity.erase", {"signature": b64(bytes(64))}))["error"] == \
            "bad_signature"
        assert (await peer.call("identity.erase", {"signature": b64(bytes(64))}))["error"] == \
            "no_challenge"
        assert (await peer.call("identity.erase", {"signature": "not base64"}))["error"] == \
            "bad_request"
        # An auth signature over the erase challenge is not an erase signature.
        challenge = (await peer.call("identity.erase_challenge", {}))["challenge"]
        wrong = peer.auth_signature(challenge)
        assert (await peer.call("identity.erase", {"signature": wrong}))["error"] == \
            "bad_signature"
        other = RawPeer(server.url)
        await other.connect()
        await other.login()
        found = await other.call("keys.fetch", {"pseudonym": me["pseudonym"]})
        assert found.get("error") != "unknown_user", "a refused erasure erased the binding"
        # Signed properly: erased, and the connection serves nothing more.
        challenge = (await peer.call("identity.erase_challenge", {}))["challenge"]
        assert (await peer.call("identity.erase", {"signature": peer.erase_signature(challenge)}
                                ))["ok"]
        assert (await peer.call("keys.count", {}))["error"] == "not_authenticated"
        gone = await other.call("keys.fetch", {"pseudonym": me["pseudonym"]})
        assert gone["error"] == "unknown_user"
        await other.close()
    finally:
        await peer.close()
