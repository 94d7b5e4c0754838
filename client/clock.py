"""Time and randomness of the client, passed in like the cores' (defaults: the real ones).

``Clock`` is a callable returning wall-clock Unix seconds (``time.time``): it bounds a sender
key's age (docs/crypto.md §6.3), how long an envelope waits for its sender key, and the signed
prekey's age, which is saved in the keystore and so must be wall time. A clock stepped back
delays a rotation by that much; one stepped forward rotates early (harmless).

``Rng`` is the cores' ``Callable[[int], bytes]`` (``os.urandom``): every key, nonce, franking
key, keystore salt and temp-file name comes from it, and the reconnect jitter too.
Tests pass a fake clock (a list they advance) and a seeded ``Rng`` instead of sleeping.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from e2ee.primitives import Rng

Clock = Callable[[], float]
"""Wall-clock time in Unix seconds."""

system_clock: Clock = time.time
system_rng: Rng = os.urandom


def unit_interval(rng: Rng) -> float:
    """A number in [0, 1) from 4 bytes of ``rng`` (jitter only; not for secrets)."""
    return int.from_bytes(rng(4), "big") / 2**32


def millis(clock: Clock) -> int:
    """The clock's time in Unix milliseconds (the unit of the e2ee core's age bound)."""
    return round(clock() * 1000)  # round, not truncate: 14_400.001 s is 14_400_001 ms


__all__ = ["Clock", "Rng", "millis", "system_clock", "system_rng", "unit_interval"]
