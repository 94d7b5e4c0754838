"""The server's secrets in a key file, outside the data store (issue 8, finding 6).

    {"version": 1, "room_signing_key": b64(32), "franking_key": b64(32)}

The file lives outside the data directory (default: `<data_dir>-server.key` beside it), is
created once with mode 0600 (atomically: written to a private temporary file, then linked into
place, so two processes starting at once agree on one key) and is read by every process; on
Redis, every process is given the same file (deploy/README.md). A file readable by group or
others, or inside the data directory, is refused with a clear message. Anyone who can read the
store or its backups therefore no longer gets the keys that forge membership events and reports.

Keys that older versions kept in the store are moved here once and then deleted from the store;
a store whose keys differ from an existing key file is refused (two deployments mixed up).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path

KEY_FILE_VERSION = 1
SECRET_BYTES = 32
NAMES = ("room_signing_key", "franking_key")


class KeyFileError(RuntimeError):
    """The key file cannot be used; the message says what to do (it never holds key bytes)."""


def default_key_file(data_dir: Path) -> Path:
    """`<data_dir>-server.key`, beside (never inside) the data directory."""
    resolved = data_dir.resolve()
    return resolved.with_name(resolved.name + "-server.key")


def check_outside(path: Path, data_dir: Path) -> None:
    """Refuse a key file inside the data directory (it would travel with the data's backups)."""
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise KeyFileError(f"the key file {path} must be outside the data directory {data_dir}")


def read_key_file(path: Path) -> dict[str, bytes]:
    """The secrets of an existing key file (refused unless owner-only and well formed)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"the key file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileError(f"the key file {path} is readable by others: chmod 600 it")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != KEY_FILE_VERSION:
            raise ValueError("version")
        keys = {name: base64.b64decode(doc[name], validate=True) for name in NAMES}
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise KeyFileError(f"the key file {path} is malformed") from exc
    if any(len(v) != SECRET_BYTES for v in keys.values()):
        raise KeyFileError(f"the key file {path} is malformed")
    return keys


def create_key_file(path: Path, keys: dict[str, bytes]) -> dict[str, bytes]:
    """Write `keys` to `path` unless it exists; return what the file holds afterwards."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    doc = {"version": KEY_FILE_VERSION,
           **{name: base64.b64encode(keys[name]).decode("ascii") for name in NAMES}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its file
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return read_key_file(path)


def load_or_create(path: Path, new_secret: Callable[[], bytes],
                   legacy: dict[str, bytes | None]) -> tuple[dict[str, bytes], bool]:
    """The key file's secrets, creating the file (from `legacy` store secrets if there are any,
    else fresh ones). Returns (secrets, whether the store's legacy copies may now be deleted)."""
    found = {name: value for name, value in legacy.items() if value is not None}
    if path.exists():
        keys = read_key_file(path)
        if any(keys[name] != value for name, value in found.items()):
            raise KeyFileError(
                f"the store holds server keys that differ from the key file {path}: is this "
                "the right store? Remove the store's keys or the key file, knowingly")
        return keys, bool(found)
    if found and set(found) != set(NAMES):
        raise KeyFileError("the store holds only some of the server keys: refusing to migrate")
    keys = create_key_file(path, {name: found.get(name) or new_secret() for name in NAMES})
    return keys, bool(found)


def main(argv: list[str] | None = None) -> int:
    """`python -m server.keyfile PATH`: create a key file before the first start (Compose
    secrets, several machines); an existing file is only checked."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m server.keyfile PATH", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        if path.exists():
            read_key_file(path)
            print(f"{path}: a valid key file (left as it is)")
        else:
            create_key_file(path, {name: secrets.token_bytes(SECRET_BYTES) for name in NAMES})
            print(f"{path}: created, mode 0600")
    except KeyFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
