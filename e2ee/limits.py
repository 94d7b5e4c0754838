"""Every limit of the e2ee core, in one place (libsignal ``consts.rs`` style).

Decoders enforce these before any cryptography runs, so oversized input costs nothing.
"""

from __future__ import annotations

from typing import Final

PROTOCOL_VERSION: Final = 1
"""First byte of every Iltapiiri e2ee structure."""

# Double Ratchet (1:1)
MAX_SKIP: Final = 1000
"""Most message keys one receiving chain may skip ahead in one step."""
MAX_SKIPPED_KEYS: Final = 2000
"""Most skipped message keys kept per session across all chains; oldest evicted first."""
MAX_PREVIOUS_CHAINS: Final = 5
"""Finished receiving chains remembered per session, to name their duplicates replays."""

# Sender keys (groups)
MAX_FORWARD_JUMP: Final = 25_000
"""Most iterations a received group message may jump ahead of the receiver's chain."""
MAX_SKIPPED_GROUP_KEYS: Final = 2000
"""Most skipped group message keys kept per sender key; oldest evicted first."""
MAX_SENDER_KEYS_PER_ROOM_SENDER: Final = 5
"""Most sender keys (key ids) kept per (room, sender); older ones are dropped."""
MAX_MESSAGES_PER_SENDER_KEY: Final = 2000
"""``GroupKeys.needs_rotation`` says rotate after this many messages under one sender key."""
MAX_SENDER_KEY_AGE_MS: Final = 4 * 3600 * 1000
"""``GroupKeys.needs_rotation`` says rotate when a sender key is this old (caller's clock)."""
MAX_SENDER_KEY_ITERATION: Final = 2**32 - 1
"""Iteration counters are u32; a chain that reaches this must rotate."""

# Prekeys
MAX_ONE_TIME_PREKEYS: Final = 200
"""Most private one-time prekeys an account keeps; oldest evicted first."""
MAX_OLD_SIGNED_PREKEYS: Final = 3
"""Signed prekeys kept after rotation so in-flight first messages still decrypt."""

# Sizes
MAX_TEXT_BYTES: Final = 8192
"""UTF-8 bytes of one chat message."""
MAX_CONTROL_DATA: Final = 1024
"""Bytes of data in a control content."""
MAX_ROOM_ID_BYTES: Final = 128
"""UTF-8 bytes of a room id (``<group_id>/<YYYY-MM-DD>``)."""
MAX_CONTEXT_BYTES: Final = 256
"""UTF-8 bytes of a franking context (room id or direct context)."""
MAX_PLAINTEXT_BYTES: Final = 16_384
"""Padded inner plaintext."""
MAX_REPORT_NOTE_BYTES: Final = 1024
"""UTF-8 bytes of a reporter's note sealed with a report (e2ee/reports.py)."""
MAX_REPORT_RECIPIENTS: Final = 32
"""Most moderators one report is sealed to."""
MAX_CASE_NOTE_BYTES: Final = 4000
"""UTF-8 bytes of one counsellor's closing note (e2ee/team.py); sealed, it stays under the
server's bound on one stored note (server.limits.MAX_NOTE_BYTES, 8192)."""
MAX_CASE_ID_BYTES: Final = 128
"""ASCII bytes of a case id a note is bound to."""
MAX_HEADER_BYTES: Final = 512
"""Any header."""
MAX_BODY_BYTES: Final = MAX_PLAINTEXT_BYTES + 12 + 16 + 64
"""nonce + padded plaintext + tag + signature."""
PAD_BLOCK: Final = 160
"""Inner plaintext is padded (0x80 then zeros) to a multiple of this."""

# Safety numbers
SAFETY_ITERATIONS: Final = 5200
"""SHA-512 iterations per identity fingerprint (Signal uses 5200)."""
MAX_SESSIONS_PER_PEER: Final = 3
"""1:1 sessions kept per peer (simultaneous starts); oldest dropped."""
