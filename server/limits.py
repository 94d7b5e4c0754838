"""Every limit the relay enforces, named in one place (sizes in decoded bytes, rates per second).

The `hello` reply publishes the client-relevant ones (`public_limits`) so clients can refuse
oversized input before sending it. Limits an operator may change are `config.settings.Settings`
fields instead, with their defaults there and nowhere else.
"""

from __future__ import annotations

from typing import Final

PROTOCOL_VERSION: Final = 2

CHALLENGE_BYTES: Final = 32
KEY_BYTES: Final = 32  # Ed25519 and X25519 public keys
SIGNATURE_BYTES: Final = 64
COMMITMENT_BYTES: Final = 32

MAX_BODY_BYTES: Final = 65_536
MAX_HEADER_BYTES: Final = 1_024
MAX_KIND_CHARS: Final = 32
MAX_ROOM_ID_CHARS: Final = 80
MAX_GROUP_ID_CHARS: Final = 40
MAX_PREKEY_ID: Final = 2**31 - 1

PSEUDONYM_MIN_CHARS: Final = 3
PSEUDONYM_MAX_CHARS: Final = 24

MAX_ONE_TIME_PREKEYS_PER_PUBLISH: Final = 100
MAX_ONE_TIME_PREKEYS_STORED: Final = 200

MAX_ACK_IDS: Final = 100
MAX_INBOX_FETCH: Final = 200
# Expired envelopes removed per recipient batch by the scheduler's sweep (each tick).
INBOX_SWEEP_BATCH: Final = 100


# Token buckets per connection: (rate per second, burst). Group chat is `room.send`, whose rate
# is a setting (`[limits] send_rate_per_second`, `send_burst`: config/settings.py). 1:1 sends
# and key fetches get their own, larger bursts: joining or re-keying a full room shares a new
# sender key with every other member (one key fetch + one direct envelope each).
DIRECT_RATE: Final = 10.0
DIRECT_BURST: Final = 60.0
KEYS_RATE: Final = 10.0
KEYS_BURST: Final = 60.0
OTHER_RATE: Final = 10.0
OTHER_BURST: Final = 40.0
# Every event before sign-in (hello, auth, unknown names) shares one small bucket.
PREAUTH_RATE: Final = 2.0
PREAUTH_BURST: Final = 10.0
# Refusals for `rate_limited` a connection may collect (refilled at STRIKE_RATE) before its
# transport is closed: a client that ignores the answer is abusing the relay.
STRIKE_RATE: Final = 1.0
STRIKE_BURST: Final = 20.0

CLOSING_WARNING_SECONDS: Final = 5 * 60
SCHEDULER_TICK_SECONDS: Final = 1.0
# A server process whose heartbeat (one per tick) is older than this is taken for dead and its
# room connections are removed from the shared store.
PROCESS_DEAD_AFTER_SECONDS: Final = 30.0


_FIXED_PUBLIC_LIMITS: Final = {
    "max_body_bytes": MAX_BODY_BYTES,
    "max_header_bytes": MAX_HEADER_BYTES,
    "commitment_bytes": COMMITMENT_BYTES,
    "pseudonym_min_chars": PSEUDONYM_MIN_CHARS,
    "pseudonym_max_chars": PSEUDONYM_MAX_CHARS,
    "max_one_time_prekeys_per_publish": MAX_ONE_TIME_PREKEYS_PER_PUBLISH,
    "max_one_time_prekeys_stored": MAX_ONE_TIME_PREKEYS_STORED,
    "max_ack_ids": MAX_ACK_IDS,
    "direct_rate_per_second": DIRECT_RATE,
    "direct_burst": DIRECT_BURST,
    "keys_rate_per_second": KEYS_RATE,
    "keys_burst": KEYS_BURST,
}

# One websocket frame / HTTP body: a full envelope in base64 plus JSON framing, with headroom.
MAX_FRAME_BYTES: Final = 256 * 1024

# Bytes one connection may have waiting to be written (asyncio's buffer plus this tick's frames)
# before it is dropped as a slow consumer (`connection.dropped`, reason `slow_consumer`), and
# the seconds it then gets to read what is buffered before its transport is aborted.
SEND_BUFFER_LIMIT_BYTES: Final = 1024 * 1024
SLOW_CONSUMER_GRACE_SECONDS: Final = 5.0

# Seconds aiohttp waits for open handlers at shutdown before cancelling them.
SHUTDOWN_TIMEOUT_SECONDS: Final = 3.0


def public_limits(send_rate: float, send_burst: float) -> dict[str, float | int]:
    """The limits `hello` publishes: the fixed ones and the configured group-send rate."""
    return {**_FIXED_PUBLIC_LIMITS, "send_rate_per_second": send_rate, "send_burst": send_burst}

# Escalation (issue 11)
MAX_NOTES_PER_CASE: Final = 20
"""Encrypted notes kept per case."""
MAX_NOTE_BYTES: Final = 8192
"""One encrypted note (ciphertext to the counsellor team key)."""
MAX_COUNSELLOR_NAME_CHARS: Final = 64
"""A counsellor's display name."""
