"""One-to-one rules: every direct envelope goes to the recipient's inbox first (TTL, a cap per
recipient and a smaller one per sender, so no one sender can fill a stranger's inbox), is pushed
to all of the recipient's connections, and stays until `inbox.ack`."""

from __future__ import annotations

import json
from typing import Any

from server import pseudonyms
from server.clock import now_ms
from server.context import Connection, Relay, b64, user_room
from server.crypto import franking_stamp, user_id
from server.errors import ApiError
from server.limits import MAX_INBOX_FETCH
from server.wire import DirectSend, InboxAck

DIRECT_CONTEXT = "direct"  # the "room" in a 1:1 franking stamp (e2ee.franking.DIRECT_CONTEXT)


async def send(relay: Relay, conn: Connection, req: DirectSend) -> dict[str, Any]:
    """Queue and push a 1:1 envelope."""
    assert conn.identity_key is not None
    holder = await relay.store.binding_of_name(pseudonyms.fold(req.to))
    if holder is None:
        raise ApiError("unknown_user")
    env = req.envelope
    ts = now_ms(relay.clock)
    envelope_id = relay.rng.bytes(16).hex()
    push: dict[str, Any] = {
        "id": envelope_id, "ts": ts, "from": conn.pseudonym, "from_key": b64(conn.identity_key),
        "kind": env.kind, "header": b64(env.header), "body": b64(env.body)}
    reply: dict[str, Any] = {"id": envelope_id, "ts": ts}
    if env.commitment is not None:
        stamp = b64(franking_stamp(relay.keys.franking_key, env.commitment, conn.identity_key,
                                   DIRECT_CONTEXT, ts))
        push["commitment"] = b64(env.commitment)
        push["stamp"] = reply["stamp"] = stamp
    now = relay.clock.now()
    stored = await relay.store.inbox_put(
        holder.identity_key, conn.identity_key, envelope_id, json.dumps(push),
        now + relay.settings.inbox_ttl_seconds, now, relay.settings.inbox_max_per_recipient,
        relay.settings.inbox_max_per_sender)
    if not stored:
        raise ApiError("inbox_full")
    await relay.emitter.emit("direct.envelope", push, to=user_room(user_id(holder.identity_key)))
    relay.metrics.relayed["direct"] += 1
    relay.metrics.relayed_bytes += len(env.header) + len(env.body)
    return reply


async def fetch(relay: Relay, conn: Connection) -> dict[str, Any]:
    """My queued envelopes, oldest first."""
    assert conn.identity_key is not None
    raw = await relay.store.inbox_list(conn.identity_key, relay.clock.now(), MAX_INBOX_FETCH)
    return {"envelopes": [json.loads(e) for e in raw]}


async def ack(relay: Relay, conn: Connection, req: InboxAck) -> dict[str, Any]:
    """Remove envelopes I have processed."""
    assert conn.identity_key is not None
    return {"removed": await relay.store.inbox_ack(conn.identity_key, list(req.ids))}
