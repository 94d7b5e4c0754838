"""Prometheus text-format metrics, hand-written (a few counters do not need a library).

Labels are closed sets (event kinds, error codes), never pseudonyms, rooms' members, content or
addresses. Gauges that need the store (inbox size, open rooms) are filled in at scrape time.
"""

from __future__ import annotations

from collections import Counter

FANOUT_KINDS = ("room_decoded", "shared_decoded", "own_skipped", "published", "subscribes",
                "replayed", "duplicates", "resyncs", "inbox_resyncs", "cases_resyncs", "echoed")


class Metrics:
    """Counters and gauges for one process."""

    def __init__(self) -> None:
        self.connections = 0
        self.authenticated = 0
        self.relayed: Counter[str] = Counter()  # by "room"/"direct"
        self.errors: Counter[str] = Counter()  # by error code
        self.relayed_bytes = 0
        self.auth_timeouts = 0
        # Escalation (issue 11): by level ("1".."4"), outcome or rating; never a pseudonym.
        self.cases_opened: Counter[str] = Counter()
        self.cases_claimed: Counter[str] = Counter()
        self.cases_closed: Counter[str] = Counter()
        self.case_realerts: Counter[str] = Counter()
        self.case_ratings: Counter[str] = Counter()
        self.cases_deleted = 0
        # The moderation pipeline, by level (0-4) or sanction kind: never a pseudonym or room.
        self.flags: Counter[int] = Counter()
        self.alerts_opened: Counter[int] = Counter()
        self.alerts_sent: Counter[int] = Counter()  # deliveries (one per recipient)
        self.alerts_resent: Counter[int] = Counter()  # widened after the deadline
        self.alerts_unrouted: Counter[int] = Counter()  # nobody on duty
        self.sanctions: Counter[str] = Counter()
        self.duty_absent = 0  # moderators taken off duty for being gone past the grace
        # Redis fan-out (server/api/redis_manager.py `stats`): packets, never rooms or content.
        self.fanout_redis: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"Metrics(connections={self.connections})"

    def render(self, *, open_rooms: int, inbox_size: int, members: int) -> str:
        """The exposition text."""
        lines = [
            "# HELP iltapiiri_connections Open Socket.IO connections on this process.",
            "# TYPE iltapiiri_connections gauge",
            f"iltapiiri_connections {self.connections}",
            "# HELP iltapiiri_authenticated_connections Connections that passed auth.",
            "# TYPE iltapiiri_authenticated_connections gauge",
            f"iltapiiri_authenticated_connections {self.authenticated}",
            "# HELP iltapiiri_auth_timeouts_total Connections closed for not completing auth.",
            "# TYPE iltapiiri_auth_timeouts_total counter",
            f"iltapiiri_auth_timeouts_total {self.auth_timeouts}",
            "# HELP iltapiiri_open_rooms Group rooms in lobby or open state.",
            "# TYPE iltapiiri_open_rooms gauge",
            f"iltapiiri_open_rooms {open_rooms}",
            "# HELP iltapiiri_room_members Members in open rooms.",
            "# TYPE iltapiiri_room_members gauge",
            f"iltapiiri_room_members {members}",
            "# HELP iltapiiri_inbox_envelopes Queued 1:1 envelopes (all recipients). On Redis a "
            "running count: an expired envelope counts until the next sweep (each tick).",
            "# TYPE iltapiiri_inbox_envelopes gauge",
            f"iltapiiri_inbox_envelopes {inbox_size}",
            "# HELP iltapiiri_envelopes_relayed_total Envelopes accepted for relay, by kind.",
            "# TYPE iltapiiri_envelopes_relayed_total counter",
        ]
        for kind in ("room", "direct"):
            lines.append(f'iltapiiri_envelopes_relayed_total{{kind="{kind}"}} '
                         f"{self.relayed[kind]}")
        lines += [
            "# HELP iltapiiri_envelope_bytes_total Envelope bytes (header + body) accepted.",
            "# TYPE iltapiiri_envelope_bytes_total counter",
            f"iltapiiri_envelope_bytes_total {self.relayed_bytes}",
            "# HELP iltapiiri_errors_total Refused requests, by error code.",
            "# TYPE iltapiiri_errors_total counter",
        ]
        for code in sorted(self.errors):
            lines.append(f'iltapiiri_errors_total{{code="{code}"}} {self.errors[code]}')
        lines += self._moderation()
        lines += self._cases()
        lines += ["# HELP iltapiiri_fanout_redis_total Redis fan-out packets of this process, by "
                  "kind (room_decoded, shared_decoded, own_skipped, published, subscribes, replayed, "
                  "duplicates, resyncs, inbox_resyncs, cases_resyncs, echoed).",
                  "# TYPE iltapiiri_fanout_redis_total counter"]
        lines += [f'iltapiiri_fanout_redis_total{{kind="{k}"}} {self.fanout_redis[k]}'
                  for k in FANOUT_KINDS]
        return "\n".join(lines) + "\n"

    def _moderation(self) -> list[str]:
        lines: list[str] = []
        for name, counter, text in (
                ("flags", self.flags, "Flags received, by level."),
                ("alerts_opened", self.alerts_opened, "Alerts opened, by level."),
                ("alerts_sent", self.alerts_sent, "Alert deliveries to moderators, by level."),
                ("alerts_resent", self.alerts_resent,
                 "Unacknowledged alerts re-sent wider, by level."),
                ("alerts_unrouted", self.alerts_unrouted,
                 "Alerts raised with nobody on duty, by level.")):
            lines += [f"# HELP iltapiiri_{name}_total {text}",
                      f"# TYPE iltapiiri_{name}_total counter"]
            lines += [f'iltapiiri_{name}_total{{level="{level}"}} {counter[level]}'
                      for level in range(5)]
        lines += ["# HELP iltapiiri_duty_absent_total Moderators taken off duty because no "
                  "connection of theirs was seen for the grace period.",
                  "# TYPE iltapiiri_duty_absent_total counter",
                  f"iltapiiri_duty_absent_total {self.duty_absent}"]
        lines += ["# HELP iltapiiri_sanctions_total Sanctions imposed, by kind.",
                  "# TYPE iltapiiri_sanctions_total counter"]
        lines += [f'iltapiiri_sanctions_total{{kind="{k}"}} {self.sanctions[k]}'
                  for k in sorted(self.sanctions)]
        return lines

    def _cases(self) -> list[str]:
        lines: list[str] = []
        for name, label, counter, about in (
                ("cases_opened_total", "level", self.cases_opened, "Cases queued, by level."),
                ("cases_claimed_total", "level", self.cases_claimed, "Cases claimed, by level."),
                ("cases_closed_total", "outcome", self.cases_closed, "Cases closed, by outcome."),
                ("case_realerts_total", "level", self.case_realerts, "Re-alerts fired, by level."),
                ("case_ratings_total", "rating", self.case_ratings, "Ratings given, by value.")):
            lines += [f"# HELP iltapiiri_{name} {about}", f"# TYPE iltapiiri_{name} counter"]
            lines += [f'iltapiiri_{name}{{{label}="{k}"}} {counter[k]}' for k in sorted(counter)]
        lines += ["# HELP iltapiiri_cases_deleted_total Finished cases deleted after retention.",
                  "# TYPE iltapiiri_cases_deleted_total counter",
                  f"iltapiiri_cases_deleted_total {self.cases_deleted}"]
        return lines
