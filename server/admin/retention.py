"""`python -m server admin retention`: what the service keeps, where, and for how long, read
from the running settings, for a data-protection authority (issue 15).

Pure: `report(settings)` builds the text from the settings alone, so every figure printed is a
setting's value (tests/server/test_retention_cli.py changes settings and watches the output
change). The policy it describes is docs/decisions.md "Erasure and retention".
"""

from __future__ import annotations

from config.groups import GroupSpec
from config.settings import Settings
from escalation.case import ERASED_PSEUDONYM
from escalation.policy import EscalationPolicy
from server.api import redis_replay as replay
from server.storage.redis.moderation_keys import NIGHT_TTL_SECONDS

_DAY = 86400


def _span(seconds: float) -> str:
    """A duration in the largest whole unit that fits (days, hours, minutes, seconds)."""
    for unit, size in (("day", _DAY), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


def _night(group: GroupSpec) -> str:
    if group.always_open:
        return f"{group.id}: always open (a night is one calendar day, {group.timezone})"
    return (f"{group.id}: lobby {group.lobby_minutes} min before {group.start:%H:%M}, "
            f"ends {_span(group.duration_minutes * 60)} later ({group.timezone})")


def _replay_line() -> str:
    """The Redis fan-out's replay window (server/api/redis_replay.py), when it is on."""
    if not replay.ENABLED:
        return "[replay window] off (ILTAPIIRI_FANOUT_REPLAY=0): no group push is kept"
    return (f"[replay window] the last ~{replay.REPLAY_WINDOW} group pushes of each room "
            "(ciphertext envelopes with the sender's pseudonym, key and stamp; membership "
            f"events): {_span(replay.REPLAY_TTL_SECONDS)} after the room's last push at most, "
            "deleted when its night ends and when a member erases themselves "
            "(ILTAPIIRI_FANOUT_REPLAY=0 turns it off)")


def report(settings: Settings, escalation: EscalationPolicy) -> str:
    """The retention statement for these settings and the counsellor service's
    (config/escalation.toml)."""
    cases_kept = _span(escalation.retention_days * _DAY)
    backend = "Redis (REDIS_URL; durable with the append-only file on)" if settings.redis_url \
        else f"embedded SQLite files in {settings.data_dir}"
    staff = settings.staff
    lines = [
        "Iltapiiri: what is kept, where, and for how long",
        f"store: {backend}; server keys in the key file, never in the store",
        "",
        "never kept: message text (end-to-end encrypted, relayed as ciphertext; no group "
        "transcript), IP addresses (hashed in memory for rate limits only), e-mail or phone",
        "",
        "[group rooms] members, connections, epoch and sequence counters, flags, alerts and "
        "room sanctions: until the room's night ends (then deleted; on Redis a "
        f"{_span(NIGHT_TTL_SECONDS)} expiry backs this up)",
        *(f"  night of {_night(g)}" for g in settings.groups),
        *([_replay_line()] if settings.redis_url else []),
        f"[1:1 envelopes] queued ciphertext for an offline recipient: until acknowledged or "
        f"{_span(settings.inbox_ttl_seconds)} (inbox.ttl_days), at most "
        f"{settings.inbox_max_per_recipient} per recipient, {settings.inbox_max_per_sender} "
        "per sender",
        "[pseudonym bindings] pseudonym <-> public identity key, last seen: until erased by the "
        f"person; the name stays reserved {_span(settings.pseudonym_window_days * _DAY)} after "
        "last use (identity.pseudonym_window_days), "
        f"{_span(settings.new_key_binding_seconds)} for a key that never published keys "
        "(identity.new_key_binding_minutes); after that another key may take it",
        "[key bundles, one-time prekeys] public keys only: until replaced, used or erased",
        "[risk history] flags of a person's messages: until the night ends, or erasure",
        "[bans] pseudonym, moderator, reason, appeal note: until lifted; after the person "
        "erases themselves the ban is kept under erased:<user id> (review and appeal)",
        "[audit log] who did what to which pseudonym or room, and when (hash chain): kept "
        "without expiry (no automatic deletion; rows are not rewritten on erasure)",
        "[cases] escalation case: pseudonym, level, categories, source (self, detector, a "
        "moderator's hand-off with the moderator and the room), times, counsellor, outcome, the "
        "counsellor's notes (ciphertext to the counsellor team key; the server cannot read them) "
        f"and finished duty intervals: until {cases_kept} after the case finished "
        "(escalation service.retention_days); a rating is counted, never stored with the case",
        f"  after the person erases themselves: an open case ends (outcome person_erased) and "
        f"every case of theirs is kept without the pseudonym (named {ERASED_PSEUDONYM}) and "
        f"without the room, until the same {cases_kept}",
        "[counsellor availability] staff id, display name, public key, capacity: until the "
        "account's next change (no expiry)",
        "[staff accounts] username, role, password hash, second factor: without expiry "
        "(disabling ends sign-in and sessions; no command deletes an account yet)",
        f"[staff sessions] SHA-256 of the token: {_span(staff.session_seconds)} after sign-in "
        f"(staff.session_hours) or {_span(staff.session_idle_seconds)} idle "
        "(staff.session_idle_minutes), whichever first",
        f"[staff invitations] SHA-256 of the code: {_span(staff.invite_seconds)} "
        "(staff.invite_hours)",
        "[peer sessions] connections per key (process-scoped): until the connection closes",
        "[logs] event names, error codes, user ids (a hash of the key), rooms: standard output, "
        "kept as long as the operator's log collector keeps them",
        "",
        "erasure: a peer erases their pseudonym and everything tied to it (identity.erase, "
        "docs/protocol.md); kept then: bans (re-keyed), audit rows, and cases without the "
        "pseudonym",
    ]
    return "\n".join(lines)
