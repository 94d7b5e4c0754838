"""The audit record: a canonical byte encoding, a SHA-256 hash chain, and its verification.

Who did what to which pseudonym or room, and when: every flag, alert, report, sanction and login.
An entry has no field for text or addresses; ``details`` takes only allow-listed keys whose values
are integers or short ASCII tokens (no spaces), so a sentence or an IP address cannot be written
into it by mistake. Storage comes later (both backends append ``(entry, hash)`` rows).

Each row's hash covers the previous row's hash, so changing, inserting or deleting a row breaks
the chain at that row; ``verify`` names the first broken index. Cutting rows off the *end* leaves
a valid shorter chain: pass the last known head (kept outside the store) to find that too.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from moderation.limits import MAX_PSEUDONYM_CHARS, MAX_ROOM_ID_CHARS, RuleError, check_token

ENTRY_LABEL: Final = b"iltapiiri/audit-entry/v1\x00"
CHAIN_LABEL: Final = b"iltapiiri/audit-chain/v1\x00"
GENESIS: Final = bytes(32)
"""The ``prev`` of the first row."""
MAX_DETAILS: Final = 16
MAX_DETAIL_VALUE_CHARS: Final = 128
MAX_ENTRY_BYTES: Final = 4096

ACTIONS: Final = frozenset({
    "login", "login_failed", "logout", "duty_on", "duty_off",
    "flag", "alert_open", "alert_widen", "alert_ack", "alert_resolve", "alert_expire",
    "report", "report_verified", "report_unverified",
    "sanction", "sanction_lift", "sanction_refused",
    "case_open", "case_claim", "case_transfer", "case_close", "case_delete",
    "staff_create", "staff_disable", "staff_reset_totp", "invite_create", "debrief_request",
    "staff_socket_login", "staff_key_changed", "staff_session_ended",
    "staff_lead_on", "staff_lead_off",
})
"""What an entry may record."""

DETAIL_KEYS: Final = frozenset({
    "alert_id", "case_id", "categories", "code", "days", "kind", "level", "message_id",
    "minutes", "outcome", "reason_code", "role", "round", "rule_ids", "sanction_id", "seconds",
    "severity", "source", "until", "verified", "key_id", "stamped", "recipients",
})
"""The only keys ``details`` may have (no free text: a typed reason is not audited, its code is)."""

_VALUE_RE: Final = re.compile(r"[A-Za-z0-9_.:,/+-]{0,128}")
_INT, _STR = 0x01, 0x02

Detail = int | str


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One audited event (validated when built). ``at_ms`` is the caller's clock in milliseconds."""

    seq: int
    at_ms: int
    actor: str
    action: str
    room: str | None = None
    pseudonym: str | None = None
    details: Mapping[str, Detail] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("seq", "at_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
                raise RuleError("bad_audit", f"{name} must be a u63")
        for name, limit in (("actor", MAX_PSEUDONYM_CHARS), ("room", MAX_ROOM_ID_CHARS),
                            ("pseudonym", MAX_PSEUDONYM_CHARS)):
            value = getattr(self, name)
            if value is None and name != "actor":
                continue
            if not isinstance(value, str) or not 0 < len(value) <= limit:
                raise RuleError("bad_audit", f"{name} must be 1..{limit} characters")
        if self.action not in ACTIONS:
            raise RuleError("bad_audit", "unknown action")
        if not isinstance(self.details, Mapping):
            raise RuleError("bad_audit", "details must be a mapping")
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))
        if len(self.details) > MAX_DETAILS:
            raise RuleError("bad_audit", "too many details")
        for key, value in self.details.items():
            check_token(key, "detail key", "bad_audit")
            if key not in DETAIL_KEYS:
                raise RuleError("bad_audit", f"detail {key} is not allow-listed")
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise RuleError("bad_audit", f"detail {key} must be an integer or a token")
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise RuleError("bad_audit", f"detail {key} out of range")
            if isinstance(value, str) and not _VALUE_RE.fullmatch(value):
                raise RuleError("bad_audit", f"detail {key} must be a short token without spaces")


