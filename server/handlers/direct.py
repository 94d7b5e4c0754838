"""One-to-one rules: every direct envelope goes to the recipient's inbox first (TTL, a cap per
recipient and a smaller one per sender, so no one sender can fill a stranger's inbox), is pushed
to all of the recipient's connections, and stays until `inbox.ack`. `direct.typing` is the one
thing that is not stored: a content-free signal pushed to the recipient's connections online
now, or to nobody (docs/protocol.md, "Typing in 1:1")."""

from __future__ import annotations

from typing import Any

from e2ee.franking import DIRECT_CONTEXT, make_stamp
from server.clock import now_ms
from server.domain import pseudonyms
from server.domain.ids import user_id, user_room
from server.domain.records import QueuedEnvelope
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.limits import MAX_INBOX_FETCH
from server.wire.errors import ApiError
from server.wire.pushes import DirectEnvelope, DirectTypingPush
from server.wire.requests import DirectSend, DirectTyping, Empty, InboxAck


async def send(services: Services, conn: Connection, req: DirectSend) -> dict[str, Any]:
    """Queue and push a 1:1 envelope."""
    assert conn.identity_key is not None and conn.pseudonym is not None
    holder = await services.stores.identities.binding_of_name(pseudonyms.fold(req.to))
    if holder is None:
        raise ApiError("unknown_user")
    env = req.envelope
    ts = now_ms(services.clock)
    stamp = None if env.commitment is None else make_stamp(
        services.keys.franking_key, env.commitment, conn.identity_key, DIRECT_CONTEXT, ts)
    queued = QueuedEnvelope(id=services.rng.bytes(16).hex(), ts=ts, sender=conn.pseudonym,
                            sender_key=conn.identity_key, kind=env.kind, header=env.header,
                            body=env.body, commitment=env.commitment, stamp=stamp)
    now = services.clock.now()
    settings = services.settings
    if not await services.stores.inbox.put(
            holder.identity_key, conn.identity_key, queued, now + settings.inbox_ttl_seconds,
            now, settings.inbox_max_per_recipient, settings.inbox_max_per_sender):
        raise ApiError("inbox_full")
    await services.emitter.emit(DirectEnvelope(envelope=queued),
                                to=user_room(user_id(holder.identity_key)))
    services.metrics.relayed["direct"] += 1
    services.metrics.relayed_bytes += len(env.header) + len(env.body)
    reply: dict[str, Any] = {"id": queued.id, "ts": ts}
    if stamp is not None:
        reply["stamp"] = b64(stamp)
    return reply


async def typing(services: Services, conn: Connection, req: DirectTyping) -> dict[str, Any]:
    """Tell `to`'s online connections that I am typing; nothing is stored or counted."""
    assert conn.pseudonym is not None
    holder = await services.stores.identities.binding_of_name(pseudonyms.fold(req.to))
    if holder is None:
        raise ApiError("unknown_user")
    await services.emitter.emit(DirectTypingPush(sender=conn.pseudonym),
                                to=user_room(user_id(holder.identity_key)))
    return {}


async def fetch(services: Services, conn: Connection) -> dict[str, Any]:
    """My queued envelopes, oldest first (each as its `direct.envelope` push)."""
    assert conn.identity_key is not None
    queued = await services.stores.inbox.pending(conn.identity_key, services.clock.now(),
                                                 MAX_INBOX_FETCH)
    return {"envelopes": [DirectEnvelope(envelope=e).to_wire() for e in queued]}


async def ack(services: Services, conn: Connection, req: InboxAck) -> dict[str, Any]:
    """Remove envelopes I have processed."""
    assert conn.identity_key is not None
    return {"removed": await services.stores.inbox.ack(conn.identity_key, list(req.ids))}


EVENTS = (
    Event(name="direct.send", decode=DirectSend.decode, rule=send, budget=Budget.DIRECT),
    # The client sends at most one every few seconds while typing; the 1:1 budget bounds abuse.
    Event(name="direct.typing", decode=DirectTyping.decode, rule=typing, budget=Budget.DIRECT),
    Event(name="inbox.fetch", decode=Empty.decode, rule=lambda s, c, _: fetch(s, c),
          budget=Budget.OTHER),
    Event(name="inbox.ack", decode=InboxAck.decode, rule=ack, budget=Budget.OTHER),
)
