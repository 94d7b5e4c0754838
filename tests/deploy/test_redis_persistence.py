"""deploy/redis.conf has the persistence docs/decisions.md says durable shared data needs, and a
real redis-server started from it (on a free loopback port) runs with those settings."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import redis.asyncio as aioredis

from tests.fixtures.services import free_port
from tests.fixtures.services import missing as service_missing

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "redis.conf"
REQUIRED = {"appendonly": "yes", "appendfsync": "everysec", "aof-use-rdb-preamble": "yes",
            "aof-load-truncated": "yes", "maxmemory-policy": "noeviction"}


def settings(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            found.setdefault(name, value.strip())
    return found


def missing(text: str) -> list[str]:
    have = settings(text)
    return [f"{k} {v}" for k, v in REQUIRED.items() if have.get(k) != v]


def test_the_shipped_config_keeps_durable_data() -> None:
    assert missing(CONF.read_text(encoding="utf-8")) == []


def test_the_check_fails_without_the_append_only_file() -> None:
    text = CONF.read_text(encoding="utf-8").replace("appendonly yes", "appendonly no")
    assert missing(text) == ["appendonly yes"]


def test_the_decision_names_every_required_setting() -> None:
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    entry = decisions.split("Durable shared data on Redis", 1)[1].split("\n## ", 1)[0]
    for name, value in REQUIRED.items():
        assert f"{name} {value}" in entry, name


async def test_a_redis_started_from_it_runs_with_them(tmp_path: Path) -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server is not installed")
    port = free_port()
    conf = tmp_path / "redis.conf"
    text = CONF.read_text(encoding="utf-8").replace("dir /var/lib/redis", f"dir {tmp_path}")
    conf.write_text(text + f"\nport {port}\nbind 127.0.0.1\n", encoding="utf-8")
    proc = subprocess.Popen([binary, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    client = aioredis.Redis(host="127.0.0.1", port=port,
                            password=settings(text)["requirepass"], decode_responses=True)
    try:
        for _ in range(100):
            try:
                await client.ping()
                break
            except Exception:
                await asyncio.sleep(0.05)
        got = {k: (await client.config_get(k))[k] for k in REQUIRED}
        assert got == REQUIRED
    finally:
        await client.aclose()
        proc.terminate()
        proc.wait(timeout=10)
