"""Micro-benchmarks of the e2ee core (pure Python over `cryptography`) against the primitives it
is built on, measured in the same run.

    .venv/bin/python bench/e2ee_bench.py [--quick] [--write] [--doc FILE] [--rounds 10]

Baselines: raw AES-256-GCM encrypt+decrypt of the same padded plaintext a chat message has,
raw Ed25519 sign+verify of the same signed bytes, raw X25519 (key objects already loaded), and
the small ones (HMAC, HKDF, SHA-512, CSPRNG); each also through `e2ee.primitives`, which takes
keys as bytes. For every protocol operation the primitive calls it makes are counted (one
untimed pass with counting wrappers) and priced at the raw cost: the rest is protocol overhead.
Operations and primitives are measured interleaved in `--rounds` rounds (median of batches of
thread CPU time), so a busy machine weighs on all rows alike.

The browser figures come from the browser test (see `browser_part`); they are quoted, not
measured here. `--write` replaces the `## End-to-end encryption (Python)` section of
docs/benchmarks.md (or `--doc FILE`) and nothing else.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    DOC,
    REPO,
    calibration_ms,
    load_average,
    machine_line,
    utc_now,
    write_section,
)

sys.path.insert(0, str(REPO))
from e2ee import (
    Account,
    DirectEnvelope,
    DirectSessions,
    GroupEnvelope,
    GroupKeys,
    PrekeyBundle,
    safety_number,
)
from e2ee import primitives as p
from e2ee.encoding import b64e
from e2ee.group_wire import GROUP_AD_LABEL, GROUP_SIG_LABEL

SECTION = "## End-to-end encryption (Python)"
BROWSER_JSON = REPO / "test-artifacts" / "e2ee-browser-bench.json"
BROWSER_TEST = "tests/web_client/test_e2ee_browser.py::test_in_browser_cost_per_message"
TEXT = "Tänään on ollut vaikea päivä, mutta olen tässä. " * 2
ROOM = "bench/2026-11-26"
COUNTED = ("aead_encrypt", "aead_decrypt", "ed25519_sign", "ed25519_verify", "x25519",
           "x25519_public", "ed25519_public", "hmac_sha256", "hkdf_sha256", "sha256", "sha512",
           "random_bytes")
SHORT = {"aead_encrypt": "AEAD enc", "aead_decrypt": "AEAD dec", "ed25519_sign": "sign",
         "ed25519_verify": "verify", "x25519": "X25519", "x25519_public": "X25519 pub",
         "ed25519_public": "Ed25519 pub", "hmac_sha256": "HMAC", "hkdf_sha256": "HKDF",
         "sha256": "SHA-256", "sha512": "SHA-512", "random_bytes": "CSPRNG"}

Fn = Callable[[], object]


# --- timing -------------------------------------------------------------------------------


class Timer:
    """Median CPU seconds per call (this thread's CPU clock, so time spent waiting for a core on
    a busy machine is not counted), from batches measured interleaved over rounds."""

    def __init__(self, quick: bool) -> None:
        self.samples_per_round = 3 if quick else 60
        self.budget = 0.03 if quick else 0.4  # seconds per case and round, at most
        self.batch: dict[str, int] = {}
        self.samples: dict[str, list[float]] = {}

    def prepare(self, name: str, fn: Fn) -> None:
        """Warm up and choose a batch size of ~1 ms."""
        fn()
        t0 = time.thread_time()
        fn()
        one = time.thread_time() - t0
        self.batch[name] = max(1, min(1000, int(1e-3 / max(one, 1e-9))))
        self.samples[name] = []

    def round(self, cases: dict[str, Fn], reverse: bool) -> None:
        for name in reversed(cases) if reverse else cases:
            fn, k = cases[name], self.batch[name]
            start = time.perf_counter()
            for _ in range(self.samples_per_round):
                t0 = time.thread_time_ns()
                for _ in range(k):
                    fn()
                self.samples[name].append((time.thread_time_ns() - t0) / 1e9 / k)
                if time.perf_counter() - start > self.budget:
                    break

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])


@contextmanager
def counting() -> Iterator[Counter[str]]:
    """Count calls of the `e2ee.primitives` functions (every e2ee module calls them as `p.x`)."""
    calls: Counter[str] = Counter()
    originals = {name: getattr(p, name) for name in COUNTED}

    def wrap(name: str, fn: Callable[..., object]) -> Callable[..., object]:
        def counted(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return fn(*args, **kwargs)
        return counted

    for name, fn in originals.items():
        setattr(p, name, wrap(name, fn))
    try:
        yield calls
    finally:
        for name, fn in originals.items():
            setattr(p, name, fn)


# --- the protocol operations --------------------------------------------------------------


def fetched(acc: Account) -> dict[str, object]:
    """What `keys.fetch` returns for `acc` (one one-time prekey)."""
    pub = acc.keys_publish(1)
    return {
        "pseudonym": "b", "identity_key": b64e(acc.identity_key), "dh_key": pub["dh_key"],
        "dh_sig": pub["dh_sig"], "signed_prekey": pub["signed_prekey"],
        "one_time_prekey": pub["one_time_prekeys"][0],
    }


def direct_pair() -> tuple[DirectSessions, DirectSessions]:
    """Two accounts with an established 1:1 session (first message already answered)."""
    a, b = DirectSessions(Account.create()), DirectSessions(Account.create())
    a.start(PrekeyBundle.from_fetch(fetched(b.account)))
    first = a.encrypt_text(b.account.identity_key, "hei")
    b.decrypt(DirectEnvelope("0", 0, "a", a.account.identity_key, first.kind, first.header,
                             first.body, first.commitment))
    return a, b


def send(src: DirectSessions, dst: DirectSessions) -> None:
    out = src.encrypt_text(dst.account.identity_key, TEXT)
    dst.decrypt(DirectEnvelope("1", 0, "x", src.account.identity_key, out.kind, out.header,
                               out.body, out.commitment))


def protocol_cases() -> dict[str, Fn]:
    """Each operation on its own state, so interleaving them changes no chain position."""
    alice, bob = Account.create(), Account.create()
    bob_fetch = fetched(bob)
    bob_bundle = PrekeyBundle.from_fetch(bob_fetch)
    a1, b1 = direct_pair()
    a2, b2 = direct_pair()
    g_alone = GroupKeys(Account.create().identity)
    g_alone.create_sender_key(ROOM, 1)
    ga, gb = GroupKeys(alice.identity), GroupKeys(bob.identity)
    gb.process_distribution(ga.create_sender_key(ROOM, 1), alice.identity_key)
    g_rot = GroupKeys(Account.create().identity)
    seq = [0]

    def group_round() -> None:
        out = ga.encrypt_text(ROOM, TEXT)
        seq[0] += 1
        gb.decrypt(GroupEnvelope(ROOM, seq[0], 0, "a", alice.identity_key, out.kind,
                                 out.header, out.body, out.commitment))

    k1, k2 = os.urandom(32), os.urandom(32)
    return {
        "group encrypt (franked, signed)": lambda: g_alone.encrypt_text(ROOM, TEXT),
        "group encrypt+decrypt": group_round,
        "1:1 encrypt+decrypt, same chain": lambda: send(b1, a1),
        "1:1 round trip, two DH ratchet steps": lambda: (send(b2, a2), send(a2, b2)),
        "prekey bundle verify (keys.fetch answer)": lambda: PrekeyBundle.from_fetch(bob_fetch),
        "X3DH start (initiate, bundle verified)": lambda: DirectSessions(alice).start(bob_bundle),
        "sender key create (rotation, one member)": lambda: g_rot.create_sender_key(ROOM, 2),
        "safety number (2 x 5200 SHA-512)": lambda: safety_number(k1, k2),
    }


def message_sizes() -> dict[str, int]:
    """Padded plaintext, AEAD associated data and signed bytes of one group chat message."""
    g = GroupKeys(Account.create().identity)
    g.create_sender_key(ROOM, 1)
    out = g.encrypt_text(ROOM, TEXT)
    ct = len(out.body) - p.NONCE_LEN - p.SIG_LEN
    return {"padded": ct - p.TAG_LEN, "ad": len(GROUP_AD_LABEL) + len(out.header),
            "signed": len(GROUP_SIG_LABEL) + len(out.header) + p.NONCE_LEN + ct}


# --- the primitives -----------------------------------------------------------------------


def primitive_cases(sizes: dict[str, int]) -> tuple[dict[str, Fn], dict[str, Fn], dict[str, str]]:
    """(raw, through e2ee.primitives, description) per counted primitive name, plus the
    combined rows the table shows first."""
    key, nonce = os.urandom(32), os.urandom(12)
    pt, ad = os.urandom(sizes["padded"]), os.urandom(sizes["ad"])
    ct = AESGCM(key).encrypt(nonce, pt, ad)
    seed, msg = os.urandom(32), os.urandom(sizes["signed"])
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pk = sk.public_key()
    sig, pk_raw = sk.sign(msg), pk.public_bytes_raw()
    xa, xb = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    xa_raw, xb_pub = xa.private_bytes_raw(), xb.public_key()
    xb_pub_raw = xb_pub.public_bytes_raw()
    small = os.urandom(64)

    def hkdf() -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"bench").derive(key)

    raw: dict[str, Fn] = {
        "aead_encrypt": lambda: AESGCM(key).encrypt(nonce, pt, ad),
        "aead_decrypt": lambda: AESGCM(key).decrypt(nonce, ct, ad),
        "ed25519_sign": lambda: sk.sign(msg),
        "ed25519_verify": lambda: pk.verify(sig, msg),
        "x25519": lambda: xa.exchange(xb_pub),
        "x25519_public": lambda: X25519PrivateKey.from_private_bytes(seed).public_key(),
        "ed25519_public": lambda: Ed25519PrivateKey.from_private_bytes(seed).public_key(),
        "hmac_sha256": lambda: hmac.digest(key, small, "sha256"),
        "hkdf_sha256": hkdf,
        "sha256": lambda: hashlib.sha256(small).digest(),
        "sha512": lambda: hashlib.sha512(small).digest(),
        "random_bytes": lambda: os.urandom(32),
    }
    wrapped: dict[str, Fn] = {
        "aead_encrypt": lambda: p.aead_encrypt(key, nonce, pt, ad),
        "aead_decrypt": lambda: p.aead_decrypt(key, nonce, ct, ad),
        "ed25519_sign": lambda: p.ed25519_sign(seed, msg),
        "ed25519_verify": lambda: p.ed25519_verify(pk_raw, sig, msg),
        "x25519": lambda: p.x25519(xa_raw, xb_pub_raw),
        "x25519_public": lambda: p.x25519_public(seed),
        "ed25519_public": lambda: p.ed25519_public(seed),
        "hmac_sha256": lambda: p.hmac_sha256(key, small),
        "hkdf_sha256": lambda: p.hkdf_sha256(key, b"", b"bench", 64),
        "sha256": lambda: p.sha256(small),
        "sha512": lambda: p.sha512(small),
        "random_bytes": lambda: p.random_bytes(os.urandom, 32),
    }
    about = {
        "aead_encrypt": f"AES-256-GCM encrypt, {sizes['padded']} B padded plaintext "
                        f"(new AESGCM(key) each: every message has its own key)",
        "aead_decrypt": f"AES-256-GCM decrypt, {sizes['padded']} B",
        "ed25519_sign": f"Ed25519 sign, {sizes['signed']} B",
        "ed25519_verify": f"Ed25519 verify, {sizes['signed']} B",
        "x25519": "X25519 shared secret",
        "x25519_public": "X25519 public key from private bytes (key generation)",
        "ed25519_public": "Ed25519 public key from a seed",
        "hmac_sha256": "HMAC-SHA256, 64 B",
        "hkdf_sha256": "HKDF-SHA256, 64 B out",
        "sha256": "SHA-256, 64 B",
        "sha512": "SHA-512, 64 B",
        "random_bytes": "CSPRNG, 32 B",
    }
    return raw, wrapped, about


# --- browser figures ----------------------------------------------------------------------


def browser_part(py: dict[str, float], source: Path = BROWSER_JSON) -> list[str]:
    """Quote the Chromium figures the browser test left behind, or say how to produce them."""
    shown = _shown(source)
    how = (f"`.venv/bin/python -m pytest {BROWSER_TEST}` (needs Debian's Chromium) writes "
           f"`{_shown(BROWSER_JSON)}`; then rerun this script with `--write`.")
    if not source.exists():
        return [f"Browser (WebCrypto, Chromium): no figures (`{shown}` does not exist) — " + how]
    try:
        fig = json.loads(source.read_text("utf-8"))
        if not isinstance(fig, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as exc:
        return [f"Browser (WebCrypto, Chromium): `{shown}` is unreadable "
                f"({type(exc).__name__}) — " + how]
    written = datetime.fromtimestamp(source.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")

    def ms(*keys: str) -> str:
        try:
            return f"{sum(float(fig[k]) for k in keys):.3f}"
        except (KeyError, TypeError, ValueError):
            return "—"

    def py_ms(key: str) -> str:
        return f"{py[key] * 1e3:.3f}" if key in py else "—"

    n = fig.get("messages")
    n_direct = max(1, n // 4) if isinstance(n, int) else "?"
    return [
        f"Browser (WebCrypto in headless Chromium, platform keys): **quoted, not measured by "
        f"this script** — source `{shown}`, written {written} by "
        f"`{BROWSER_TEST}` (`web_client/js/e2ee/bench.js`: mean over {n} group messages and "
        f"{n_direct} 1:1 messages, one X3DH start and one safety number, a single pass, a "
        f"~100-character text; wall-clock `performance.now()`, the load at that time is not "
        f"recorded). Python column: this run's CPU-time medians, so the columns differ in "
        f"method as well as in platform.",
        "",
        "| operation | Chromium ms | Python ms (this run) |",
        "|---|---|---|",
        f"| group encrypt | {ms('group_encrypt_ms')} | "
        f"{py_ms('group encrypt (franked, signed)')} |",
        f"| group encrypt + decrypt | {ms('group_encrypt_ms', 'group_decrypt_ms')} | "
        f"{py_ms('group encrypt+decrypt')} |",
        f"| 1:1 encrypt + decrypt, same chain | {ms('direct_encrypt_ms', 'direct_decrypt_ms')} "
        f"| {py_ms('1:1 encrypt+decrypt, same chain')} |",
        f"| X3DH start (bundle already verified) | {ms('x3dh_start_ms')} | "
        f"{py_ms('X3DH start (initiate, bundle verified)')} |",
        f"| safety number | {ms('safety_number_ms')} | "
        f"{py_ms('safety number (2 x 5200 SHA-512)')} |",
    ]


# --- report -------------------------------------------------------------------------------


def fmt_us(sec: float) -> str:
    us = sec * 1e6
    return f"{us:,.1f}" if us < 100 else f"{us:,.0f}"


def fmt_calls(calls: Counter[str], runs: int) -> str:
    parts = []
    for name in COUNTED:
        if calls[name]:
            n = calls[name] / runs
            parts.append(f"{n:g} {SHORT[name]}" if n == int(n) else f"{n:.1f} {SHORT[name]}")
    return ", ".join(parts) or "—"


def main(argv: list[str] | None = None) -> int:
    """Measure, print and optionally write the section."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run to check the script")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (10)")
    parser.add_argument("--write", action="store_true", help=f"update `{SECTION}` in the doc")
    parser.add_argument("--doc", type=Path, default=DOC, help="markdown file for --write")
    parser.add_argument("--browser-json", type=Path, default=BROWSER_JSON,
                        help="figures of the browser test to quote")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 10)
    started, when, load0 = time.monotonic(), utc_now(), load_average()

    sizes = message_sizes()
    raw, wrapped, about = primitive_cases(sizes)
    combined = {
        "raw AES-256-GCM encrypt+decrypt": lambda: (raw["aead_encrypt"](), raw["aead_decrypt"]()),
        "raw Ed25519 sign+verify": lambda: (raw["ed25519_sign"](), raw["ed25519_verify"]()),
        "via AES-256-GCM encrypt+decrypt":
            lambda: (wrapped["aead_encrypt"](), wrapped["aead_decrypt"]()),
        "via Ed25519 sign+verify": lambda: (wrapped["ed25519_sign"](), wrapped["ed25519_verify"]()),
    }
    protocol = protocol_cases()
    cases: dict[str, Fn] = {**combined, **{f"raw {k}": f for k, f in raw.items()},
                            **{f"via {k}": f for k, f in wrapped.items()}, **protocol}
    counts: dict[str, Counter[str]] = {}
    count_runs = 3 if args.quick else 10
    for name, fn in protocol.items():
        fn()  # the first call of an operation may set something up: count steady calls
        with counting() as calls:
            for _ in range(count_runs):
                fn()
        counts[name] = calls
    timer = Timer(args.quick)
    for name, fn in cases.items():
        timer.prepare(name, fn)
    for r in range(rounds):
        timer.round(cases, reverse=r % 2 == 1)
    med = {name: timer.median(name) for name in cases}
    load1 = load_average()
    cal = calibration_ms()

    lines = [
        f"Command: `.venv/bin/python bench/e2ee_bench.py --write{' --quick' if args.quick else ''}`"
        f" (measured {when}; the run took {time.monotonic() - started:.0f} s).",
        "",
        f"One chat message: {len(TEXT)} characters, padded to {sizes['padded']} B; AEAD "
        f"associated data {sizes['ad']} B; group signature over {sizes['signed']} B. Figures "
        f"are CPU time of the benchmark's thread (`time.thread_time`, so waiting for a core is "
        f"not counted), medians of batches of ~1 ms, {rounds} interleaved round(s); "
        f"`cryptography` "
        f"{_version('cryptography')} (OpenSSL {_openssl()}).",
        "",
        machine_line(cal, load0, load1),
        "",
        "Primitives, raw (`cryptography`/hashlib with key objects already loaded) and through "
        "`e2ee.primitives` (keys cross as bytes, so each call first loads its key; for Ed25519 "
        "signing and X25519 that load costs about as much as a public-key derivation, compare "
        "the rows):",
        "",
        "| primitive | raw µs | via e2ee.primitives µs |",
        "|---|---|---|",
        f"| **AES-256-GCM encrypt+decrypt, {sizes['padded']} B** | "
        f"{fmt_us(med['raw AES-256-GCM encrypt+decrypt'])} | "
        f"{fmt_us(med['via AES-256-GCM encrypt+decrypt'])} |",
        f"| **Ed25519 sign+verify, {sizes['signed']} B** | "
        f"{fmt_us(med['raw Ed25519 sign+verify'])} | "
        f"{fmt_us(med['via Ed25519 sign+verify'])} |",
    ]
    lines += [f"| {about[k]} | {fmt_us(med[f'raw {k}'])} | {fmt_us(med[f'via {k}'])} |"
              for k in COUNTED]
    lines += [
        "",
        "Protocol operations. *Primitive calls* were counted per operation; *raw floor* prices "
        "them at the raw costs above, *via wrappers* at the `e2ee.primitives` costs; the rest "
        "of the time is the protocol's own Python (encoding, padding, checks, state copies).",
        "",
        "| operation | µs | ops/s per core | primitive calls | raw floor µs | via wrappers µs "
        "| ÷ raw floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in protocol:
        calls, t = counts[name], med[name]
        floor = sum(n * med[f"raw {k}"] for k, n in calls.items()) / count_runs
        via = sum(n * med[f"via {k}"] for k, n in calls.items()) / count_runs
        lines.append(f"| {name} | {fmt_us(t)} | {1 / t:,.0f} | {fmt_calls(calls, count_runs)} "
                     f"| {fmt_us(floor)} | {fmt_us(via)} | {t / floor:.1f}x |")
    lines += ["", *browser_part(med, args.browser_json)]
    body = "\n".join(lines) + "\n"
    print(f"{SECTION}\n\n{body}")
    if args.write:
        write_section(args.doc, SECTION, body)
        print(f"wrote {SECTION!r} in {args.doc}")
    return 0


def _shown(path: Path) -> str:
    """`path` relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _openssl() -> str:
    from cryptography.hazmat.backends.openssl.backend import backend
    return str(backend.openssl_version_text()).replace("OpenSSL ", "")


if __name__ == "__main__":
    raise SystemExit(main())
