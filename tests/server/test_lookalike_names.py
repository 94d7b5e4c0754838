"""Look-alike and staff-looking pseudonyms on the wire, on both stores (issue 8, finding 2)."""

from __future__ import annotations

from tests.fixtures.server import LiveServer
from tests.server.harness import Peer
from tests.server.test_pseudonyms import ISSUE_8_STAFF_NAMES


async def test_small_capital_lookalike_of_a_bound_name_is_refused(server: LiveServer) -> None:
    holder = await Peer.connect(server.url, "Aamukaste")
    other = await Peer.connect(server.url, auth=False)
    try:
        for name in ("ᴀᴀᴍᴜᴋᴀꜱᴛᴇ", "AAMUKASTE", "Aamukaste".replace("a", "а")):
            reply = await other.authenticate(name)
            assert not reply["ok"] and reply["error"] in (
                "pseudonym_invalid", "pseudonym_taken"), (name, reply)
        assert (await other.authenticate("Aamukaste 2"))["ok"]
    finally:
        await holder.close()
        await other.close()


async def test_staff_looking_names_are_refused(server: LiveServer) -> None:
    names = [*ISSUE_8_STAFF_NAMES, "ᴍᴏᴅᴇʀᴀᴛᴏʀ", "ᴀᴅᴍɪɴ", "ɪʟᴛᴀᴘɪɪʀɪ"]
    for start in range(0, len(names), 4):  # a fresh connection per few names: the event rate
        peer = await Peer.connect(server.url, auth=False)
        try:
            for name in names[start:start + 4]:
                reply = await peer.authenticate(name)
                assert reply.get("error") in ("pseudonym_reserved", "pseudonym_invalid"), (
                    name, reply)
        finally:
            await peer.close()
    peer = await Peer.connect(server.url, "Kristiina")
    await peer.close()
