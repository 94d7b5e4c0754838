"""Reports that prove themselves, both ends (docs/protocol.md, "Reports"; e2ee/reports.py).

    await group.report(message, "harassment")        # a peer, about a message it received
    report = await staff.next_report(timeout=10)     # a moderator: .verified .text .sender

The reporter asks the server who may read a report of the room (`report.recipients`), checks
each moderator's `dh_key` signature by their identity key, seals the message's franking opening
to each of them and sends the relay's own clear fields (commitment, sender key, ts, stamp) with
the boxes. The server checks its stamp and pushes each moderator their own box (`mod.report`);
the moderator's client opens it and decides ``verified`` with ``e2ee.reports.verdict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from client.errors import BAD_PUSH, ClientError
from client.transport import Request
from e2ee import primitives as p
from e2ee.encoding import b64d, b64e
from e2ee.errors import E2EEError
from e2ee.franking import FrankingOpening
from e2ee.identity import dh_key_message
from e2ee.limits import MAX_REPORT_RECIPIENTS
from e2ee.reports import OpenedReport, SealedReport, seal_report, verdict

NO_MODERATORS = "no_moderators"
"""Client-side code: nobody could read a report of this room right now."""
NOT_REPORTABLE = "not_reportable"
"""Client-side code: the message carries no franking opening (nothing to prove)."""
REPORT_REASONS = ("harassment", "personal_data", "selling", "crisis", "other")


@dataclass(frozen=True)
class Recipient:
    """A moderator a report is sealed to (their dh_key signature checked)."""

    pseudonym: str
    identity_key: bytes = field(repr=False)
    dh_key: bytes = field(repr=False)


def recipients_from_wire(reply: dict[str, Any]) -> list[Recipient]:
    """`report.recipients`' answer, keeping only moderators whose dh_key signature verifies."""
    out: list[Recipient] = []
    for r in list(reply.get("recipients") or [])[:MAX_REPORT_RECIPIENTS]:
        try:
            ik = b64d(r["identity_key"], "identity_key", 32)
            dh = b64d(r["dh_key"], "dh_key", 32)
            p.ed25519_verify(ik, b64d(r["dh_sig"], "dh_sig", 64), dh_key_message(dh))
            out.append(Recipient(str(r["pseudonym"]), ik, dh))
        except (E2EEError, KeyError, TypeError):
            continue  # a key we cannot trust is not sealed to
    return out


async def send_report(request: Request, opening: FrankingOpening, message_id: int, reason: str,
                      *, note: str = "", rng: p.Rng = p.default_rng) -> dict[str, Any]:
    """Seal ``opening`` to the room's report recipients and send it; the server's answer
    (``report_id``, ``stamped``, ``duplicate``, ``recipients``)."""
    recipients = recipients_from_wire(await request("report.recipients", {"room": opening.room}))
    if not recipients:
        raise ClientError(NO_MODERATORS, "no moderator can read a report of this room now")
    sealed = [seal_report(opening, note, to=r.identity_key, dh_key=r.dh_key, rng=rng).to_wire()
              for r in recipients]
    return await request("report", {
        "room": opening.room, "message_id": message_id, "sender_key": b64e(opening.sender_key),
        "commitment": b64e(opening.commitment), "ts": opening.ts,
        "stamp": b64e(opening.stamp or bytes(32)), "reason": reason, "sealed": sealed})


@dataclass(frozen=True, kw_only=True)
class ModReport:
    """A report as a moderator sees it: ``verified`` means "this exact message was sent by
    ``sender`` at ``sent_at``" (the server's stamp and the revealed text both check out).
    ``text`` is the revealed text (None when the box did not open); not in ``repr``."""

    report_id: str
    room: str
    message_id: int
    sender: str
    sent_at: datetime
    reason: str
    verified: bool
    stamped: bool
    text: str | None = field(repr=False)
    note: str = field(default="", repr=False)

    @property
    def summary(self) -> str:
        """What the console shows above the text."""
        if self.verified:
            return (f"verified: this exact message was sent by {self.sender} at "
                    f"{self.sent_at.isoformat(timespec='seconds')}")
        return "could not be verified"


OpenBox = Callable[[SealedReport, str, bytes], OpenedReport]
"""``Engine.open_report``: open a box sealed to me for (room, commitment)."""


def open_mod_report(open_box: OpenBox, data: Any) -> ModReport:
    """Decode a `mod.report` push and open my box (``bad_push`` if the clear fields are
    malformed; a box that does not open gives ``verified=False`` and no text)."""
    try:
        room, ts = str(data["room"]), int(data["ts"])
        commitment = b64d(data["commitment"], "commitment", 32)
        sender_key = b64d(data["sender_key"], "sender_key", 32)
        sealed = SealedReport.from_wire(data["sealed"])
        fields: dict[str, Any] = {
            "report_id": str(data["report_id"]), "room": room,
            "message_id": int(data["message_id"]), "sender": str(data["sender"]),
            "sent_at": datetime.fromtimestamp(ts / 1000, UTC), "reason": str(data["reason"]),
            "stamped": data["stamped"] is True}
    except (E2EEError, KeyError, TypeError, ValueError):
        raise ClientError(BAD_PUSH, "malformed mod.report") from None
    opened: OpenedReport | None
    try:
        opened = open_box(sealed, room, commitment)
    except E2EEError:
        opened = None
    ok = verdict(opened, room=room, commitment=commitment, sender_key=sender_key, ts=ts,
                 stamped=fields["stamped"])
    return ModReport(**fields, verified=ok, text=None if opened is None else opened.opening.text,
                     note="" if opened is None else opened.note)
