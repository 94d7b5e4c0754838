"""The staff port: accounts, sign-in sessions and one-time invitations (the typed records are
`server/domain/staff_records.py`).

Two implementations pass one contract suite (tests/server/test_staff_store_contract.py):
`server.storage.embedded.staff.EmbeddedStaffStore` (SQLite file `staff.sqlite3` in the data dir)
and `server.storage.redis.staff.RedisStaffStore` (durable on Redis with the append-only file).

What is stored, and in what form:
- an account: username, its fold (the key), role, the Argon2id hash of the password, the TOTP
  secret *sealed* with the staff key file (never in clear), whether it is enrolled, the last
  TOTP time step used (so a code works once), disabled, the failure counter of sign-in back-off;
- a session: the SHA-256 of its token (the token itself only ever lives in the cookie);
- an invitation: the SHA-256 of its code, the role it grants and when it expires;
- the identity key (public) bound to the account at its last socket sign-in.
No record's `repr` shows a hash, a sealed secret or a token.
"""

from __future__ import annotations

from typing import Protocol

from server.domain.staff_records import StaffAccount, StaffInvite, StaffSession

__all__ = ["StaffAccount", "StaffInvite", "StaffSession", "StaffStore"]


class StaffStore(Protocol):
    """Where staff accounts live. Every change that races is one atomic step on every backend."""

    async def create_account(self, account: StaffAccount) -> bool:
        """Add the account; False (nothing changed) if its folded name is already taken."""
        ...

    async def get_account(self, folded: str) -> StaffAccount | None:
        """The account with this folded username."""
        ...

    async def list_accounts(self) -> list[StaffAccount]:
        """Every account, ordered by folded username."""
        ...

    async def is_staff_name(self, folded: str) -> bool:
        """True if a staff account (enabled or not) holds this folded name."""
        ...

    async def set_disabled(self, folded: str, disabled: bool) -> bool:
        """Disable or enable; False if there is no such account."""
        ...

    async def set_lead(self, folded: str, lead: bool) -> bool:
        """Mark an account an on-duty lead or not; False if there is no such account."""
        ...

    async def set_totp(self, folded: str, sealed: bytes) -> bool:
        """Replace the TOTP secret with a new, not yet enrolled one (last step 0)."""
        ...

    async def use_totp_step(self, folded: str, step: int) -> bool:
        """Spend TOTP time step `step` and mark the secret enrolled, only if `step` is after the
        last one used (a code works once, even on two processes at once)."""
        ...

    async def set_password_hash(self, folded: str, password_hash: str) -> bool:
        """Replace the password hash (rehash on new Argon2 parameters)."""
        ...

    async def claim_attempt(self, folded: str, expected_failures: int, now: float) -> bool:
        """Count a sign-in attempt as a failure in advance (failures + 1, last at `now`), only if
        the counter is still `expected_failures`: of racing attempts, one goes on."""
        ...

    async def reset_failures(self, folded: str) -> None:
        """A sign-in succeeded: the counter goes back to 0."""
        ...

    async def bind_key(self, folded: str, identity_key: bytes) -> bytes | None:
        """Bind the account's end-to-end identity key (its socket sign-in); return the key it
        had before (None: first binding). One atomic step."""
        ...

    async def bound_keys(self) -> dict[str, bytes]:
        """folded username -> bound identity key, for every account that signed in on a socket."""
        ...

    # Sessions -----------------------------------------------------------------------------------
    async def session_put(self, session: StaffSession) -> None:
        """Store a new session."""
        ...

    async def session_get(self, token_hash: str) -> StaffSession | None:
        """The session with this token hash, if not removed (expiry is the handler's rule)."""
        ...

    async def session_touch(self, token_hash: str, now: float) -> None:
        """Record use of a session; never brings back a removed one."""
        ...

    async def session_delete(self, token_hash: str) -> bool:
        """Remove one session (sign-out); True if it was there."""
        ...

    async def revoke_sessions(self, folded: str) -> int:
        """Remove every session of the account; return how many there were."""
        ...

    # Invitations --------------------------------------------------------------------------------
    async def invite_put(self, invite: StaffInvite) -> None:
        """Store a new invitation."""
        ...

    async def invite_take(self, code_hash: str, now: float) -> StaffInvite | None:
        """Remove and return the invitation if it has not expired; of racing takers one gets it.
        An expired one is removed too and None is returned."""
        ...

    async def sweep(self, now: float) -> int:
        """Drop sessions and invitations past their absolute expiry; return how many."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...
