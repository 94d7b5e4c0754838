"""A keystore opened with a passphrase keeps the private keys out of the file's bytes.

docs/crypto.md §2 says of ``Account.to_bytes`` "These are local formats; encrypt them at rest",
and the session store (root, chain and skipped message keys) is as sensitive: a backup, a synced
home directory or another process of the same user must not read the identity seed.
``Keystore(path, passphrase)`` seals the state (``client.sealing``, the web client's backup
construction); without a passphrase the file is plain with mode 0600, like an SSH key without
one (docs/decisions.md, "Python keystore: sealed on request, plain by default").
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
