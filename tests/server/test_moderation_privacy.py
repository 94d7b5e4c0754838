"""The moderation pipeline keeps no plaintext and no address: a canary message body, a canary
typed into a flag, and a moderator's typed reason are searched for in the moderation store (SQLite
file or every `ilp:mod:*` Redis key), the audit rows and the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis.asyncio as aioredis

from moderation.audit import AuditRow, encode_entry
from server.storage.embedded.moderation_db import DB_FILE
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import envelope
from tests.server.mod_harness import ModPeer, connect_staff, self_flag

CANARY = "CANARY-crisis-3b9d"
REASON = "CANARY-reason-8c1e"


async def _redis_dump(url: str) -> bytes:
    r = aioredis.Redis.from_url(url)
    out = bytearray()
    async for key in r.scan_iter("ilp:mod:*"):
        kind = (await r.type(key)).decode()
        if kind == "string":
            out += await r.get(key) or b""
        elif kind == "hash":
            for k, v in (await r.hgetall(key)).items():
                out += k + v
        elif kind == "set":
            out += b"".join(await r.smembers(key))
        elif kind == "list":
            out += b"".join(await r.lrange(key, 0, -1))
        out += key
    await r.aclose()
    return bytes(out)


async def test_no_plaintext_reason_or_address_in_store_audit_or_logs(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = await live_server_factory(**backend_kwargs)
    mod = await connect_staff(server, "Kuu Lintu")
    peer = await ModPeer.connect(server.url, "Writer")
    room = await mod.join()
    await peer.join()
    sent = await peer.call("room.send", {"room": room, **envelope(CANARY.encode())})
    mid = str(sent["seq"])
    refused = await peer.call("flag", {**self_flag(room, mid), "text": CANARY})
    assert refused["error"] == "bad_request"
    assert (await peer.call("flag", {**self_flag(room, mid), "categories": [CANARY.lower()]}
                            ))["ok"]  # a category token is not text; it is kept (and tested)
    await mod.next("mod.alert")
    mute = await mod.call("mod.sanction", {"kind": "mute", "room": room, "pseudonym": "Writer",
                                           "minutes": 5, "reason_text": REASON})
    assert mute["ok"], mute
    told = await peer.next("mod.notice")
    assert told["reason"]["en"] == REASON  # the person is told the moderator's words
    rows = await server.services.stores.audit.rows()
    assert all(isinstance(r, AuditRow) for r in rows)
    audit = b"".join(encode_entry(r.entry) for r in rows if isinstance(r, AuditRow))
    assert rows and REASON.encode() not in audit and CANARY.encode() not in audit
    if backend_kwargs:
        stored = await _redis_dump(str(backend_kwargs["redis_url"]))
    else:
        stored = (server.data_dir / DB_FILE).read_bytes()
    assert CANARY.encode() not in stored  # never the message, nor the refused flag's text
    assert b"127.0.0.1" not in stored
    logs = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in (CANARY, REASON, "127.0.0.1"):
        assert secret not in logs, secret
    await peer.close()
    await mod.close()
