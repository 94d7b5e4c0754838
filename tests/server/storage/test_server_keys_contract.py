"""ServerKeyStore contract (public key agreement, no secrets), on both backends."""

from __future__ import annotations

from server.storage.stores import Stores


async def test_no_secrets_in_a_new_store(stores: Stores) -> None:
    # Server secrets live in the key file (server/keyfile.py); a new store has none to migrate.
    keys = stores.server_keys
    assert await keys.legacy_secret("room_signing_key") is None
    await keys.drop_legacy_secret("room_signing_key")  # a no-op
    assert await keys.agree_public_key(b"\x01" * 32) == b"\x01" * 32


async def test_reprs_hide_everything(stores: Stores) -> None:
    for part in (stores, stores.identities, stores.keys, stores.rooms, stores.inbox,
                 stores.claims, stores.server_keys):
        assert "redis://" not in repr(part) and "127.0.0.1" not in repr(part)
