"""Server secrets in a key file, never in Redis or SQLite (issue 8, finding 6)."""

from __future__ import annotations

import base64
import json
import sqlite3
import stat
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from server.keyfile import KeyFileError, default_key_file
from server.storage.redis.connection import Connection
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer, envelope, wait_until

LEGACY_SEED, LEGACY_FRANK = b"\x11" * 32, b"\x22" * 32


def secret_forms(server: LiveServer) -> list[bytes]:
    keys = server.services.keys
    seed = keys.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    out = []
    for secret in (seed, keys.franking_key):
        out += [secret, base64.b64encode(secret), secret.hex().encode()]
    return out


async def store_bytes(server: LiveServer) -> bytes:
    """Everything the data store holds: every file of the data dir, or every Redis value."""
    url = server.services.settings.redis_url
    if url is None:
        return b"".join(p.read_bytes() for p in sorted(server.data_dir.rglob("*")) if p.is_file())
    client = aioredis.Redis.from_url(url)
    try:
        parts = [key + (await client.dump(key) or b"") async for key in client.scan_iter()]
    finally:
        await client.aclose()
    return b"".join(parts)


async def test_no_secret_bytes_in_the_store_after_a_scenario(server: LiveServer) -> None:
    a = await Peer.connect(server.url, "Aamu")
    b = await Peer.connect(server.url, "Ilta")
    try:
        joined = await a.call("group.join", {"group_id": "open"})
        await b.call("group.join", {"group_id": "open"})
        assert (await a.call("room.send", {"room": joined["room"], **envelope(
            commitment=b"c" * 32)}))["ok"]
        await b.next("room.envelope")
    finally:
        await a.close()
        await b.close()
    await wait_until(lambda: server.services.metrics.connections == 0)
    if server.services.settings.redis_url is None:
        await server.stop()  # let SQLite checkpoint and close its files
    held = await store_bytes(server)
    assert held, "nothing scanned"
    for form in secret_forms(server):
        assert form not in held


def test_key_file_is_private_and_outside_the_data_dir(live_server: LiveServer) -> None:
    path = default_key_file(live_server.data_dir)
    assert path.exists() and not path.resolve().is_relative_to(live_server.data_dir.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and set(doc) == {"version", "room_signing_key", "franking_key"}


async def test_keys_survive_a_restart_and_a_readable_file_is_refused(
        live_server_factory: LiveServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "d"
    first = await live_server_factory(data_dir=data)
    public = first.services.keys.public_key
    await first.stop()
    again = await live_server_factory(data_dir=data)
    assert again.services.keys.public_key == public
    await again.stop()
    default_key_file(data).chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        await live_server_factory(data_dir=data)
    with pytest.raises(KeyFileError, match="outside the data directory"):
        await live_server_factory(data_dir=data, key_file=data / "inside.key")


def write_legacy_sqlite(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700, parents=True)
    db = sqlite3.connect(data_dir / "iltapiiri.sqlite3")
    db.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
    db.executemany("INSERT INTO secrets VALUES (?, ?)", [("room_signing_key", LEGACY_SEED),
                                                         ("franking_key", LEGACY_FRANK)])
    db.commit()
    db.close()


async def test_keys_in_an_old_sqlite_file_move_to_the_key_file(
        live_server_factory: LiveServerFactory, tmp_path: Path) -> None:
    from server.storage.embedded.db import DB_FILE
    data = tmp_path / "old"
    write_legacy_sqlite(data)
    assert (data / DB_FILE).exists()
    server = await live_server_factory(data_dir=data)
    legacy_public = Ed25519PrivateKey.from_private_bytes(LEGACY_SEED).public_key().public_bytes_raw()
    assert server.services.keys.public_key == legacy_public  # clients keep trusting the same key
    assert server.services.keys.franking_key == LEGACY_FRANK
    await server.stop()
    held = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert LEGACY_SEED not in held and LEGACY_FRANK not in held


async def test_keys_in_redis_move_to_the_key_file_and_a_mismatch_is_refused(
        live_server_factory: LiveServerFactory, redis_url: str, tmp_path: Path) -> None:
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.set("ilp:secret:room_signing_key", LEGACY_SEED)
        await client.set("ilp:secret:franking_key", LEGACY_FRANK)
        server = await live_server_factory(redis_url=redis_url, key_file=tmp_path / "k1.key")
        assert server.services.keys.franking_key == LEGACY_FRANK
        assert await client.get("ilp:secret:room_signing_key") is None
        assert await client.get("ilp:secret:franking_key") is None
        # A process with another key file on the same Redis refuses to start.
        with pytest.raises(KeyFileError, match="same key file"):
            await live_server_factory(redis_url=redis_url, key_file=tmp_path / "k2.key")
        # Store keys that differ from an existing key file: refused, nothing changed.
        await client.set("ilp:secret:room_signing_key", b"\x33" * 32)
        await client.set("ilp:secret:franking_key", b"\x44" * 32)
        with pytest.raises(KeyFileError, match="differ from the key file"):
            await live_server_factory(redis_url=redis_url, key_file=tmp_path / "k1.key")
        assert await client.get("ilp:secret:franking_key") == b"\x44" * 32
    finally:
        await client.aclose()


def test_redis_tls_urls_use_tls() -> None:
    store = Connection.open("rediss://:pw@redis.example.org:6380/0")
    pool = store.r.connection_pool
    assert pool.connection_class.__name__ == "SSLConnection"
    assert pool.connection_kwargs["password"] == "pw"
    assert "pw" not in repr(store)


async def test_a_password_protected_redis_works(live_server_factory: LiveServerFactory,
                                                tmp_path: Path) -> None:
    """deploy/redis.conf sets `requirepass`; REDIS_URL carries it (redis://:PASSWORD@host)."""
    import shutil
    import subprocess

    from tests.fixtures.services import _wait_for_port, free_port
    binary = shutil.which("redis-server")
    assert binary is not None
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path),
                             "--requirepass", "pitka-salasana"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        with pytest.raises(aioredis.AuthenticationError):
            await live_server_factory(redis_url=f"redis://127.0.0.1:{port}/0")
        server = await live_server_factory(redis_url=f"redis://:pitka-salasana@127.0.0.1:{port}/0")
        peer = await Peer.connect(server.url, "Salasana")
        assert (await peer.call("group.join", {"group_id": "open"}))["ok"]
        await peer.close()
        await server.stop()  # before its Redis goes away
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_key_file_can_be_made_before_the_first_start(tmp_path: Path) -> None:
    from server.keyfile import main, read_key_file
    path = tmp_path / "etc" / "server.key"
    assert main([str(path)]) == 0 and stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = read_key_file(path)
    assert main([str(path)]) == 0 and read_key_file(path) == keys  # left as it is
    path.chmod(0o640)
    assert main([str(path)]) == 1
