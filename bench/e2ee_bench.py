"""Micro-benchmarks of the e2ee core (pure Python over `cryptography`).

Run: ``.venv/bin/python bench/e2ee_bench.py`` (add ``--quick`` for a short run). Prints the
median time per operation and operations per second; figures depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

from e2ee import (
    Account,
    DirectEnvelope,
    DirectSessions,
    GroupEnvelope,
    GroupKeys,
    PrekeyBundle,
    safety_number,
)
from e2ee.encoding import b64e


def timeit(fn: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def bundle(acc: Account) -> PrekeyBundle:
    pub = acc.keys_publish(1)
    return PrekeyBundle.from_fetch({
        "pseudonym": "b", "identity_key": b64e(acc.identity_key), "dh_key": pub["dh_key"],
        "dh_sig": pub["dh_sig"], "signed_prekey": pub["signed_prekey"],
        "one_time_prekey": pub["one_time_prekeys"][0],
    })


def main() -> None:
    n = 50 if "--quick" in sys.argv else 500
    text = "Tänään on ollut vaikea päivä, mutta olen tässä. " * 2
    alice, bob = DirectSessions(Account.create()), DirectSessions(Account.create())
    results: dict[str, float] = {}
    results["X3DH start (fetch verify + initiate)"] = timeit(
        lambda: DirectSessions(alice.account).start(bundle(bob.account)), max(n // 10, 5))
    alice.start(bundle(bob.account))
    first = alice.encrypt_text(bob.account.identity_key, "hei")
    bob.decrypt(DirectEnvelope("0", 0, "a", alice.account.identity_key, first.kind, first.header,
                               first.body, first.commitment))

    def one_to_one() -> None:
        out = bob.encrypt_text(alice.account.identity_key, text)
        alice.decrypt(DirectEnvelope("1", 0, "b", bob.account.identity_key, out.kind, out.header,
                                     out.body, out.commitment))

    results["1:1 encrypt+decrypt, same chain"] = timeit(one_to_one, n)

    def ping_pong() -> None:
        one_to_one()
        out = alice.encrypt_text(bob.account.identity_key, text)
        bob.decrypt(DirectEnvelope("2", 0, "a", alice.account.identity_key, out.kind, out.header,
                                   out.body, out.commitment))

    results["1:1 round trip with two DH ratchet steps"] = timeit(ping_pong, n)
    ga, gb = GroupKeys(alice.account.identity), GroupKeys(bob.account.identity)
    room = "bench/2026-11-26"
    gb.process_distribution(ga.create_sender_key(room, 1), alice.account.identity_key)
    results["group encrypt (franked, signed)"] = timeit(lambda: ga.encrypt_text(room, text), n)
    seq = [0]

    def group_decrypt() -> None:
        out = ga.encrypt_text(room, text)
        seq[0] += 1
        gb.decrypt(GroupEnvelope(room, seq[0], 0, "a", alice.account.identity_key, out.kind,
                                 out.header, out.body, out.commitment))

    results["group encrypt+decrypt"] = timeit(group_decrypt, n)
    results["sender key create (rotation, one member)"] = timeit(
        lambda: ga.create_sender_key(room, 2), n)
    results["safety number (2 x 5200 SHA-512)"] = timeit(
        lambda: safety_number(os.urandom(32), os.urandom(32)), max(n // 10, 5))
    width = max(map(len, results))
    for name, sec in results.items():
        print(f"{name:<{width}}  {sec * 1e6:9.1f} µs  {1 / sec:9.0f}/s")


if __name__ == "__main__":
    main()
