"""Where a client keeps its identity and 1:1 session state between runs.

``Keystore(None)`` keeps everything in memory (gone when the process ends). ``Keystore(path)``
persists one JSON document: written to a fresh file created with mode 0600 in the same
directory, flushed and fsync'd, then renamed over the old one, so a crash leaves either the old
or the new state and never a torn file, and no other user can read it even for a moment.

With a ``passphrase`` the state is sealed (``client.sealing``: PBKDF2-SHA256 → AES-256-GCM)
before it reaches the disk, so a backup, a synced home directory or another program of the same
user does not get the identity seed or the session keys. Without one, mode 0600 is the only
protection (the documented default; the CLI asks for a passphrase via an environment variable).

The document holds secrets; ``repr`` shows the path, never the contents, and nothing here logs.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from client.clock import Rng, system_rng
from client.errors import KEYSTORE_CORRUPT, KEYSTORE_FULL, KEYSTORE_LOCKED, ClientError
from client.sealing import KDF_ITERATIONS, Sealer

KEYSTORE_VERSION = 1
MAX_KEYSTORE_BYTES = 16 * 1024 * 1024
FILE_MODE = 0o600


class Keystore:
    """Load and save the client's state document, atomically and privately."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        passphrase: str | None = None,
        *,
        kdf_iterations: int = KDF_ITERATIONS,
        rng: Rng = system_rng,
    ) -> None:
        self._path = Path(path) if path is not None else None
        self._memory: dict[str, Any] | None = None
        self._rng = rng
        self._sealer = (
            Sealer(passphrase, iterations=kdf_iterations, rng=rng)
            if passphrase is not None
            else None
        )

    def __repr__(self) -> str:
        where = "memory" if self._path is None else str(self._path)
        sealed = ", sealed" if self._sealer is not None else ""
        return f"Keystore({where}{sealed})"

    @property
    def persistent(self) -> bool:
        """Whether state survives the process."""
        return self._path is not None

    def load(self) -> dict[str, Any] | None:
        """Return the saved document, or ``None`` if there is none yet."""
        if self._path is None:
            return json.loads(json.dumps(self._memory)) if self._memory is not None else None
        try:
            with open(self._path, "rb") as f:
                raw = f.read(MAX_KEYSTORE_BYTES + 1)
        except FileNotFoundError:
            return None
        if len(raw) > MAX_KEYSTORE_BYTES:
            raise ClientError(KEYSTORE_CORRUPT, "keystore file is too large")
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ClientError(KEYSTORE_CORRUPT, "keystore file is not valid JSON") from None
        if not isinstance(doc, dict) or doc.get("version") != KEYSTORE_VERSION:
            raise ClientError(KEYSTORE_CORRUPT, "keystore version is not supported")
        if "sealed" in doc:
            if self._sealer is None:
                raise ClientError(KEYSTORE_LOCKED, "the keystore is sealed: give its passphrase")
            return self._sealer.unseal(doc["sealed"])
        # A plain file opened with a passphrase is sealed at the next save (migration).
        state = doc.get("state")
        if not isinstance(state, dict):
            raise ClientError(KEYSTORE_CORRUPT, "keystore has no state")
        return state

    def erase(self) -> None:
        """Delete the file (the identity is gone: nothing of it stays on this device)."""
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)

    def save(self, state: dict[str, Any]) -> None:
        """Replace the saved document with ``state`` (JSON-serialisable), atomically."""
        if self._path is None:
            # Round-trip so the caller cannot mutate what was "saved".
            self._memory = json.loads(json.dumps(state))
            return
        body: dict[str, Any] = (
            {"sealed": self._sealer.seal(state)} if self._sealer is not None else {"state": state}
        )
        data = json.dumps(
            {"version": KEYSTORE_VERSION, **body}, separators=(",", ":"), sort_keys=True
        ).encode("utf-8")
        if len(data) > MAX_KEYSTORE_BYTES:
            # Never replace a loadable file with one ``load`` would refuse; keep the old state.
            raise ClientError(KEYSTORE_FULL, "state is larger than the keystore allows")
        directory = self._path.parent
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{self._path.name}.{self._rng(8).hex()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        # Persist the rename itself; not every platform lets a directory be opened.
        with contextlib.suppress(OSError):
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
