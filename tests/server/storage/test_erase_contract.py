"""Erasure (issue 15, data rights) on every port that holds something tied to an identity, on
both backends: the binding, the key bundle and prekeys, queued envelopes to and from the key,
and the pseudonym's flags, sanctions and alerts (bans kept, re-keyed)."""

from __future__ import annotations

from dataclasses import replace

from server.domain.records import Binding, Bundle, Prekey
from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B, KEY_S, envelope, ids, prekey
from tests.server.storage.moderation_records import alert, ban, flags, mute

ROOM = "open/2026-06-10"
NIGHT = "2026-06-10"


async def test_erase_forgets_the_binding_and_frees_the_name_at_once(stores: Stores) -> None:
    store = stores.identities
    for key, name in ((KEY_A, "Anna"), (KEY_B, "Bea")):
        assert await store.bind_if_free(
            Binding(identity_key=key, pseudonym=name, folded=name.lower(), last_seen=10), 0)
    await store.erase(KEY_A)
    assert await store.binding_of_key(KEY_A) is None
    assert await store.binding_of_name("anna") is None
    other = await store.binding_of_name("bea")
    assert other is not None and other.identity_key == KEY_B  # nobody else is touched
    # Seen a moment ago, yet free: erasure leaves no reservation window.
    assert await store.bind_if_free(
        Binding(identity_key=KEY_S, pseudonym="Anna", folded="anna", last_seen=11), 10)
    await store.erase(KEY_A)  # idempotent


async def test_erase_forgets_the_bundle_and_every_prekey(stores: Stores) -> None:
    keys = stores.keys
    bundle = Bundle(dh_key=b"d" * 32, dh_sig=b"s" * 64,
                    signed_prekey=Prekey(id=1, key=b"k" * 32, sig=b"g" * 64))
    for key in (KEY_A, KEY_B):
        await keys.put_bundle(key, bundle)
        await keys.add_one_time_prekeys(key, [prekey(n) for n in range(5)], 100)
    await keys.erase(KEY_A)
    assert await keys.get_bundle(KEY_A) is None
    assert await keys.count_one_time_prekeys(KEY_A) == 0
    assert await keys.pop_one_time_prekey(KEY_A) is None
    assert await keys.get_bundle(KEY_B) == bundle
    assert await keys.count_one_time_prekeys(KEY_B) == 5


async def test_erase_drops_envelopes_to_and_from_the_key(stores: Stores) -> None:
    inbox = stores.inbox
    assert await inbox.put(KEY_A, KEY_S, envelope(1), 100, 0, 10, 10)  # to A
    assert await inbox.put(KEY_A, KEY_B, envelope(2), 100, 0, 10, 10)  # to A
    assert await inbox.put(KEY_B, KEY_A, envelope(3, KEY_A), 100, 0, 10, 10)  # from A
    assert await inbox.put(KEY_B, KEY_S, envelope(4), 100, 0, 10, 10)  # unrelated
    assert await inbox.put(KEY_S, KEY_A, envelope(5, KEY_A), 100, 0, 10, 10)  # from A
    assert await inbox.erase(KEY_A) == 4
    assert await inbox.pending(KEY_A, 0, 10) == []
    assert ids(await inbox.pending(KEY_B, 0, 10)) == [4]
    assert await inbox.pending(KEY_S, 0, 10) == []
    assert await inbox.total(0) == 1
    # The per-sender counts went with them: A's slots in B's inbox are free again.
    for n in range(10, 19):
        assert await inbox.put(KEY_B, KEY_A, envelope(n, KEY_A), 100, 0, 10, 9)
    assert await inbox.erase(KEY_A) == 9
    assert await inbox.erase(KEY_A) == 0


async def test_erase_pseudonym_forgets_risk_history_and_sanctions_keeps_bans(
        stores: Stores) -> None:
    await stores.flags.put(flags(ROOM, "1", "Aino"), night=NIGHT)
    await stores.flags.put(flags(ROOM, "2", "Bea"), night=NIGHT)
    await stores.flags.put(flags("other/2026-06-09", "3", "Aino"), night="2026-06-09")
    await stores.sanctions.put(mute("sa-1", pseudonym="Aino"))
    await stores.sanctions.put(mute("sa-2", pseudonym="Bea"))
    await stores.sanctions.put(ban("sa-3", pseudonym="Aino"))
    await stores.alerts.put(alert("al-1", "1"))
    await stores.alerts.put(replace(alert("al-2", "2"), pseudonym="Bea"))
    await stores.sanctions.set_last_sent(ROOM, "Aino", 5.0, 60)
    assert [b.id for b in await stores.sanctions.bans("Aino")] == ["sa-3"]

    assert await stores.flags.erase("Aino") == 2
    assert await stores.alerts.erase("Aino") == 1
    assert await stores.sanctions.erase("Aino", "erased:0123") == 1

    assert await stores.flags.of_night(NIGHT, "Aino") == []
    assert await stores.flags.of_night("2026-06-09", "Aino") == []
    assert await stores.flags.get(ROOM, "1") is None
    assert [f.message_id for f in await stores.flags.of_night(NIGHT, "Bea")] == ["2"]
    assert await stores.sanctions.get("sa-1") is None
    assert [x.id for x in await stores.sanctions.for_room(ROOM, "Aino")] == ["sa-2"]
    assert await stores.sanctions.bans("Aino") == []
    kept = await stores.sanctions.bans("erased:0123")
    assert [(b.id, b.pseudonym) for b in kept] == [("sa-3", "erased:0123")]
    assert await stores.sanctions.get("sa-3") == kept[0]
    assert [x.id for x in await stores.sanctions.for_room(ROOM, "erased:0123")] == [
        "sa-2", "sa-3"]  # the ban still holds, under the name no peer can take
    assert await stores.alerts.get("al-1") is None
    assert await stores.alerts.for_message(ROOM, "1") is None
    assert [a.id for a in await stores.alerts.active()] == ["al-2"]
    assert await stores.sanctions.last_sent(ROOM, "Aino") is None
    # Idempotent: a second erase finds nothing.
    assert await stores.flags.erase("Aino") == 0
    assert await stores.alerts.erase("Aino") == 0
    assert await stores.sanctions.erase("Aino", "erased:0123") == 0
    assert [b.id for b in await stores.sanctions.bans("erased:0123")] == ["sa-3"]


async def test_erase_pseudonym_takes_glob_characters_literally(stores: Stores) -> None:
    await stores.flags.put(flags(ROOM, "1", "A*"), night=NIGHT)
    await stores.flags.put(flags(ROOM, "2", "Ab"), night=NIGHT)
    await stores.flags.erase("A*")
    assert await stores.flags.of_night(NIGHT, "A*") == []
    assert [f.message_id for f in await stores.flags.of_night(NIGHT, "Ab")] == ["2"]
