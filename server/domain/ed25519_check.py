"""Refuse degenerate Ed25519 identity keys.

A public key of small order (the identity point and its seven friends) "verifies" forged
signatures: with A = identity, (R = identity, S = 0) passes for every message, and OpenSSL accepts
it. Such a key has no owner, so anyone could authenticate as it and take over its pseudonym.
This module decodes the point and checks that [8]A is not the identity; it also refuses
non-canonical encodings (y >= p). Plain integer arithmetic: it runs once per `auth`.
"""

from __future__ import annotations

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int]
IDENTITY: Point = (0, 1)


def _decode(encoded: bytes) -> Point | None:
    if len(encoded) != 32:
        return None
    value = int.from_bytes(encoded, "little")
    sign = value >> 255
    y = value & ((1 << 255) - 1)
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = (u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P)) % P
    if (v * x * x - u) % P != 0:
        x = (x * SQRT_M1) % P
        if (v * x * x - u) % P != 0:
            return None  # not on the curve
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y


def _add(a: Point, b: Point) -> Point:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return x3, y3


def is_acceptable_public_key(encoded: bytes) -> bool:
    """True for a canonical encoding of a curve point whose order is not small."""
    point = _decode(encoded)
    if point is None:
        return False
    for _ in range(3):  # [8]P
        point = _add(point, point)
    return point != IDENTITY
