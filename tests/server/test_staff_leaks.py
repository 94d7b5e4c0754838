"""No staff password, TOTP secret, session token or invitation code in a log line, a store (the
SQLite files or every Redis key and value), a repr or an error message. The search is shown
able to fail: it finds the username, which the store does keep in clear."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import redis.asyncio as aioredis

from server.app import STAFF
from server.clock import FakeClock
from server.logs import LOGGER_NAME, JsonFormatter
from server.wire.errors import ApiError
from tests.fixtures.server import LiveServerFactory
from tests.server.staff_http_client import FAST_STAFF, StaffHttp

PASSWORD = "CanaryPassw0rd-kettu-7731"
WRONG_PASSWORD = "CanaryWrong-koivu-9923"
USERNAME = "Canary Staffer"


async def redis_dump(url: str) -> bytes:
    """Every key and value in the database, as bytes."""
    r = aioredis.Redis.from_url(url)
    out = []
    try:
        async for key in r.scan_iter("*"):
            kind = (await r.type(key)).decode()
            if kind == "string":
                value: object = await r.get(key)
            elif kind == "hash":
                value = await r.hgetall(key)
            elif kind == "set":
                value = await r.smembers(key)
            elif kind == "zset":
                value = await r.zrange(key, 0, -1, withscores=True)
            else:
                value = await r.lrange(key, 0, -1)
            out.append(key + b"=" + repr(value).encode())
    finally:
        await r.aclose()
    return b"\n".join(out)


def files_dump(data_dir: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()
                      and p.name != "staff.key")


@pytest.mark.parametrize("backend", ["embedded", "redis"])
async def test_no_secret_reaches_logs_stores_or_reprs(
        backend: str, request: pytest.FixtureRequest, live_server_factory: LiveServerFactory,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    clock = FakeClock(1_780_000_000.0)
    server = await live_server_factory(clock=clock, run_scheduler=False, staff=FAST_STAFF,
                                       redis_url=url)
    service = server.app[STAFF]
    code, _ = await service.invite("counsellor")
    http = StaffHttp(server.url)
    made = await http.request("POST", "/api/staff/redeem",
                              {"code": code, "username": USERNAME, "password": PASSWORD})
    assert made.status == 201
    enrol = await http.login(USERNAME, PASSWORD)
    secret = parse_qs(urlsplit(enrol.body["totp_uri"]).query)["secret"][0]
    assert (await http.login(USERNAME, PASSWORD, pyotp.TOTP(secret).at(clock.now()))
            ).status == 200
    token = http.cookie
    assert token is not None
    assert (await http.session()).status == 200
    wrong = await StaffHttp(server.url).login(USERNAME, WRONG_PASSWORD)
    assert wrong.status == 401
    replayed = await StaffHttp(server.url).login(USERNAME, PASSWORD,
                                                 pyotp.TOTP(secret).at(clock.now()))
    assert replayed.status == 401
    clock.advance(30)
    result = await service.login(USERNAME, PASSWORD, pyotp.TOTP(secret).at(clock.now()))
    assert result.token is not None
    texts = [repr(service), repr(service.store), repr(await service.account(USERNAME)),
             repr(result), repr(result.session)]
    for attempt in ((USERNAME, WRONG_PASSWORD, None), (USERNAME, PASSWORD, "123456")):
        clock.advance(FAST_STAFF.backoff_max_seconds)
        with pytest.raises(ApiError) as err:
            await service.login(*attempt)
        texts += [repr(err.value), str(err.value), err.value.message]
    texts += [str(r.body) for r in http.replies if "totp_uri" not in r.body]
    await server.stop()

    canaries = {
        "password": PASSWORD, "wrong password": WRONG_PASSWORD, "totp secret": secret,
        "session token": token, "second session token": result.token,
        "invitation code": code,
        "invitation code (no dashes)": code.replace("-", ""),
    }
    raw_secret = base64.b32decode(secret)
    formatter = JsonFormatter()
    logs = "\n".join(formatter.format(r) for r in caplog.records if r.name == LOGGER_NAME)
    logs += "\n".join(r.getMessage() for r in caplog.records)
    stored = await redis_dump(url) if url else files_dump(server.data_dir)
    for what, canary in canaries.items():
        assert canary not in logs, f"{what} in the log"
        assert canary.encode() not in stored, f"{what} in the {backend} store"
        assert all(canary not in t for t in texts), f"{what} in a repr"
    assert raw_secret not in stored, "raw TOTP secret bytes in the store"
    assert base64.b64encode(raw_secret) not in stored
    assert USERNAME not in logs, "a staff username in the log"
    # The search can fail: the username is stored in clear, and the search finds it.
    assert USERNAME.encode() in stored
    assert "staff.login" in logs and "staff.login_failed" in logs
