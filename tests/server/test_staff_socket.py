"""Staff on the socket, on both backends: the staff cookie on the websocket upgrade makes the
connection the account (its username, its role), the identity key is bound to the account and
a change of key is audited, and sign-out or disabling ends the account's sockets."""

from __future__ import annotations

from typing import Any

from moderation.audit import AuditRow
from server.app import STAFF
from server.domain.staff import staff_id
from tests.fixtures.server import LiveServerFactory
from tests.server.harness import Peer
from tests.server.mod_harness import ModPeer, connect_staff, new_key, staff_token


async def _actions(server: Any) -> list[tuple[str, str]]:
    rows = await server.services.stores.audit.rows()
    return [(r.entry.action, r.entry.actor) for r in rows if isinstance(r, AuditRow)]


async def test_a_staff_cookie_signs_the_socket_in_as_the_account(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(**backend_kwargs)
    key = new_key()
    mod = await connect_staff(server, "Ohjaaja Olli", key=key)
    peer = await ModPeer.connect(server.url, "Veera")
    try:
        assert mod.pseudonym == "Ohjaaja Olli"
        joined = await peer.call("group.join", {"group_id": "open"})
        await mod.join()
        seen = await peer.next("room.membership")
        assert seen["pseudonym"] == "Ohjaaja Olli" and seen["role"] == "moderator"
        assert {m["pseudonym"]: m["role"] for m in seen["members"]} == {
            "Ohjaaja Olli": "moderator", "Veera": "peer"}
        assert joined["ok"]
        bound = await server.app[STAFF].bound_keys()
        assert list(bound.values()) == [mod.identity_key]
        assert ("staff_socket_login", staff_id(next(iter(bound)))) in await _actions(server)
        # A peer cannot take the name, and a cookie that is not a session signs nobody in.
        thief = await Peer.connect(server.url, auth=False)
        assert (await thief.authenticate("Ohjaaja Olli"))["error"] == "pseudonym_reserved"
        await thief.close()
        forged = await Peer.connect(server.url, auth=False, staff_token="A" * 43)
        assert (await forged.authenticate())["error"] == "session_expired"
        await forged.close()
    finally:
        await mod.close()
        await peer.close()


async def test_a_new_device_key_is_audited_and_sign_out_ends_the_socket(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(run_scheduler=False, **backend_kwargs)
    first = await connect_staff(server, "Ohjaaja Kuu")
    await first.close()
    token = await staff_token(server, "Ohjaaja Kuu")
    second = await ModPeer.connect(server.url, key=new_key(), staff_token=token)
    try:
        assert second.pseudonym == "Ohjaaja Kuu"
        (folded, key), = (await server.app[STAFF].bound_keys()).items()
        assert key == second.identity_key
        assert ("staff_key_changed", staff_id(folded)) in await _actions(server)
        assert await server.app[STAFF].logout(token)
        await server.scheduler.tick()
        ended = await second.next("staff.session_ended")
        assert ended == {"error": "session_expired"}
        for _ in range(50):
            if not second.sio.connected:
                break
            await second.nothing("mod.alert", 0.05)
        assert not second.sio.connected
        assert ("staff_session_ended", staff_id(folded)) in await _actions(server)
    finally:
        await second.close()


async def test_a_counsellor_signs_in_with_the_second_factor_and_is_shown_as_one(
        live_server_factory: LiveServerFactory, backend_kwargs: dict[str, Any]) -> None:
    server = await live_server_factory(run_scheduler=False, **backend_kwargs)
    counsellor = await connect_staff(server, "Neuvoja Noora", role="counsellor")
    try:
        joined = await counsellor.call("group.join", {"group_id": "open"})
        assert joined["membership"]["role"] == "counsellor"
        # A counsellor is staff but not a moderator: the moderation events refuse it.
        assert (await counsellor.call("mod.duty", {"on": True}))["error"] == "not_moderator"
        # An admin disables the account (as `admin disable` does): its socket ends.
        await server.scheduler.tick()
        await counsellor.nothing("staff.session_ended", 0.1)
        await server.app[STAFF].disable("Neuvoja Noora")
        await server.scheduler.tick()
        assert (await counsellor.next("staff.session_ended"))["error"] == "session_expired"
    finally:
        await counsellor.close()
