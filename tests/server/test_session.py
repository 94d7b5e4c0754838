"""Session protocol over the real server: challenge, signature, pseudonym binding."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from e2ee.identity import AUTH_LABEL, auth_message
from e2ee.pow import check as pow_check
from server.clock import FakeClock
from tests.fixtures.server import LiveServer, LiveServerFactory
from tests.server.harness import Peer, b64, pow_for, unb64, wait_until
from tests.server.test_direct_and_keys import bundle

T0 = 1_790_000_000.0


async def test_everything_needs_auth_first(server: LiveServer) -> None:
    peer = await Peer.connect(server.url, auth=False)
    try:
        for event in ("groups.list", "group.join", "room.send", "keys.count", "inbox.fetch",
                      "direct.send", "keys.publish"):
            reply = await peer.call(event, {})
            assert reply["ok"] is False and reply["error"] == "not_authenticated", event
        assert (await peer.call("no.such.event", {}))["error"] == "bad_request"
        assert (await peer.call("auth", {"identity_key": b64(peer.identity_key),
                                         "signature": b64(b"\0" * 64)}))["error"] == "no_challenge"
        assert (await peer.authenticate("Kaisa"))["ok"]
        assert (await peer.call("hello"))["error"] == "already_authenticated"
        assert (await peer.authenticate("Kaisa"))["error"] == "already_authenticated"
    finally:
        await peer.close()


async def test_hello_publishes_server_key_and_limits(server: LiveServer) -> None:
    peer = await Peer.connect(server.url, auth=False)
    try:
        hello = await peer.call("hello")
        assert len(unb64(hello["challenge"])) == 32 and hello["protocol"] == 2
        assert unb64(hello["server_key"]) == server.services.keys.public_key
        assert hello["limits"]["max_body_bytes"] == 65536
        again = await peer.call("hello")
        assert again["challenge"] != hello["challenge"]
    finally:
        await peer.close()


async def test_bad_signature_spends_the_challenge(server: LiveServer) -> None:
    peer = await Peer.connect(server.url, auth=False)
    other = Ed25519PrivateKey.generate()
    try:
        hello = await peer.call("hello")
        challenge, server_key = unb64(hello["challenge"]), unb64(hello["server_key"])
        # Signed by another key: refused.
        bad = await peer.call("auth", {"identity_key": b64(peer.identity_key),
                                       "pow": pow_for(hello, peer.identity_key),
                                       "signature": b64(other.sign(auth_message(
                                           challenge, peer.identity_key, server_key)))})
        assert bad["error"] == "bad_signature"
        # The right signature over the spent challenge: no challenge any more.
        good_sig = peer.key.sign(auth_message(challenge, peer.identity_key, server_key))
        again = await peer.call("auth", {"identity_key": b64(peer.identity_key),
                                         "signature": b64(good_sig)})
        assert again["error"] == "no_challenge"
        # Malformed key material is a bad request, not a crash.
        await peer.call("hello")
        short = await peer.call("auth", {"identity_key": b64(b"x" * 31),
                                         "signature": b64(good_sig)})
        assert short["error"] == "bad_request"
    finally:
        await peer.close()


async def test_auth_signature_is_bound_to_this_server(server: LiveServer) -> None:
    """Auth v2 (issue 8, finding 11): a signature made for another server's key, or the v1
    message with no server in it (what a phishing relay could forward), is refused."""
    peer = await Peer.connect(server.url, auth=False)
    elsewhere = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    try:
        for message in (lambda c: auth_message(c, peer.identity_key, elsewhere),
                        lambda c: b"iltapiiri/auth/v1\x00" + c + peer.identity_key):
            hello = await peer.call("hello")
            challenge = unb64(hello["challenge"])
            reply = await peer.call("auth", {"identity_key": b64(peer.identity_key),
                                             "pow": pow_for(hello, peer.identity_key),
                                             "signature": b64(peer.key.sign(message(challenge)))})
            assert reply["error"] == "bad_signature"
        hello = await peer.call("hello")
        assert AUTH_LABEL == b"iltapiiri/auth/v2\x00"
        signed = auth_message(unb64(hello["challenge"]), peer.identity_key,
                              unb64(hello["server_key"]))
        reply = await peer.call("auth", {"identity_key": b64(peer.identity_key),
                                         "pow": pow_for(hello, peer.identity_key),
                                         "signature": b64(peer.key.sign(signed))})
        assert reply["ok"], reply
    finally:
        await peer.close()


async def test_challenge_of_another_connection_does_not_work(server: LiveServer) -> None:
    a = await Peer.connect(server.url, auth=False)
    b = await Peer.connect(server.url, auth=False)
    try:
        hello_a = await a.call("hello")
        challenge_a = unb64(hello_a["challenge"])
        hello_b = await b.call("hello")
        sig = b.key.sign(auth_message(challenge_a, b.identity_key, unb64(hello_a["server_key"])))
        reply = await b.call("auth", {"identity_key": b64(b.identity_key), "signature": b64(sig),
                                      "pow": pow_for(hello_b, b.identity_key)})
        assert reply["error"] == "bad_signature"
    finally:
        await a.close()
        await b.close()


async def test_pseudonym_rules_on_the_wire(server: LiveServer) -> None:
    anna = await Peer.connect(server.url, "Anna")
    try:
        for name, code in (("Moderator Anna", "pseudonym_reserved"), ("A\u200bnna", "pseudonym_invalid"),
                           ("ANNA", "pseudonym_taken"), ("Аnna", "pseudonym_invalid"),
                           ("A_nna", "pseudonym_taken"), ("x", "pseudonym_invalid"),
                           (42, "pseudonym_invalid")):
            other = await Peer.connect(server.url, auth=False)
            reply = await other.authenticate(name)  # type: ignore[arg-type]
            assert reply["error"] == code, name
            await other.close()
    finally:
        await anna.close()


async def test_pseudonym_is_kept_or_generated(server: LiveServer) -> None:
    key = Ed25519PrivateKey.generate()
    first = await Peer.connect(server.url, "Ilona", key=key)
    assert (await first.authenticate())["error"] == "already_authenticated"
    await first.close()
    again = await Peer.connect(server.url, key=key)
    assert again.pseudonym == "Ilona"
    # The same key may also rename itself; the old name is released.
    await again.close()
    renamed = await Peer.connect(server.url, "Ilona K", key=key)
    assert renamed.pseudonym == "Ilona K"
    newcomer = await Peer.connect(server.url, "Ilona")
    assert newcomer.pseudonym == "Ilona"
    anonymous = await Peer.connect(server.url)
    assert anonymous.pseudonym and len(anonymous.pseudonym.split()) == 3
    for p in (renamed, newcomer, anonymous):
        await p.close()


async def test_name_binding_lasts_for_the_window(live_server_factory: LiveServerFactory) -> None:
    clock = FakeClock(T0)
    server = await live_server_factory(clock=clock, pseudonym_window_days=30)
    key = Ed25519PrivateKey.generate()
    holder = await Peer.connect(server.url, "Veera", key=key)
    assert (await holder.call("keys.publish", bundle(1)))["ok"]  # an established key
    await holder.close()
    await wait_until(lambda: server.services.metrics.connections == 0)  # last seen: now
    clock.advance(29 * 86400)
    early = await Peer.connect(server.url, auth=False)
    assert (await early.authenticate("Veera"))["error"] == "pseudonym_taken"
    await early.close()
    clock.advance(2 * 86400)
    late = await Peer.connect(server.url, "veera")
    assert late.pseudonym == "veera"
    await late.close()
    # The original key lost the name: it gets a generated one.
    back = await Peer.connect(server.url, key=key)
    assert back.pseudonym not in ("Veera", "veera")
    await back.close()


async def test_configured_staff_names_are_refused(live_server_factory: LiveServerFactory) -> None:
    server = await live_server_factory(reserved_names=("Liisa Ohjaa",))
    peer = await Peer.connect(server.url, auth=False)
    try:
        assert (await peer.authenticate("liisa_ohjaa"))["error"] == "pseudonym_reserved"
        assert (await peer.authenticate("Liisa"))["ok"]
    finally:
        await peer.close()


async def test_names_of_keys_that_never_published_lapse_in_an_hour(
        live_server_factory: LiveServerFactory) -> None:
    """Issue 8, finding 4: a throwaway key (signed in, never published keys) holds its name for
    `new_key_binding_minutes` only, so a script cannot park the name pool for 30 days."""
    clock = FakeClock(T0)
    server = await live_server_factory(clock=clock, new_key_binding_seconds=3600)
    throwaway = await Peer.connect(server.url, "Sade")
    kept = await Peer.connect(server.url, "Usva")
    assert (await kept.call("keys.publish", bundle(1)))["ok"]
    for p in (throwaway, kept):
        await p.close()
    await wait_until(lambda: server.services.metrics.connections == 0)
    clock.advance(59 * 60)
    early = await Peer.connect(server.url, auth=False)
    assert (await early.authenticate("Sade"))["error"] == "pseudonym_taken"
    await early.close()
    clock.advance(2 * 60)
    late = await Peer.connect(server.url, auth=False)
    assert (await late.authenticate("Sade"))["ok"]
    await late.close()
    other = await Peer.connect(server.url, auth=False)
    assert (await other.authenticate("Usva"))["error"] == "pseudonym_taken"  # 30 days
    await other.close()


async def test_sign_in_needs_the_proof_of_work(live_server_factory: LiveServerFactory) -> None:
    """Issue 8, finding 8: a new identity costs 2^pow_bits hashes; a missing or wrong nonce is
    refused before any store is touched."""
    server = await live_server_factory(pow_bits=12)
    peer = await Peer.connect(server.url, auth=False)
    try:
        hello = await peer.call("hello")
        assert hello["pow_bits"] == 12
        signed = auth_message(unb64(hello["challenge"]), peer.identity_key,
                              unb64(hello["server_key"]))
        good = pow_for(hello, peer.identity_key)
        for nonce in ((good + 1) % 2**20, None):
            request = {"identity_key": b64(peer.identity_key), "pseudonym": "Tuisku",
                       "signature": b64(peer.key.sign(signed))}
            if nonce is not None:
                request["pow"] = nonce
            if nonce is not None and pow_check(unb64(hello["challenge"]), peer.identity_key,
                                               nonce, 12):
                continue  # (1 in 4096: the next nonce happens to solve it too)
            assert (await peer.call("auth", request))["error"] == "bad_proof_of_work"
            hello = await peer.call("hello")
            signed = auth_message(unb64(hello["challenge"]), peer.identity_key,
                                  unb64(hello["server_key"]))
        assert await server.services.stores.identities.binding_of_key(peer.identity_key) is None
        assert (await peer.authenticate("Tuisku"))["ok"]
    finally:
        await peer.close()


async def test_sign_ins_per_source_are_rate_limited(live_server_factory: LiveServerFactory
                                                    ) -> None:
    """Issue 8, finding 8: 600 keys in 2.8 s from one address is no longer possible."""
    server = await live_server_factory(signin_per_minute=1.0, signin_burst=3.0,
                                       trusted_proxies=frozenset())
    peers = [await Peer.connect(server.url, auth=False) for _ in range(4)]
    try:
        replies = [await p.authenticate() for p in peers]
        assert [r.get("ok", False) for r in replies[:3]] == [True, True, True]
        assert replies[3]["error"] == "rate_limited"
        assert await server.services.stores.identities.binding_of_key(peers[3].identity_key) is None
    finally:
        for p in peers:
            await p.close()


class _SameBytes:
    """A Random that always draws the same bytes: every generated name collides."""

    def bytes(self, n: int) -> bytes:
        return bytes(range(7, 7 + n))


async def test_a_full_name_pool_falls_back_to_longer_names(
        live_server_factory: LiveServerFactory) -> None:
    """Issue 8, finding 4: when generated names are taken the generator moves to larger spaces
    (4 digits, then a noun and 8 digits), and a sign-in never ends in `internal`."""
    server = await live_server_factory(rng=_SameBytes())
    peers = [await Peer.connect(server.url, auth=False) for _ in range(4)]
    try:
        names = [(await p.authenticate()).get("pseudonym") for p in peers[:3]]
        assert len(set(names)) == 3, names
        assert names[2] is not None and len(names[2].split()) == 2  # noun + 8 digits
        assert (await peers[3].authenticate())["error"] == "pseudonym_unavailable"
        assert (await peers[3].authenticate("Oma Nimi"))["ok"]
    finally:
        for p in peers:
            await p.close()
