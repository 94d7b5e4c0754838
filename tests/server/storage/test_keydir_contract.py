"""KeyDirectory contract (bundles, one-time prekeys), on both backends."""

from __future__ import annotations

from collections.abc import Callable

from server.domain.records import Bundle, Prekey
from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B, prekey


def bundle(v: int) -> Bundle:
    return Bundle(dh_key=bytes([v]) * 32, dh_sig=b"s" * 64,
                  signed_prekey=Prekey(id=v, key=b"k" * 32, sig=b"g" * 64))


async def test_key_directory(stores: Stores) -> None:
    store = stores.keys
    assert await store.get_bundle(KEY_A) is None
    await store.put_bundle(KEY_A, bundle(1))
    await store.put_bundle(KEY_A, bundle(2))
    assert await store.get_bundle(KEY_A) == bundle(2)
    assert await store.add_one_time_prekeys(KEY_A, [prekey(i) for i in range(5)], 4) == 4
    assert await store.pop_one_time_prekey(KEY_A) == prekey(1)  # the oldest beyond the cap went
    assert await store.count_one_time_prekeys(KEY_A) == 3
    assert await store.add_one_time_prekeys(KEY_A, [], 4) == 3
    for expected in (2, 3, 4):
        assert await store.pop_one_time_prekey(KEY_A) == prekey(expected)
    assert await store.pop_one_time_prekey(KEY_A) is None
    assert await store.count_one_time_prekeys(KEY_B) == 0


async def test_keys_survive_reopening(open_stores: Callable[[], Stores]) -> None:
    first = open_stores()
    await first.keys.put_bundle(KEY_A, bundle(7))
    await first.keys.add_one_time_prekeys(KEY_A, [prekey(1), prekey(2)], 10)
    await first.close()
    second = open_stores()
    try:
        assert await second.keys.get_bundle(KEY_A) == bundle(7)
        assert await second.keys.count_one_time_prekeys(KEY_A) == 2
    finally:
        await second.close()


def test_the_stored_form_is_the_one_earlier_versions_wrote() -> None:
    """Bundles stored as JSON before the typed records read back the same."""
    old = ('{"dh_key": "AQID", "dh_sig": "c2ln", '
           '"signed_prekey": {"id": 3, "key": "a2V5", "sig": "c2ln"}}')
    got = Bundle.from_json(old)
    assert got.dh_key == b"\x01\x02\x03"
    assert got.signed_prekey == Prekey(id=3, key=b"key", sig=b"sig")
    assert Bundle.from_json(got.to_json()) == got
    assert repr(got) == "Bundle(signed_prekey=3)"
