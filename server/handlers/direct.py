"""One-to-one rules: every direct envelope goes to the recipient's inbox first (TTL, a cap per
recipient and a smaller one per sender, so no one sender can fill a stranger's inbox), is pushed
to all of the recipient's connections, and stays until `inbox.ack`."""

from __future__ import annotations

import json
from typing import Any

from e2ee.franking import DIRECT_CONTEXT, make_stamp
from server.clock import now_ms
from server.domain import pseudonyms
from server.domain.ids import user_id, user_room
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.limits import MAX_INBOX_FETCH
from server.wire.errors import ApiError
from server.wire.requests import DirectSend, Empty, InboxAck


async def send(services: Services, conn: Connection, req: DirectSend) -> dict[str, Any]:
    """Queue and push a 1:1 envelope."""
    assert conn.identity_key is not None
    holder = await services.store.binding_of_name(pseudonyms.fold(req.to))
    if holder is None:
        raise ApiError("unknown_user")
    env = req.envelope
    ts = now_ms(services.clock)
    envelope_id = services.rng.bytes(16).hex()
    push: dict[str, Any] = {
        "id": envelope_id, "ts": ts, "from": conn.pseudonym, "from_key": b64(conn.identity_key),
        "kind": env.kind, "header": b64(env.header), "body": b64(env.body)}
    reply: dict[str, Any] = {"id": envelope_id, "ts": ts}
    if env.commitment is not None:
        stamp = b64(make_stamp(services.keys.franking_key, env.commitment, conn.identity_key,
                                   DIRECT_CONTEXT, ts))
        push["commitment"] = b64(env.commitment)
        push["stamp"] = reply["stamp"] = stamp
    now = services.clock.now()
    stored = await services.store.inbox_put(
        holder.identity_key, conn.identity_key, envelope_id, json.dumps(push),
        now + services.settings.inbox_ttl_seconds, now, services.settings.inbox_max_per_recipient,
        services.settings.inbox_max_per_sender)
    if not stored:
        raise ApiError("inbox_full")
    await services.emitter.emit("direct.envelope", push, to=user_room(user_id(holder.identity_key)))
    services.metrics.relayed["direct"] += 1
    services.metrics.relayed_bytes += len(env.header) + len(env.body)
    return reply


async def fetch(services: Services, conn: Connection) -> dict[str, Any]:
    """My queued envelopes, oldest first."""
    assert conn.identity_key is not None
    raw = await services.store.inbox_list(conn.identity_key, services.clock.now(), MAX_INBOX_FETCH)
    return {"envelopes": [json.loads(e) for e in raw]}


async def ack(services: Services, conn: Connection, req: InboxAck) -> dict[str, Any]:
    """Remove envelopes I have processed."""
    assert conn.identity_key is not None
    return {"removed": await services.store.inbox_ack(conn.identity_key, list(req.ids))}


EVENTS = (
    Event(name="direct.send", decode=DirectSend.decode, rule=send, budget=Budget.DIRECT),
    Event(name="inbox.fetch", decode=Empty.decode, rule=lambda s, c, _: fetch(s, c),
          budget=Budget.OTHER),
    Event(name="inbox.ack", decode=InboxAck.decode, rule=ack, budget=Budget.OTHER),
)
