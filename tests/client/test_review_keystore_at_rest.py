"""Review: the Python keystore must be able to keep the private keys out of the file's bytes.

docs/crypto.md §2 says of ``DeviceIdentity.to_bytes``/``Account.to_bytes`` "These are local
formats; encrypt them at rest", and the session store (root, chain and skipped message keys) is
as sensitive. ``client.keystore.Keystore`` writes them as plain base64 in JSON (mode 0600 is its
only protection): a backup, a synced home directory or another process of the same user reads the
identity seed and can impersonate the device and decrypt queued 1:1 messages. The web client
encrypts its export under a passphrase (docs/threat-model.md §8); the Python client has no
equivalent. Needs a decision (passphrase + KDF, or the OS keyring) and a keystore format change,
so this is ``xfail(strict=True)``.

Resolution: ``Keystore(path, passphrase)`` seals the state (``client.sealing``), tested here; the
CLI asks for a passphrase at a terminal. Without a passphrase the library keeps a plain file with
mode 0600, like an SSH key without a passphrase: a decision recorded in docs/decisions.md
("Python keystore: sealed on request, plain by default").
"""

from __future__ import annotations

import base64
from pathlib import Path

from client.engine import Engine
from client.keystore import Keystore


def assert_seed_unreadable(engine: Engine, raw: bytes) -> None:
    account = base64.b64decode(engine.export_state()["account"])
    seed = account[4:36]  # docs/crypto.md §2: 01 11 | 01 10 | ed25519 seed (32) | ...
    exported = engine.export_state()["account"].encode()
    for shown in (exported, seed, seed.hex().encode(), base64.b64encode(seed)[:40]):
        assert shown not in raw, "the private identity is readable from the keystore file"


def test_sealed_keystore_does_not_show_the_identity_seed(tmp_path: Path) -> None:
    engine = Engine.create()
    ks = Keystore(tmp_path / "me.json", "correct horse battery staple", kdf_iterations=1000)
    ks.save({"pseudonym": "me", "engine": engine.export_state()})
    assert_seed_unreadable(engine, (tmp_path / "me.json").read_bytes())
