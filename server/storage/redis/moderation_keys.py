"""The moderation ports' key layout on Redis: shared by every server process, durable with the
append-only file. One module per port (flags, alerts, duty, sanctions, audit) uses its keys;
the layout is the one the single moderation store wrote before the ports were split, so an
existing Redis loads unchanged.

Key layout (prefix `ilp:mod:`):

    flags:<room>             hash    message id -> {"night", "pseudonym", "record"} (JSON)
    risk:<night>:<pseudonym> set     "<room>\\n<message id>" of the person's flagged messages
    alert:<id>               string  alert record (JSON)
    alertmsg:<room>          hash    message id -> id of the active alert about it
    alerts                   set     ids of active (open or acknowledged) alerts
    duty                     set     staff ids on duty
    duty:seen                hash    staff id -> when a process last held their connection
    sanc:<id>                string  sanction record (JSON)
    sancroom:<room>          set     ids of the room's sanctions
    sancban:<pseudonym>      set     ids of the pseudonym's bans
    sent:<room>:<pseudonym>  string  last send time (slow mode), with a TTL
    audit                    list    "<b64 entry> <hex hash>", oldest first
    audithead                string  "<seq> <hex hash>" of the last row

Records are the JSON of `moderation.records`. Flags, risk sets, alerts and room sanctions carry
a TTL of a few days (a night is over by then); bans and the audit log do not expire.
"""

from __future__ import annotations

PREFIX = "ilp:mod:"


def glob_literal(text: str) -> str:
    """`text` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "\\*?[]" else c for c in text)


NIGHT_TTL_SECONDS = 3 * 24 * 3600
