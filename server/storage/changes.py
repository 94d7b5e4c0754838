"""Port: "this changed" notices between server processes, for process-local caches (the send
gate's, server/handlers/send_cache.py).

A notice is a short key naming what changed (`room:<room>`, `members:<room>`, `bans:<pseudonym>`
or `*` for everything); it never carries the change itself, so a process that gets one drops
its copy and reads the store again. Delivery is at most once (Redis pub/sub): a listener is
told `None` each time it (re)subscribes, meaning "you may have missed notices: drop all".

    LocalChanges   the embedded backend: one process, nobody else to tell
    RedisChanges   server/storage/redis/changes.py, one channel on the stores' Redis
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

OnChange = Callable[[str | None], None]
"""Called with a key that changed on another process, or None for "drop everything"."""


class ChangeBus(Protocol):
    """Publish change notices to the other processes; listen to theirs."""

    async def publish(self, origin: str, key: str) -> None:
        """Tell every other process that `key` changed (`origin`: this process's id)."""
        ...

    async def listen(self, origin: str, on_change: OnChange) -> None:
        """Call `on_change` for every other process's notice until cancelled (never returns
        otherwise; reconnects by itself with a bounded backoff)."""
        ...


class LocalChanges:
    """One process: its cache is dropped in place by the writer, so nothing travels."""

    def __repr__(self) -> str:
        return "LocalChanges()"

    async def publish(self, origin: str, key: str) -> None:
        """Nothing to tell."""

    async def listen(self, origin: str, on_change: OnChange) -> None:
        """Wait until cancelled."""
        on_change(None)
        await asyncio.Event().wait()
