"""The keystore: atomic, private (0600), round-trips, rejects a corrupt file, never shows secrets."""

from __future__ import annotations

import json
import os
import stat

import pytest

from client.errors import ClientError
from client.keystore import Keystore

SECRET = "c2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3Qtc2hvdw=="


def test_memory_keystore_round_trips_and_copies() -> None:
    ks = Keystore(None)
    assert ks.load() is None
    state = {"identity": {"seed": SECRET}, "n": 1}
    ks.save(state)
    state["n"] = 2  # mutating the caller's dict must not change what was saved
    assert ks.load() == {"identity": {"seed": SECRET}, "n": 1}
    assert not ks.persistent


def test_file_keystore_is_0600_atomic_and_round_trips(tmp_path) -> None:
    path = tmp_path / "sub" / "alice.json"
    ks = Keystore(path)
    assert ks.load() is None
    ks.save({"identity": {"seed": SECRET}})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    ks.save({"identity": {"seed": SECRET}, "sessions": {"bob": "x"}})
    # no temporary files are left behind
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.json"]
    assert Keystore(path).load() == {"identity": {"seed": SECRET}, "sessions": {"bob": "x"}}


def test_file_keystore_keeps_0600_under_a_permissive_umask(tmp_path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "k.json"
        Keystore(path).save({"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", json.dumps({"version": 99, "state": {}}).encode(), b'{"version":1}'],
)
def test_corrupt_keystore_is_a_typed_error(tmp_path, content: bytes) -> None:
    path = tmp_path / "k.json"
    path.write_bytes(content)
    with pytest.raises(ClientError) as err:
        Keystore(path).load()
    assert err.value.code == "keystore_corrupt"


def test_repr_shows_no_contents(tmp_path) -> None:
    ks = Keystore(tmp_path / "k.json")
    ks.save({"seed": SECRET})
    assert SECRET not in repr(ks)
    mem = Keystore(None)
    mem.save({"seed": SECRET})
    assert SECRET not in repr(mem)


FAST = 1_000  # KDF iterations for tests; the default is 600,000


def test_sealed_keystore_hides_secrets_and_round_trips(tmp_path) -> None:
    path = tmp_path / "sealed.json"
    Keystore(path, "correct horse battery", kdf_iterations=FAST).save({"seed": SECRET})
    raw = path.read_bytes()
    assert SECRET.encode() not in raw and b"c2VjcmV0" not in raw
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Keystore(path, "correct horse battery")
    assert again.load() == {"seed": SECRET}
    again.save({"seed": SECRET, "n": 2})  # reuses the file's salt and count, fresh nonce
    assert Keystore(path, "correct horse battery").load() == {"seed": SECRET, "n": 2}
    assert path.read_bytes() != raw


def test_sealed_keystore_refuses_a_wrong_passphrase_a_missing_one_and_tampering(tmp_path) -> None:
    path = tmp_path / "sealed.json"
    Keystore(path, "right", kdf_iterations=FAST).save({"seed": SECRET})
    with pytest.raises(ClientError) as err:
        Keystore(path, "wrong").load()
    assert err.value.code == "bad_passphrase"
    with pytest.raises(ClientError) as err:
        Keystore(path).load()
    assert err.value.code == "keystore_locked"
    doc = json.loads(path.read_bytes())
    doc["sealed"]["kdf"]["iterations"] = FAST + 1  # bound into the AAD
    path.write_text(json.dumps(doc))
    with pytest.raises(ClientError) as err:
        Keystore(path, "right").load()
    assert err.value.code == "bad_passphrase"
    doc["sealed"]["kdf"]["iterations"] = 10**9  # would hang the client: refused before work
    path.write_text(json.dumps(doc))
    with pytest.raises(ClientError) as err:
        Keystore(path, "right").load()
    assert err.value.code == "keystore_corrupt"


def test_plain_keystore_is_sealed_once_a_passphrase_is_given(tmp_path) -> None:
    path = tmp_path / "k.json"
    Keystore(path).save({"seed": SECRET})
    store = Keystore(path, "now sealed", kdf_iterations=FAST)
    assert store.load() == {"seed": SECRET}
    store.save({"seed": SECRET})
    assert SECRET.encode() not in path.read_bytes()
    assert "now sealed" not in repr(store)
