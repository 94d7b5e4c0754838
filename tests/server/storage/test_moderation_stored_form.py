"""The typed moderation ports read what the single JSON-string moderation store (main before the
split) wrote, and write the same bytes: rows and keys laid down here in that store's layout, with
its record JSON as literals, load through `Stores.flags/alerts/duty/sanctions/audit`."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from moderation.audit import GENESIS, AuditEntry, chain_hash, encode_entry
from server.storage.audit import Undecodable
from server.storage.embedded import open_embedded
from server.storage.embedded.moderation_db import DB_FILE, open_moderation_db
from server.storage.redis import open_redis
from server.storage.redis.moderation_keys import PREFIX
from server.storage.stores import Stores
from tests.server.storage.moderation_records import NIGHT, ROOM, alert, ban, flags, mute

FLAGS_JSON = ('{"v": 1, "room": "open/2026-06-10", "message_id": "1", "pseudonym": "Aino", '
              '"severity": 2, "categories": ["selfharm"], "rule_ids": ["r0"], "sources": ["self"], '
              '"first_at": 1000.0, "count": 1}')
ALERT_JSON = ('{"v": 1, "id": "al-1", "room": "open/2026-06-10", "message_id": "1", '
              '"pseudonym": "Aino", "severity": 3, "categories": ["selfharm"], '
              '"sources": ["self"], "state": "open", "opened_at": 1000.0, "deadline": 1060.0, '
              '"sent_to": ["m1"], "widened": 0, "acknowledged_by": null, '
              '"acknowledged_at": null, "closed_at": null, "version": 1}')
MUTE_JSON = ('{"v": 1, "id": "sa-1", "kind": "mute", "actor_id": "Moderaattori", '
             '"start": 1000.0, "end": 1600.0, "room": "open/2026-06-10", "pseudonym": "Aino", '
             '"message_id": null, "reason_code": null, "reason_text": "Please stop.", '
             '"seconds": null, "appeal_note": null, "self_chosen": false, "lifted_at": null, '
             '"lifted_by": null}')
BAN_JSON = ('{"v": 1, "id": "sa-2", "kind": "ban", "actor_id": "Moderaattori", "start": 1000.0, '
            '"end": null, "room": "open/2026-06-10", "pseudonym": "Aino", "message_id": null, '
            '"reason_code": "spam", "reason_text": null, "seconds": null, '
            '"appeal_note": "write to us", "self_chosen": false, "lifted_at": null, '
            '"lifted_by": null}')
ENTRY = AuditEntry(seq=0, at_ms=1_000_000, actor="Moderaattori", action="sanction", room=ROOM,
                   pseudonym="Aino", details={"sanction_id": "sa-1", "kind": "mute"})
ENTRY_HASH = chain_hash(GENESIS, ENTRY)


def _write_old_sqlite(data_dir: Path) -> None:
    db = open_moderation_db(data_dir)  # the same tables as the store before the split
    db.execute("INSERT INTO mod_flags VALUES (?, ?, ?, ?, ?)", (ROOM, "1", "Aino", NIGHT,
                                                               FLAGS_JSON))
    db.execute("INSERT INTO mod_alerts VALUES (?, ?, ?, ?, ?)", ("al-1", ROOM, "1", 1,
                                                                ALERT_JSON))
    db.execute("INSERT INTO mod_duty VALUES (?)", ("m1",))
    db.execute("INSERT INTO mod_sanctions VALUES (?, ?, ?, ?, ?)", ("sa-1", ROOM, "Aino", 0,
                                                                   MUTE_JSON))
    db.execute("INSERT INTO mod_sanctions VALUES (?, ?, ?, ?, ?)", ("sa-2", None, "Aino", 1,
                                                                   BAN_JSON))
    db.execute("INSERT INTO audit_log VALUES (?, ?, ?)", (0, encode_entry(ENTRY), ENTRY_HASH))
    db.close()


async def _write_old_redis(url: str) -> None:
    r = aioredis.Redis.from_url(url, decode_responses=True)
    wrapped = json.dumps({"night": NIGHT, "pseudonym": "Aino", "record": FLAGS_JSON})
    await r.hset(f"{PREFIX}flags:{ROOM}", "1", wrapped)
    await r.sadd(f"{PREFIX}risk:{NIGHT}:Aino", f"{ROOM}\n1")
    await r.set(f"{PREFIX}alert:al-1", ALERT_JSON)
    await r.sadd(f"{PREFIX}alerts", "al-1")
    await r.hset(f"{PREFIX}alertmsg:{ROOM}", "1", "al-1")
    await r.sadd(f"{PREFIX}duty", "m1")
    await r.set(f"{PREFIX}sanc:sa-1", MUTE_JSON)
    await r.sadd(f"{PREFIX}sancroom:{ROOM}", "sa-1")
    await r.set(f"{PREFIX}sanc:sa-2", BAN_JSON)
    await r.sadd(f"{PREFIX}sancban:Aino", "sa-2")
    await r.rpush(f"{PREFIX}audit",
                  f"{base64.b64encode(encode_entry(ENTRY)).decode()} {ENTRY_HASH.hex()}")
    await r.set(f"{PREFIX}audithead", f"0 {ENTRY_HASH.hex()}")
    await r.aclose()


async def _stored_records(data_dir: Path, url: str | None) -> dict[str, str]:
    """The record JSON each aggregate holds, read raw."""
    if url is None:
        db = sqlite3.connect(data_dir / DB_FILE)
        out = {"flags": db.execute("SELECT record FROM mod_flags").fetchone()[0],
               "alert": db.execute("SELECT record FROM mod_alerts").fetchone()[0],
               "mute": db.execute("SELECT record FROM mod_sanctions WHERE id = 'sa-1'"
                                  ).fetchone()[0],
               "ban": db.execute("SELECT record FROM mod_sanctions WHERE id = 'sa-2'"
                                 ).fetchone()[0]}
        db.close()
        return out
    r = aioredis.Redis.from_url(url, decode_responses=True)
    wrapped = json.loads(await r.hget(f"{PREFIX}flags:{ROOM}", "1"))
    assert (wrapped["night"], wrapped["pseudonym"]) == (NIGHT, "Aino")
    out = {"flags": wrapped["record"], "alert": await r.get(f"{PREFIX}alert:al-1"),
           "mute": await r.get(f"{PREFIX}sanc:sa-1"), "ban": await r.get(f"{PREFIX}sanc:sa-2")}
    await r.aclose()
    return out


@pytest.fixture(params=["embedded", "redis"])
async def place(request: pytest.FixtureRequest, tmp_path: Path
                ) -> AsyncIterator[tuple[Path, str | None]]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    yield tmp_path / "data", url


def _open(place: tuple[Path, str | None]) -> Stores:
    data_dir, url = place
    return open_redis(url) if url else open_embedded(data_dir)


async def test_a_store_written_before_the_split_loads_through_the_typed_ports(
        place: tuple[Path, str | None]) -> None:
    data_dir, url = place
    if url is None:
        _write_old_sqlite(data_dir)
    else:
        await _write_old_redis(url)
    stores = _open(place)
    try:
        assert await stores.flags.get(ROOM, "1") == flags(ROOM, "1", "Aino")
        assert await stores.flags.of_night(NIGHT, "Aino") == [flags(ROOM, "1", "Aino")]
        assert await stores.alerts.for_message(ROOM, "1") == alert("al-1", "1")
        assert await stores.alerts.active() == [alert("al-1", "1")]
        assert await stores.duty.on_duty() == {"m1"}
        assert await stores.sanctions.for_room(ROOM, "Aino") == [mute("sa-1"), ban("sa-2")]
        rows = await stores.audit.rows()
        assert len(rows) == 1 and not isinstance(rows[0], Undecodable)
        assert rows[0].entry == ENTRY and rows[0].hash == ENTRY_HASH
        assert await stores.audit.head() == (0, ENTRY_HASH)
        assert await stores.flags.drop_room(ROOM) == 1  # the old risk index is dropped too
        assert await stores.flags.of_night(NIGHT, "Aino") == []
    finally:
        await stores.close()


async def test_the_typed_ports_write_the_same_record_json(
        place: tuple[Path, str | None]) -> None:
    data_dir, url = place
    stores = _open(place)
    try:
        await stores.flags.put(flags(ROOM, "1", "Aino"), night=NIGHT)
        await stores.alerts.put(alert("al-1", "1"))
        await stores.sanctions.put(mute("sa-1"))
        await stores.sanctions.put(ban("sa-2"))
    finally:
        await stores.close()
    stored = await _stored_records(data_dir, url)
    assert stored == {"flags": FLAGS_JSON, "alert": ALERT_JSON, "mute": MUTE_JSON,
                      "ban": BAN_JSON}
