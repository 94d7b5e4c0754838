"""What an idle connection keeps in the server (issue 14: memory per idle connection): slotted
state objects, token buckets made on first use, no kept copy of the upgrade's headers."""

from __future__ import annotations

import pytest

from server.api.outbox import Flusher, Outbox
from server.app import ADAPTER, SIO
from server.domain.ratelimit import TokenBucket
from server.handlers.services import BUCKET_LIMITS, Connection
from server.limits import PREAUTH_BURST, PREAUTH_RATE
from tests.fixtures.server import LiveServer
from tests.server.harness import Peer, wait_until
from tests.server.test_outbox import FakeTransport


@pytest.mark.parametrize("make", [
    lambda: Connection(sid="s"),
    lambda: TokenBucket(1.0, 2.0),
    lambda: Outbox(FakeTransport(), Flusher(), 1 << 20, lambda: None),  # type: ignore[arg-type]
])
def test_per_connection_objects_are_slotted(make: object) -> None:
    obj = make()  # type: ignore[operator]
    assert not hasattr(obj, "__dict__"), type(obj).__name__
    with pytest.raises(AttributeError):
        obj.not_a_field = 1


def test_buckets_are_made_full_on_first_use_with_their_limits() -> None:
    conn = Connection(sid="s", send_rate=3.0, send_burst=2.0)
    send = conn.bucket("send")
    assert (send.rate, send.burst) == (3.0, 2.0)
    assert conn.bucket("send") is send  # one bucket per budget, kept
    assert [send.take(0.0), send.take(0.0), send.take(0.0)] == [True, True, False]
    for budget, (rate, burst) in BUCKET_LIMITS.items():
        made = conn.bucket(budget)
        assert (made.rate, made.burst) == (rate, burst)
    assert BUCKET_LIMITS["preauth"] == (PREAUTH_RATE, PREAUTH_BURST)
    with pytest.raises(KeyError):
        conn.bucket("nonsense")


def test_signing_in_forgets_the_pre_sign_in_bucket() -> None:
    conn = Connection(sid="s")
    spent = conn.bucket("preauth")
    assert spent.take(0.0)
    conn.signed_in()
    assert conn.bucket("preauth") is not spent  # never spent from again; a new one if asked


async def test_a_signed_in_connection_keeps_no_environ(live_server: LiveServer) -> None:
    peer = await Peer.connect(live_server.url)
    try:
        sio = live_server.app[SIO]
        [conn] = live_server.app[ADAPTER].connections.values()
        assert conn.authenticated and conn.source  # the source tag was read before
        eio_sid = sio.manager.eio_sid_from_sid(conn.sid, "/")
        # The dict Engine.IO built from the upgrade request is emptied once the session is
        # open (its frames hold it for the websocket's life); the session works on.
        assert sio.environ[eio_sid] == {}
        assert (await peer.call("groups.list"))["ok"]
    finally:
        await peer.close()
    await wait_until(lambda: not live_server.app[SIO].environ)
