"""Search everything a server touched for a secret, in every encoding it could hide in.

Used by the canary test: the same functions must find a value we know is stored (a pseudonym),
which proves the search itself reaches the data, and must not find the canary sentence.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from pathlib import Path

import redis


def encodings(secret: bytes) -> dict[str, bytes]:
    """Forms of ``secret`` to look for: plain, hex, and base64 at every byte alignment.

    A secret inside a larger blob is base64-encoded at offset 0, 1 or 2 modulo 3; for each
    alignment the chars that also depend on neighbouring bytes are cut off both ends, which
    leaves a long run that appears whenever the secret does.
    """
    forms: dict[str, bytes] = {
        "plain": secret,
        "hex": binascii.hexlify(secret),
        "HEX": binascii.hexlify(secret).upper(),
    }
    for shift in range(3):
        padded = b"\x00" * shift + secret
        for name, enc in (("b64", base64.b64encode), ("b64url", base64.urlsafe_b64encode)):
            text = enc(padded).rstrip(b"=")
            start = 4 if shift else 0
            core = text[start : len(text) - 4]
            forms[f"{name}+{shift}"] = core
    # JSON-escaped non-ASCII would also defeat a plain search; canaries are ASCII, so note it.
    return forms


def find(secret: bytes, blobs: Iterable[tuple[str, bytes]]) -> list[str]:
    """Where (``source:form``) any encoding of ``secret`` occurs in ``blobs``."""
    forms = encodings(secret)
    hits = []
    for source, blob in blobs:
        for form, needle in forms.items():
            if needle and needle in blob:
                hits.append(f"{source}:{form}")
    return hits


def redis_blobs(url: str) -> Iterator[tuple[str, bytes]]:
    """Every key name and value in the Redis database: type-aware reads plus ``DUMP``.

    ``DUMP`` alone is not enough (Redis may LZF-compress long strings), so each type is also read
    in its natural form.
    """
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(count=500):
            name = key.decode("utf-8", "replace")
            yield f"redis-key:{name}", key
            kind = client.type(key).decode()
            parts: list[bytes] = []
            if kind == "string":
                parts.append(client.get(key) or b"")
            elif kind == "hash":
                for k, v in client.hgetall(key).items():
                    parts += [k, v]
            elif kind == "list":
                parts += client.lrange(key, 0, -1)
            elif kind == "set":
                parts += list(client.smembers(key))
            elif kind == "zset":
                parts += [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
            elif kind == "stream":
                for entry_id, fields in client.xrange(key):
                    parts.append(entry_id)
                    for k, v in fields.items():
                        parts += [k, v]
            dumped = client.dump(key)
            if dumped:
                parts.append(dumped)
            yield f"redis:{name}", b"\n".join(parts)
    finally:
        client.close()


def redis_info(url: str) -> dict[str, int]:
    """Key count of the database, so a test can show it scanned something real."""
    client = redis.Redis.from_url(url)
    try:
        return {"keys": int(client.dbsize())}
    finally:
        client.close()


def file_blobs(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """The bytes of every file under the given files and directories (SQLite, WAL, logs)."""
    for root in paths:
        if root.is_file():
            yield f"file:{root}", root.read_bytes()
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    yield f"file:{p}", p.read_bytes()
