"""The embedded backend: process memory plus one SQLite file in the data dir, one module per
aggregate (see server/storage/stores.py); the moderation store keeps its own file. Single
process only."""

from __future__ import annotations

from pathlib import Path

from server.storage.embedded.claims import EmbeddedClaims
from server.storage.embedded.db import Database
from server.storage.embedded.identities import EmbeddedIdentities
from server.storage.embedded.inbox import EmbeddedInbox
from server.storage.embedded.keydir import EmbeddedKeyDirectory
from server.storage.embedded.moderation import EmbeddedModerationStore
from server.storage.embedded.rooms import EmbeddedRooms
from server.storage.embedded.server_keys import EmbeddedServerKeys
from server.storage.stores import Stores


def open_embedded(data_dir: Path) -> Stores:
    """Every store on the SQLite file in `data_dir` (created owner-only if missing)."""
    db = Database(data_dir)
    rooms = EmbeddedRooms(db)
    moderation = EmbeddedModerationStore(data_dir)

    async def close() -> None:
        rooms.flush()
        await moderation.close()
        await db.close()

    return Stores(identities=EmbeddedIdentities(db), keys=EmbeddedKeyDirectory(db),
                  rooms=rooms, inbox=EmbeddedInbox(db), claims=EmbeddedClaims(db),
                  server_keys=EmbeddedServerKeys(db), moderation=moderation, closer=close,
                  backend="embedded")
