"""Key directory rules: publish a bundle plus one-time prekeys, fetch (consuming one prekey),
count. Sizes are checked at decode; signatures are the clients' business (docs/crypto.md)."""

from __future__ import annotations

from typing import Any

from server.domain import pseudonyms
from server.domain.ids import user_id, user_room
from server.domain.records import Bundle, Prekey
from server.handlers.events import Budget, Event
from server.handlers.services import Connection, Services, b64
from server.limits import MAX_ONE_TIME_PREKEYS_STORED
from server.wire.errors import ApiError
from server.wire.pushes import KeysLow
from server.wire.requests import Empty, KeysFetch, KeysPublish


async def publish(services: Services, conn: Connection, req: KeysPublish) -> dict[str, Any]:
    """Replace the bundle and add the one-time prekeys."""
    assert conn.identity_key is not None
    signed = req.signed_prekey
    bundle = Bundle(dh_key=req.dh_key, dh_sig=req.dh_sig,
                    signed_prekey=Prekey(id=signed.id, key=signed.key, sig=signed.sig))
    await services.stores.keys.put_bundle(conn.identity_key, bundle)
    count = await services.stores.keys.add_one_time_prekeys(
        conn.identity_key, [Prekey(id=p.id, key=p.key) for p in req.one_time_prekeys],
        MAX_ONE_TIME_PREKEYS_STORED)
    services.log.info("keys.publish", user_id=conn.user_id, count=count)
    return {"one_time_prekeys": count}


async def fetch(services: Services, conn: Connection, req: KeysFetch) -> dict[str, Any]:
    """The named user's bundle and one one-time prekey (removed from the store), unless the
    requester or the target is past its prekey budget for the window (finding 7 of issue 8:
    one peer drained 104 prekeys in 105 fetches); then the bundle comes without one."""
    assert conn.identity_key is not None
    holder = await services.stores.identities.binding_of_name(pseudonyms.fold(req.pseudonym))
    if holder is None:
        raise ApiError("unknown_user")
    bundle = await services.stores.keys.get_bundle(holder.identity_key)
    if bundle is None:
        raise ApiError("no_keys")
    otpk = None
    if await _within_budget(services, conn.identity_key, holder.identity_key):
        otpk = await services.stores.keys.pop_one_time_prekey(holder.identity_key)
        if otpk is not None:
            await _tell_if_low(services, holder.identity_key)
    return {"pseudonym": holder.pseudonym, "identity_key": b64(holder.identity_key),
            **bundle.to_dict(),
            "one_time_prekey": None if otpk is None else otpk.to_dict()}


async def _within_budget(services: Services, requester: bytes, target: bytes) -> bool:
    settings = services.settings
    now, window = services.clock.now(), settings.prekey_window_seconds
    if requester == target:
        return True  # my own prekeys (a second device of mine): no one else loses any
    if await services.stores.claims.hit(f"otpk-by:{user_id(requester)}", window, now) \
            > settings.prekey_fetches_per_requester:
        return False
    taken = await services.stores.claims.hit(f"otpk-of:{user_id(target)}", window, now)
    return taken <= settings.prekey_fetches_per_target


async def _tell_if_low(services: Services, owner: bytes) -> None:
    left = await services.stores.keys.count_one_time_prekeys(owner)
    if left < services.settings.prekey_low_water:
        await services.emitter.emit(KeysLow(one_time_prekeys=left), to=user_room(user_id(owner)))


async def count(services: Services, conn: Connection) -> dict[str, Any]:
    """How many of my one-time prekeys are left."""
    assert conn.identity_key is not None
    return {"one_time_prekeys": await services.stores.keys.count_one_time_prekeys(conn.identity_key)}


EVENTS = (
    Event(name="keys.publish", decode=KeysPublish.decode, rule=publish, budget=Budget.KEYS),
    Event(name="keys.fetch", decode=KeysFetch.decode, rule=fetch, budget=Budget.KEYS),
    Event(name="keys.count", decode=Empty.decode, rule=lambda s, c, _: count(s, c),
          budget=Budget.KEYS),
)
