"""The embedded backend: process memory plus one SQLite file in the data dir, one module per
aggregate (see server/storage/stores.py); the moderation ports share a file of their own. Single
process only."""

from __future__ import annotations

from pathlib import Path

from server.storage.embedded.alerts import EmbeddedAlerts
from server.storage.embedded.audit import EmbeddedAudit
from server.storage.embedded.cases import EmbeddedCases
from server.storage.embedded.claims import EmbeddedClaims
from server.storage.embedded.db import Database
from server.storage.embedded.duty import EmbeddedDuty
from server.storage.embedded.flags import EmbeddedFlags
from server.storage.embedded.identities import EmbeddedIdentities
from server.storage.embedded.inbox import EmbeddedInbox
from server.storage.embedded.keydir import EmbeddedKeyDirectory
from server.storage.embedded.moderation_db import open_moderation_db
from server.storage.embedded.rooms import EmbeddedRooms
from server.storage.embedded.sanctions import EmbeddedSanctions
from server.storage.embedded.server_keys import EmbeddedServerKeys
from server.storage.stores import Stores


def open_embedded(data_dir: Path) -> Stores:
    """Every store on the SQLite file in `data_dir` (created owner-only if missing)."""
    db = Database(data_dir)
    rooms = EmbeddedRooms(db)
    mod_db = open_moderation_db(data_dir)

    async def close() -> None:
        rooms.flush()
        mod_db.close()
        await db.close()

    return Stores(identities=EmbeddedIdentities(db), keys=EmbeddedKeyDirectory(db),
                  rooms=rooms, inbox=EmbeddedInbox(db), claims=EmbeddedClaims(db),
                  server_keys=EmbeddedServerKeys(db), flags=EmbeddedFlags(mod_db),
                  alerts=EmbeddedAlerts(mod_db), duty=EmbeddedDuty(mod_db),
                  sanctions=EmbeddedSanctions(mod_db), audit=EmbeddedAudit(mod_db),
                  cases=EmbeddedCases(db), closer=close, backend="embedded")
