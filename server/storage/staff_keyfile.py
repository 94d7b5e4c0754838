"""The staff key file: the 32-byte key that seals TOTP secrets, kept outside the data store.

One base64 line, owner-only (0600). Created on first use (linked into place whole), so two processes
starting at once agree on one key; every process of a Redis deployment must be given the same file
(`[staff] key_file`), or sealed secrets will not open (sign-in then fails with `login_failed`
and the admin resets the second factor).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from server.clock import Random
from server.domain.staff_secrets import SEAL_KEY_BYTES

DEFAULT_KEY_FILE = "staff.key"


class KeyFileError(Exception):
    """The key file exists but does not hold a key."""


def default_key_path(data_dir: Path, configured: Path | None) -> Path:
    """`[staff] key_file`, or staff.key in the data dir."""
    return configured if configured is not None else data_dir / DEFAULT_KEY_FILE


def load_or_create_key(path: Path, rng: Random) -> bytes:
    """The key in `path`, created (0600) if the file does not exist yet."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Written whole to a temporary file, then linked into place: a process that starts at
        # the same moment either finds no file or the complete one, never half a key.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(rng.bytes(SEAL_KEY_BYTES)).decode("ascii") + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            tmp.unlink()
    try:
        key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{path.name} does not hold a base64 key") from None
    if len(key) != SEAL_KEY_BYTES:
        raise KeyFileError(f"{path.name} does not hold a {SEAL_KEY_BYTES}-byte key")
    return key
