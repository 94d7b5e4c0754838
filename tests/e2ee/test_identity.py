"""Identity, account serialisation, key-directory shapes, auth."""

from __future__ import annotations

import pytest

from e2ee import (
    Account,
    DecodeError,
    DeviceIdentity,
    SignatureError,
    UnknownKeyError,
    VersionError,
    auth_message,
    limits,
    verify_auth,
)
from e2ee.encoding import b64d

from .helpers import SeededRng


def test_keys_publish_shape_matches_protocol() -> None:
    acc = Account.create(SeededRng(b"id"))
    pub = acc.keys_publish(3, SeededRng(b"otk"))
    assert set(pub) == {"dh_key", "dh_sig", "signed_prekey", "one_time_prekeys"}
    assert set(pub["signed_prekey"]) == {"id", "key", "sig"}
    assert len(b64d(pub["dh_key"], "dh_key")) == 32 and len(b64d(pub["dh_sig"], "s")) == 64
    assert [set(o) for o in pub["one_time_prekeys"]] == [{"id", "key"}] * 3
    ids = [o["id"] for o in pub["one_time_prekeys"]] + [pub["signed_prekey"]["id"]]
    assert len(set(ids)) == 4 and 0 not in ids
    assert acc.one_time_prekey_count() == 3


def test_account_round_trip_and_prekey_lifecycle() -> None:
    rng = SeededRng(b"acc")
    acc = Account.create(rng)
    old = acc.keys_publish(5, rng)["signed_prekey"]["id"]
    acc.rotate_signed_prekey(rng)
    again = Account.from_bytes(acc.to_bytes())
    assert again.to_bytes() == acc.to_bytes()
    assert again.signed_prekey_private(old)
    for _ in range(limits.MAX_OLD_SIGNED_PREKEYS + 1):
        acc.rotate_signed_prekey(rng)
    with pytest.raises(UnknownKeyError):
        acc.signed_prekey_private(old)
    acc.generate_one_time_prekeys(limits.MAX_ONE_TIME_PREKEYS, rng)
    assert acc.one_time_prekey_count() == limits.MAX_ONE_TIME_PREKEYS


def test_identity_round_trip_and_strict_decode() -> None:
    ident = DeviceIdentity.generate(SeededRng(b"i"))
    data = ident.to_bytes()
    assert DeviceIdentity.from_bytes(data) == ident
    with pytest.raises(VersionError):
        DeviceIdentity.from_bytes(b"\x02" + data[1:])
    with pytest.raises(DecodeError):
        DeviceIdentity.from_bytes(data + b"\x00")
    with pytest.raises(DecodeError):
        DeviceIdentity.from_bytes(data[:-1])
    with pytest.raises(DecodeError):
        Account.from_bytes(data)


def test_auth_signature() -> None:
    acc = Account.create(SeededRng(b"auth"))
    challenge = bytes(range(32))
    server_key = bytes(range(32))
    sig = acc.sign_auth_challenge(challenge, server_key)
    verify_auth(acc.identity_key, challenge, sig, server_key)
    assert auth_message(challenge, acc.identity_key, server_key) == (
        b"iltapiiri/auth/v2\x00" + server_key + challenge + acc.identity_key)
    with pytest.raises(SignatureError):
        verify_auth(acc.identity_key, challenge, sig, bytes(32))  # another server
    with pytest.raises(SignatureError):
        verify_auth(acc.identity_key, bytes(32), sig, server_key)
