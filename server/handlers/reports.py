"""Peer reports that prove themselves (issue 10): the rules are moderation/reports.py, the
sealing e2ee/reports.py; this module finds the recipients, checks the relay's own stamp,
rate-limits, de-duplicates, audits and pushes each moderator their own box.

    report.recipients  the moderators a report of this room goes to, with their dh keys
    report             stamp checked (unstamped reports are delivered, marked), pushed
                       `mod.report` to each recipient's connections with that one's box

The server holds no key that opens a box, and never sees the reported text.
"""

from __future__ import annotations

from typing import Any

from e2ee.franking import verify_stamp
from moderation.limits import RuleError
from moderation.reports import (
    REPORT_WINDOW_SECONDS,
    REPORTS_PER_WINDOW,
    Recipient,
    ReportRefused,
    check_boxes,
    recipients,
    report_flag,
    report_id,
)
from server.clock import now_ms
from server.domain.ids import user_id, user_room
from server.domain.roles import Role
from server.handlers import audit_log, moderation
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.wire.errors import ApiError
from server.wire.pushes import ModReportPush
from server.wire.reports import RecipientsRequest, ReportRequest

DEDUPE_TTL_SECONDS = 2 * 24 * 3600  # longer than a night: a room id names one night


async def _recipients(services: Services, room: str) -> list[Recipient]:
    present = [Recipient(user_id(m.identity_key), m.pseudonym, m.identity_key)
               for m in await services.stores.rooms.members(room) if m.role == Role.MODERATOR]
    on_duty = await services.stores.duty.on_duty()
    duty: list[Recipient] = []
    bound = await services.staff.bound_keys() if services.staff is not None else {}
    disabled = await services.staff.disabled_keys() if services.staff is not None else set()
    for key in bound.values():
        if user_id(key) not in on_duty or key in disabled:  # never sealed to a disabled account
            continue
        binding = await services.stores.identities.binding_of_key(key)
        if binding is not None:
            duty.append(Recipient(user_id(key), binding.pseudonym, key))
    return recipients(present, duty)


def _require_room(conn: Connection, room: str) -> None:
    if room not in conn.rooms:
        raise ApiError("not_in_room")


async def report_recipients(services: Services, conn: Connection, req: RecipientsRequest
                            ) -> dict[str, Any]:
    """Who can read a report of this room now, with their key bundle's dh key."""
    _require_room(conn, req.room)
    out = []
    for r in await _recipients(services, req.room):
        bundle = await services.stores.keys.get_bundle(r.identity_key)
        if bundle is None:
            continue  # never published keys: nothing can be sealed to them
        out.append({"pseudonym": r.pseudonym, "identity_key": b64(r.identity_key),
                    "dh_key": b64(bundle.dh_key), "dh_sig": b64(bundle.dh_sig)})
    return {"recipients": out}


async def report(services: Services, conn: Connection, req: ReportRequest) -> dict[str, Any]:
    """Check, de-duplicate, audit and deliver one report (docs/protocol.md, "Reports")."""
    _require_room(conn, req.room)
    assert conn.identity_key is not None and conn.user_id is not None
    allowed = await _recipients(services, req.room)
    try:
        check_boxes([b.to for b in req.sealed], allowed)
    except ReportRefused as refused:
        raise ApiError(refused.code) from None
    now = services.clock.now()
    if await services.stores.claims.hit(f"report:{conn.user_id}", REPORT_WINDOW_SECONDS,
                                        now) > REPORTS_PER_WINDOW:
        raise ApiError("rate_limited", "too many reports; a moderator already has yours")
    rid = report_id(req.room, req.message_id, req.commitment)
    stamped = verify_stamp(services.keys.franking_key, req.stamp, req.commitment,
                           req.sender_key, req.room, req.ts)
    # One report per reporter and message: a repeat is dropped, and a forger of someone else's
    # report of this message (another reporter) can never make the true one a "duplicate".
    if not await services.stores.claims.claim_once(f"report:{rid}:{conn.user_id}",
                                                   DEDUPE_TTL_SECONDS):
        return {"report_id": rid, "stamped": stamped, "duplicate": True, "recipients": 0}
    sender = await services.stores.identities.binding_of_key(req.sender_key)
    by_key = {r.identity_key: r for r in allowed}
    for box in req.sealed:
        push = ModReportPush(report_id=rid, room=req.room, message_id=req.message_id,
                             sender="" if sender is None else sender.pseudonym,
                             sender_key=req.sender_key, commitment=req.commitment, ts=req.ts,
                             stamped=stamped, reason=req.reason, at=now_ms(services.clock),
                             sealed=box.to_wire())
        await services.emitter.emit(push, to=user_room(by_key[box.to].staff_id))
    if stamped and sender is not None:  # the relay vouches for who sent it: alert as "report"
        # The stamp does not cover the message id: the writer the relay bound to that id at
        # send must be the stamp's, or the report raises nothing (it was delivered, so it is
        # audited and answered as delivered) and takes no message id.
        try:
            writer = await moderation.writer_of(services, req.room, str(req.message_id))
            if writer == sender.pseudonym:
                await moderation.record_flag(services, report_flag(
                    room=req.room, message_id=str(req.message_id), pseudonym=sender.pseudonym,
                    reason=req.reason, at=now), actor=conn.user_id)
            else:
                services.log.warning("report.flag_refused", code="flag_mismatch")
        except (ApiError, RuleError) as refused:
            services.log.warning("report.flag_refused", code=refused.code)
    await audit_log.append(services.stores.audit, services.clock, actor=conn.user_id,
                           action="report", room=req.room,
                           details={"message_id": str(req.message_id), "reason_code": req.reason,
                                    "stamped": int(stamped), "recipients": len(req.sealed)})
    services.log.info("report", user_id=conn.user_id, room=req.room, stamped=stamped,
                      recipients=len(req.sealed))
    return {"report_id": rid, "stamped": stamped, "duplicate": False,
            "recipients": len(req.sealed)}


EVENTS = (
    Event(name="report.recipients", decode=RecipientsRequest.decode, rule=report_recipients,
          budget=Budget.OTHER),
    Event(name="report", decode=ReportRequest.decode, rule=report, budget=Budget.OTHER),
)
