"""Erasure (issue 15, data rights) on every port that holds something tied to an identity, on
both backends: the binding, the key bundle and prekeys, queued envelopes to and from the key,
and the pseudonym's flags, sanctions and alerts (bans kept, re-keyed)."""

from __future__ import annotations

import json

from server.domain.records import Binding, Bundle, Prekey
from server.storage.stores import Stores
from tests.server.storage.conftest import KEY_A, KEY_B, KEY_S, envelope, ids, prekey

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


def _sanction(sid: str, pseudonym: str, *, room: str | None = ROOM) -> str:
    return json.dumps({"id": sid, "pseudonym": pseudonym, "room": room, "kind": "mute"})


async def test_erase_pseudonym_forgets_risk_history_and_sanctions_keeps_bans(
        stores: Stores) -> None:
    mod = stores.moderation
    await mod.put_flags(ROOM, "1", "Aino", NIGHT, '{"f": 1}')
    await mod.put_flags(ROOM, "2", "Bea", NIGHT, '{"f": 2}')
    await mod.put_flags("other/2026-06-09", "3", "Aino", "2026-06-09", '{"f": 3}')
    await mod.put_sanction("sa-1", ROOM, "Aino", False, _sanction("sa-1", "Aino"))
    await mod.put_sanction("sa-2", ROOM, "Bea", False, _sanction("sa-2", "Bea"))
    await mod.put_sanction("sa-3", ROOM, "Aino", True, _sanction("sa-3", "Aino", room=None))
    alert = {"id": "al-1", "pseudonym": "Aino", "room": ROOM, "message_id": "1"}
    await mod.put_alert("al-1", ROOM, "1", True, json.dumps(alert))
    await mod.put_alert("al-2", ROOM, "2", True, json.dumps(alert | {"id": "al-2",
                                                                     "pseudonym": "Bea",
                                                                     "message_id": "2"}))
    await mod.set_last_sent(ROOM, "Aino", 5.0, 60)
    bans = await mod.ban_records("Aino")
    assert [json.loads(b)["id"] for b in bans] == ["sa-3"]
    rewritten = [json.dumps(json.loads(b) | {"pseudonym": "erased:0123"}) for b in bans]
    assert await mod.erase_pseudonym("Aino", "erased:0123", rewritten) >= 4
    assert await mod.night_flags(NIGHT, "Aino") == []
    assert await mod.night_flags("2026-06-09", "Aino") == []
    assert await mod.get_flags(ROOM, "1") is None
    assert await mod.night_flags(NIGHT, "Bea") == ['{"f": 2}']
    assert await mod.get_sanction("sa-1") is None
    assert [json.loads(s)["id"] for s in await mod.sanctions_for(ROOM, "Aino")] == ["sa-2"]
    assert await mod.ban_records("Aino") == []
    kept = await mod.ban_records("erased:0123")
    assert [json.loads(b)["pseudonym"] for b in kept] == ["erased:0123"]
    assert await mod.get_sanction("sa-3") == rewritten[0]
    assert await mod.get_alert("al-1") is None
    assert await mod.alert_for_message(ROOM, "1") is None
    assert [json.loads(a)["id"] for a in await mod.active_alerts()] == ["al-2"]
    assert await mod.last_sent(ROOM, "Aino") is None
    assert await mod.erase_pseudonym("Aino", "erased:0123", []) == 0


async def test_erase_pseudonym_takes_glob_characters_literally(stores: Stores) -> None:
    mod = stores.moderation
    await mod.put_flags(ROOM, "1", "A*", NIGHT, '{"f": 1}')
    await mod.put_flags(ROOM, "2", "Ab", NIGHT, '{"f": 2}')
    await mod.erase_pseudonym("A*", "erased:1", [])
    assert await mod.night_flags(NIGHT, "A*") == []
    assert await mod.night_flags(NIGHT, "Ab") == ['{"f": 2}']
