"""Black-box helpers for the reliability tests: scrape /metrics, wait for a condition, read what
a chat received."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import aiohttp

from client import ClientError, Group, Message, MessageTimeout
from client.chats import DirectChat

ERRORS_LINE = re.compile(r'^iltapiiri_errors_total\{code="([a-z_]+)"\} (\d+)$', re.M)
GAUGE_LINE = re.compile(r"^(iltapiiri_[a-z_]+) (\d+)$", re.M)


async def metrics(url: str) -> tuple[dict[str, int], dict[str, int]]:
    """(error counts by code, plain gauges/counters by name) from `GET /metrics`."""
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as resp:
        assert resp.status == 200
        text = await resp.text()
    errors = {code: int(n) for code, n in ERRORS_LINE.findall(text)}
    values = {name: int(n) for name, n in GAUGE_LINE.findall(text)}
    return errors, values


async def internal_errors(url: str) -> int:
    """How many requests this process answered `internal` so far."""
    return (await metrics(url))[0].get("internal", 0)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str,
                     pause: float = 0.2) -> float:
    """Await `check()` until true; return the seconds it took, or fail after `timeout`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        try:
            if await check():
                return loop.time() - start
        except (ClientError, OSError, aiohttp.ClientError):
            pass
        if loop.time() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(pause)


async def drain(chat: Group | DirectChat, idle: float) -> list[Message]:
    """Every message that arrives until none comes for `idle` seconds."""
    got: list[Message] = []
    while True:
        try:
            got.append(await chat.next_message(timeout=idle))
        except MessageTimeout:
            return got


async def collect(chat: Group | DirectChat, want: set[str], timeout: float) -> list[Message]:
    """Messages until every text in `want` has arrived (or `timeout`); returns all received."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got: list[Message] = []
    missing = set(want)
    while missing:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        try:
            msg = await chat.next_message(timeout=remaining)
        except MessageTimeout:
            break
        got.append(msg)
        missing.discard(msg.text)
    return got


VOLATILE_KEYS = ("ilp:owners", "ilp:claim:", "ilp:lock:")
"""Keys that move by themselves (heartbeats each tick, scheduler claims, lock tokens)."""


def redis_state(url: str) -> dict[str, object]:
    """Every key of the database with its value, less the ones that move by themselves and the
    `last_seen` of each binding: what a refused request must leave as it was."""
    import redis

    client = redis.Redis.from_url(url, decode_responses=False)
    try:
        state: dict[str, object] = {}
        for raw in client.scan_iter(count=500):
            key = raw.decode("utf-8", "replace")
            if key.startswith(VOLATILE_KEYS):
                continue
            kind = client.type(raw).decode()
            value: object
            if kind == "string":
                value = client.get(raw)
            elif kind == "hash":
                found = client.hgetall(raw)
                found.pop(b"last_seen", None)
                value = found
            elif kind == "list":
                value = client.lrange(raw, 0, -1)
            elif kind == "set":
                value = sorted(client.smembers(raw))
            elif kind == "zset":
                value = client.zrange(raw, 0, -1, withscores=True)
            else:
                value = kind
            state[key] = value
        return state
    finally:
        client.close()
