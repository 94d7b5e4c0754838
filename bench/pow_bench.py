"""Sign-in proof of work (e2ee/pow.py): what `pow_bits` costs an honest Python client.

    .venv/bin/python bench/pow_bench.py [runs]

Prints the same-run baseline (plain SHA-256 of the same input size, per second) and, per
difficulty, the mean and the slowest solve of `runs` random challenges. The browser's figure
comes from tests/web_client/test_pow_browser.py (run with -s).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time

from e2ee.pow import POW_LABEL, check, solve


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    data = POW_LABEL + bytes(72)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.0:
        hashlib.sha256(data).digest()
        n += 1
    print(f"baseline: {n / (time.perf_counter() - t0):,.0f} SHA-256 per second")
    for bits in (12, 14, 16, 18):
        times = []
        for _ in range(runs):
            challenge, key = os.urandom(32), os.urandom(32)
            start = time.perf_counter()
            nonce = solve(challenge, key, bits)
            times.append(time.perf_counter() - start)
            assert check(challenge, key, nonce, bits)
        print(f"pow_bits {bits}: mean {sum(times) / runs * 1000:.0f} ms, "
              f"slowest {max(times) * 1000:.0f} ms over {runs} solves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
