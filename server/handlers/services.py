"""What every handler needs: settings, store, clock, randomness, keys, metrics, log, emitter.

One `Services` per app (held under an aiohttp `web.AppKey`), one `Connection` per Socket.IO session.
The emitter is a port so handlers never import socketio.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Protocol

from config.moderation_settings import ModerationSettings
from config.settings import DEFAULTS, Settings
from escalation.policy import EscalationPolicy
from server.clock import Clock, Random
from server.domain.ratelimit import TokenBucket
from server.domain.records import Member
from server.domain.roles import Role
from server.domain.sources import SourceRate, SourceTagger
from server.handlers.send_cache import SendCache
from server.keys import ServerKeys
from server.limits import (
    DIRECT_BURST,
    DIRECT_RATE,
    KEYS_BURST,
    KEYS_RATE,
    OTHER_BURST,
    OTHER_RATE,
    PREAUTH_BURST,
    PREAUTH_RATE,
    STRIKE_BURST,
    STRIKE_RATE,
)
from server.logs import EventLog
from server.metrics import Metrics
from server.storage.stores import Stores
from server.wire.pushes import Push, RoomEnvelope


class StaffNames(Protocol):
    """Which folded names staff accounts hold (peers may not take them)."""

    async def is_staff_name(self, folded: str) -> bool: ...


class StaffAccountView(Protocol):
    """What a checked staff session tells (handlers.staff.SignedIn)."""

    @property
    def username(self) -> str: ...

    @property
    def folded(self) -> str: ...

    @property
    def role(self) -> str: ...


class StaffDirectory(Protocol):
    """The part of `StaffService` the socket needs (handlers/staff_socket.py)."""

    async def check_session(self, token: str | None) -> StaffAccountView: ...

    async def bind_key(self, folded: str, identity_key: bytes) -> bytes | None: ...

    async def bound_keys(self) -> dict[str, bytes]: ...

    async def lead_keys(self) -> set[bytes]: ...

    async def counsellor_keys(self) -> dict[str, bytes]: ...

    async def disabled_keys(self) -> set[bytes]: ...


class Emitter(Protocol):
    """Pushes to connections and manages their Socket.IO rooms (across processes)."""

    async def emit(self, push: Push, *, to: str | list[str], skip_sid: str | None = None
                   ) -> None:
        """Push to the connections in room `to` (or in any of the rooms, once each)."""

    async def emit_numbered(self, push: RoomEnvelope, *, to: str, skip_sid: str | None,
                            writer: str) -> int | None:
        """Push a group envelope with the room's next `seq` given by the transport, in the
        order every member receives it, bound to `writer` (the room store's `sender_of`);
        the seq. None, sending nothing, where the transport does not number (the embedded
        store, Redis without the replay window): the caller numbers it (`next_seq`) and emits
        it. `push.seq` is ignored."""

    async def enter_room(self, sid: str, room: str) -> None: ...

    async def leave_room(self, sid: str, room: str) -> None: ...

    async def close_room(self, room: str) -> None: ...

    async def forget_replay(self, rooms: list[str], *, counters: bool) -> None:
        """Delete what the fan-out keeps of these rooms' pushes (the Redis replay window), after
        every push emitted before; `counters` also restarts their numbering (the night ended)."""
        ...


def b64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


@dataclass(kw_only=True)
class Services:
    """The service's wiring, built once per app in `server.app`."""

    settings: Settings
    stores: Stores
    clock: Clock
    rng: Random
    keys: ServerKeys
    metrics: Metrics
    log: EventLog
    emitter: Emitter
    instance_id: str  # this server process, for liveness of its connections in a shared store
    staff_names: StaffNames
    escalation: EscalationPolicy  # config/escalation.toml (issue 11)
    mod_settings: ModerationSettings  # texts and alert policy (issue 10)
    sources: SourceTagger | None = None  # per-source sign-in rate (server/domain/sources.py)
    signin_rate: SourceRate | None = None
    staff: StaffDirectory | None = None  # staff sessions on the socket (handlers/staff_socket.py)
    send_cache: SendCache | None = None  # room.send's reads (handlers/send_cache.py)

    def __repr__(self) -> str:
        return "Services()"


# Token bucket of each budget (server/handlers/events.py's Budget values, plus "preauth" for
# every event before `auth` and "strikes" for the rate-limited refusals left before the transport
# closes): rate per second and burst; "send" comes from the settings (`Connection.send_rate`).
BUCKET_LIMITS: dict[str, tuple[float, float]] = {
    "direct": (DIRECT_RATE, DIRECT_BURST), "keys": (KEYS_RATE, KEYS_BURST),
    "other": (OTHER_RATE, OTHER_BURST), "preauth": (PREAUTH_RATE, PREAUTH_BURST),
    "strikes": (STRIKE_RATE, STRIKE_BURST)}


@dataclass(kw_only=True, slots=True)
class Connection:
    """One authenticated-or-not Socket.IO session (process-local). Slotted and with its token
    buckets made on first use: an idle connection is mostly this object (issue 14)."""

    sid: str
    challenge: bytes | None = None
    source: str = ""  # opaque tag of the peer address (server/domain/sources.py), never the address
    identity_key: bytes | None = None
    pseudonym: str | None = None
    role: Role = Role.PEER
    user_id: str | None = None
    staff_token: str | None = None  # the staff cookie of the upgrade (never logged or in repr)
    staff: str | None = None  # the folded staff username once signed in as staff
    rooms: set[str] = field(default_factory=set)
    released: bool = False  # its authenticated state was undone after the disconnect
    erase_challenge: bytes | None = None  # single-use, for `identity.erase` (handlers/erase.py)
    erased: bool = False  # its identity was erased: it serves no event any more
    send_rate: float = DEFAULTS.send_rate  # open_connection sets both from the settings
    send_burst: float = DEFAULTS.send_burst
    _send: TokenBucket | None = field(default=None, init=False, repr=False)
    _direct: TokenBucket | None = field(default=None, init=False, repr=False)
    _keys: TokenBucket | None = field(default=None, init=False, repr=False)
    _other: TokenBucket | None = field(default=None, init=False, repr=False)
    _preauth: TokenBucket | None = field(default=None, init=False, repr=False)
    _strikes: TokenBucket | None = field(default=None, init=False, repr=False)

    def bucket(self, budget: str) -> TokenBucket:
        """The token bucket of `budget` ("send", "direct", "keys", "other", "preauth",
        "strikes"). Made full on first use, which is the state it would have had if made at
        connect: a bucket that never spent has never refilled either."""
        rate, burst = (self.send_rate, self.send_burst) if budget == "send" \
            else BUCKET_LIMITS[budget]  # KeyError for a budget that does not exist
        slot = "_" + budget
        found: TokenBucket | None = getattr(self, slot)
        if found is None:
            found = TokenBucket(rate, burst)
            setattr(self, slot, found)
        return found

    def signed_in(self) -> None:
        """`auth` succeeded: the pre-sign-in bucket is never spent from again."""
        self._preauth = None

    def __repr__(self) -> str:
        return f"Connection(user_id={self.user_id!r}, rooms={len(self.rooms)})"

    @property
    def authenticated(self) -> bool:
        """True after a successful `auth`."""
        return self.identity_key is not None

    def member(self) -> Member:
        """This connection's member record."""
        assert self.identity_key is not None and self.pseudonym is not None
        return Member(pseudonym=self.pseudonym, identity_key=self.identity_key, role=self.role)
