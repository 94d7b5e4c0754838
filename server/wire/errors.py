"""Stable error codes for the wire.

    ApiError(code, message)       raised by decoders and handlers; the adapter answers
                                  {"ok": false, "error": code, "message": message}

The code is the contract (docs/protocol.md lists them all); the message is for people and never
carries plaintext, key material, pseudonyms or addresses.
"""

from __future__ import annotations

from typing import Final

ERROR_CODES: Final = (
    "bad_request",
    "too_large",
    "rate_limited",
    "not_authenticated",
    "already_authenticated",
    "no_challenge",
    "bad_signature",
    "bad_proof_of_work",
    "too_many_connections",
    "pseudonym_invalid",
    "pseudonym_reserved",
    "pseudonym_taken",
    "pseudonym_unavailable",
    "unknown_group",
    "group_not_open",
    "group_full",
    "moderator_absent",
    "not_in_room",
    "room_not_open",
    "unknown_user",
    "no_keys",
    "inbox_full",
    "username_invalid",
    "username_taken",
    "password_weak",
    "login_failed",
    "login_backoff",
    "login_locked",
    "totp_required",
    "totp_enrol",
    "session_expired",
    "invite_invalid",
    "unknown_staff",
    "bad_origin",
    "internal",
    *(  # issue 10's moderation pipeline: the codes of moderation/ and of the server side
        "unknown_alert", "unknown_sanction", "not_moderator", "direct_not_flagged",
        "bad_source", "below_flag_level", "bad_field", "too_many", "bad_severity", "bad_time",
        "flag_mismatch", "not_a_recipient", "alert_not_acknowledged",
        "alert_already_acknowledged", "alert_closed", "not_acknowledger", "bad_sanction",
        "bad_reason", "bad_duration", "night_over", "not_in_force", "unknown_reason",
        "not_staff", "not_self", "role_not_allowed", "target_is_staff", "not_room_moderator",
        "admin_only", "self_chosen_binding", "muted", "removed", "banned", "room_locked",
        "read_only", "slow_mode", "unknown_message",
    ),
    *(  # issue 11's escalation: the codes of escalation/ and of the server side
        "unknown_case", "not_counsellor", "not_supervisor", "unknown_counsellor", "queue_full",
        "case_open", "already_rated", "too_many_notes", "case_closed", "already_claimed",
        "version_conflict", "not_claimable", "case_state", "not_case_counsellor",
        "not_offered_to_you", "not_transfer_target", "transfer_to_self", "counsellor_away",
        "counsellor_at_capacity", "confirmation_required", "bad_outcome", "bad_capacity",
        "team_key_conflict",
    ),
)


class ApiError(Exception):
    """A refused request: `code` is one of ERROR_CODES, `message` is safe to show."""

    def __init__(self, code: str, message: str = "",
                 notice: dict[str, object] | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code, message)
        self.code = code
        self.message = message or code.replace("_", " ")
        self.notice = notice  # what the person is told (a notice key and its parameters)

    def __repr__(self) -> str:
        return f"ApiError({self.code!r})"

    def to_wire(self) -> dict[str, object]:
        """The ack body for this error."""
        body: dict[str, object] = {"ok": False, "error": self.code, "message": self.message}
        if self.notice is not None:
            body["notice"] = self.notice
        return body