def _var16(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def _opt(value: str | None) -> bytes:
    return b"\x00" if value is None else b"\x01" + _var16(value.encode("utf-8"))


# Canonical entry encoding (all integers big-endian; strings UTF-8; details sorted by key):
#
#   +----------------------------+--------+----------+---------------+----------------+
#   | "iltapiiri/audit-entry/v1\0"| seq u64| at_ms u64| u16 len|actor | u16 len|action |
#   +----------------------------+--------+----------+---------------+----------------+
#   | room: 0x00 | 0x01 u16 len bytes    | pseudonym: 0x00 | 0x01 u16 len bytes       |
#   +-----------------------------------+---------------------------------------------+
#   | u16 n | n x ( u16 len|key , 0x01 i64  |  0x02 u16 len|value )                    |
#   +---------------------------------------------------------------------------------+
#
# Chain: hash_i = SHA-256( "iltapiiri/audit-chain/v1\0" || hash_{i-1} (32) || u32 len || entry_i )
# with hash_{-1} = 32 zero bytes. Every field is length-prefixed and the labels separate domains,
# so no two different entries (or an entry and a chain input) encode to the same bytes.
def encode_entry(entry: AuditEntry) -> bytes:
    """The canonical bytes drawn above."""
    out = bytearray(ENTRY_LABEL)
    out += struct.pack(">QQ", entry.seq, entry.at_ms)
    out += _var16(entry.actor.encode("utf-8")) + _var16(entry.action.encode("utf-8"))
    out += _opt(entry.room) + _opt(entry.pseudonym)
    out += struct.pack(">H", len(entry.details))
    for key in sorted(entry.details):
        value = entry.details[key]
        out += _var16(key.encode("ascii"))
        if isinstance(value, int):
            out += bytes([_INT]) + struct.pack(">q", value)
        else:
            out += bytes([_STR]) + _var16(value.encode("ascii"))
    if len(out) > MAX_ENTRY_BYTES:
        raise RuleError("bad_audit", "entry too large")
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise RuleError("bad_audit", "entry truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        value: int = struct.unpack(fmt, self.take(size))[0]
        return value

    def var16(self) -> bytes:
        return self.take(self.u(">H"))

    def text(self) -> str:
        try:
            return self.var16().decode("utf-8")
        except UnicodeDecodeError:
            raise RuleError("bad_audit", "entry text is not UTF-8") from None

    def opt(self) -> str | None:
        flag = self.u(">B")
        if flag not in (0, 1):
            raise RuleError("bad_audit", "bad optional flag")
        return self.text() if flag else None


def decode_entry(data: bytes) -> AuditEntry:
    """Parse the canonical bytes drawn above; ``bad_audit`` on any deviation.

    The result re-encodes to exactly ``data`` (a store may keep only the bytes and the hash).
    """
    if len(data) > MAX_ENTRY_BYTES or not data.startswith(ENTRY_LABEL):
        raise RuleError("bad_audit", "not an audit entry")
    r = _Reader(data)
    r.take(len(ENTRY_LABEL))
    seq, at_ms = r.u(">Q"), r.u(">Q")
    actor, action = r.text(), r.text()
    room, pseudonym = r.opt(), r.opt()
    details: dict[str, Detail] = {}
    for _ in range(r.u(">H")):
        key = r.text()
        tag = r.u(">B")
        if tag == _INT:
            details[key] = r.u(">q")
        elif tag == _STR:
            details[key] = r.text()
        else:
            raise RuleError("bad_audit", "unknown detail type")
    if r.pos != len(data):
        raise RuleError("bad_audit", "trailing bytes")
    entry = AuditEntry(seq=seq, at_ms=at_ms, actor=actor, action=action, room=room,
                       pseudonym=pseudonym, details=details)
    if encode_entry(entry) != data:
        raise RuleError("bad_audit", "entry is not in canonical form")
    return entry


def chain_hash(prev: bytes, entry: AuditEntry) -> bytes:
    """The row hash of ``entry`` after a row whose hash is ``prev`` (``GENESIS`` first)."""
    if len(prev) != 32:
        raise RuleError("bad_audit", "prev must be 32 bytes")
    body = encode_entry(entry)
    return hashlib.sha256(CHAIN_LABEL + prev + struct.pack(">I", len(body)) + body).digest()


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    """A stored row: the entry and its chain hash."""

    entry: AuditEntry
    hash: bytes

    def __repr__(self) -> str:
        return f"AuditRow(seq={self.entry.seq}, action={self.entry.action}, hash={self.hash[:6].hex()})"


def append(rows: Sequence[AuditRow], entry: AuditEntry) -> AuditRow:
    """The row that follows ``rows``: ``entry`` must carry the next sequence number."""
    expected = rows[-1].entry.seq + 1 if rows else 0
    if entry.seq != expected:
        raise RuleError("bad_audit", "sequence numbers are consecutive from 0")
    prev = rows[-1].hash if rows else GENESIS
    return AuditRow(entry=entry, hash=chain_hash(prev, entry))


def checkpoint_text(rows: Sequence[AuditRow]) -> str:
    """The head of ``rows`` as a checkpoint to keep outside the store: ``<seq>:<hash hex>``."""
    if not rows:
        raise RuleError("bad_audit", "an empty log has no head")
    return f"{rows[-1].entry.seq}:{rows[-1].hash.hex()}"


def parse_checkpoint(text: str) -> tuple[int, bytes]:
    """``<seq>:<64 hex>`` (as ``checkpoint_text`` writes it) -> (seq, hash)."""
    seq_text, _, hex_text = text.strip().partition(":")
    try:
        seq, digest = int(seq_text), bytes.fromhex(hex_text)
    except ValueError:
        raise RuleError("bad_checkpoint", "a checkpoint is <seq>:<64 hex digits>") from None
    if seq < 0 or len(digest) != 32:
        raise RuleError("bad_checkpoint", "a checkpoint is <seq>:<64 hex digits>")
    return seq, digest


def broken_checkpoint(rows: Sequence[AuditRow], checkpoint: tuple[int, bytes]) -> int | None:
    """For a chain that ``verify`` accepts: the index where it disagrees with a head recorded
    earlier outside the store, or ``None``. Row ``seq`` must still be there with that hash: a
    chain cut below it (rows deleted at the end, then maybe new ones appended) is broken at
    ``len(rows)``; one rewritten at or before it (hashes recomputed) at ``seq``."""
    seq, digest = checkpoint
    if seq >= len(rows):
        return len(rows)
    return None if rows[seq].hash == digest else seq


def verify(rows: Sequence[AuditRow], *, expected_head: bytes | None = None,
           first_seq: int = 0, prev: bytes = GENESIS) -> int | None:
    """Index of the first row whose link is broken, or ``None`` if the chain holds.

    A row is broken when its sequence number is not the next one or its hash is not
    ``chain_hash(previous stored hash, entry)``. ``first_seq``/``prev`` let a caller verify a
    suffix from a trusted checkpoint. With ``expected_head``, a chain whose last hash differs (rows
    cut off the end) is broken at ``len(rows)``.
    """
    for i, row in enumerate(rows):
        if row.entry.seq != first_seq + i or chain_hash(prev, row.entry) != row.hash:
            return i
        prev = row.hash
    if expected_head is not None and prev != expected_head:
        return len(rows)
    return None
