"""Staff records, typed and frozen: an account, a sign-in session, a one-time invitation.

They live with the pure rules (server/domain/) so those never import storage; the staff port
(server/storage/staff_port.py) stores and returns exactly these. No `repr` shows a hash, a
sealed secret, a token or a username.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class StaffAccount:
    """One staff member's account."""

    username: str
    folded: str
    role: str
    password_hash: str
    totp_sealed: bytes
    totp_confirmed: bool
    totp_last_step: int
    disabled: bool
    created_at: float
    failures: int
    last_failure_at: float
    lead: bool = False  # an on-duty lead: `mod.debrief` goes to the leads first

    def __repr__(self) -> str:
        return (f"StaffAccount(role={self.role!r}, disabled={self.disabled}, lead={self.lead}, "
                f"totp_confirmed={self.totp_confirmed}, failures={self.failures})")


@dataclass(frozen=True, kw_only=True)
class StaffSession:
    """A signed-in browser or client, found by the hash of its token."""

    token_hash: str
    folded: str
    role: str
    created_at: float
    last_seen: float
    expires_at: float

    def __repr__(self) -> str:
        return f"StaffSession(role={self.role!r}, expires_at={self.expires_at})"


@dataclass(frozen=True, kw_only=True)
class StaffInvite:
    """A one-time invitation code (by its hash) that grants `role` until `expires_at`."""

    code_hash: str
    role: str
    created_at: float
    expires_at: float

    def __repr__(self) -> str:
        return f"StaffInvite(role={self.role!r}, expires_at={self.expires_at})"
