"""A whole person-to-counsellor conversation with the Python API (issue 11), on both backends:
request with a shared message, the counsellor's offer and claim, the end-to-end encrypted 1:1,
close with an outcome and encrypted notes, the rating - and a canary search that finds none of
what they said anywhere the server wrote (Redis, SQLite, the log at DEBUG).

The search is shown able to fail: it finds the notes' ciphertext, the pseudonym and a log event.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator

import pytest

from client import PeerClient
from client.staff import STAFF_COOKIE, StaffClient
from tests.client.leakscan import file_blobs, find, redis_blobs
from tests.fixtures.server import LiveServerFactory
from tests.server.cases_harness import FAST_STAFF, clock
from tests.server.mod_harness import staff_token


class Capture(logging.Handler):
    """Every log record of the process, with its structured fields, at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__!r}")


@pytest.fixture(params=["embedded", "redis"])
def backend_kwargs(request: pytest.FixtureRequest) -> dict[str, object]:
    """Nothing (embedded) or a Redis URL for `live_server_factory`."""
    if request.param == "redis":
        return {"redis_url": request.getfixturevalue("redis_url")}
    return {}


@pytest.fixture
def captured() -> Iterator[Capture]:
    root = logging.getLogger()
    handler, level = Capture(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_person_and_counsellor_talk_and_the_server_never_sees_it(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, object],
        captured: Capture) -> None:
    server = await live_server_factory(**FAST_STAFF, clock=clock(), run_scheduler=False, **backend_kwargs)
    token = secrets.token_hex(12)
    shared_line = f"Jaettu viesti {token} ryhmasta"
    from_counsellor = f"Olen taalla {token} kuuntelen"
    from_person = f"Kiitos {token} en jaksa tanaan"
    person = await PeerClient.connect(server.url)
    # The account signs in (password + TOTP, as StaffClient.login does over HTTP); its session
    # cookie signs the socket in as the counsellor.
    token = await staff_token(server, "Anna", "counsellor")
    peer = await PeerClient.connect(server.url, headers={"Cookie": f"{STAFF_COOKIE}={token}"})
    staff = StaffClient(server.url, peer, token, peer.role)
    try:
        assert staff.role == "counsellor"
        assert await staff.set_available(capacity=2) == []

        esc = await person.request_counsellor(reason="alcohol", share=[shared_line], level=3)
        assert esc.position == 1 and esc.estimated_wait is None and esc.fallback is None
        case = await staff.next_case(timeout=10)
        assert case.level == 3 and case.categories == ["alcohol"] and case.shared_items == 1
        session = await case.claim()
        assert session.pseudonym == person.pseudonym

        talk = await esc.wait_for_counsellor(timeout=10)
        assert talk.counsellor == "Anna" and esc.state == "active"
        shared = await session.shared(timeout=10)
        assert [m.text for m in shared] == [shared_line]
        await session.send(from_counsellor)
        assert (await talk.next_message(10)).text == from_counsellor
        await talk.send(from_person)
        assert (await session.next_message(10)).text == from_person

        notes = b"sealed-to-team:" + secrets.token_bytes(24)
        await case.close("supported", notes=notes)
        status = await esc.next_update(10)
        assert status["state"] == "closed" and status["outcome"] == "supported"
        await esc.rate(5)
        assert server.services.metrics.case_ratings["5"] == 1

        # Everything the server wrote: its store and its log.
        if backend_kwargs:
            blobs = list(redis_blobs(str(backend_kwargs["redis_url"])))
        else:
            blobs = list(file_blobs([server.data_dir]))
        blobs.append(("log", "\n".join(captured.lines).encode()))
        for secret in (token, shared_line, from_counsellor, from_person):
            assert find(secret.encode(), blobs) == [], secret
        # The search reaches the data: it finds what the server is known to hold.
        assert find(notes[-24:], blobs), "the encrypted notes were not found in the store"
        assert find(person.pseudonym.encode(), blobs), "the pseudonym was not found"
        assert find(b"case.claimed", blobs), "the log was not searched"
    finally:
        await person.close()
        await staff.close()
