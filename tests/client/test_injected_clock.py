"""The client's time and randomness come from the ``clock`` and ``rng`` it is given.

A fake clock (a list the test moves) decides how long an envelope waits for its sender key and
when the signed prekey is due; a seeded ``rng`` makes keys, salts, nonces and temp-file names
repeatable. Nothing here sleeps.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from client.clock import Rng, unit_interval
from client.engine import SIGNED_PREKEY_MAX_AGE_S, Engine
from client.keystore import Keystore
from client.prekeys import Prekeys
from client.room_keys import RoomKeys
from client.rooms import BUFFER_TIMEOUT_S, RoomState
from client.wire import b64e
from e2ee.content import SenderKeyDistribution
from e2ee.envelopes import GroupEnvelope, Received
from e2ee.limits import MAX_SENDER_KEY_AGE_MS
from tests.client.test_sender_key_rotation import alone_in_room

ROOM = "open/2026-11-26"
T0 = 1_764_000_000.0


def seeded(seed: int) -> Rng:
    """A repeatable byte source (tests only: not a CSPRNG)."""
    return random.Random(seed).randbytes


def room_keys(
    clock: list[float],
) -> tuple[RoomKeys, list[str], Engine, SenderKeyDistribution]:
    """My ``RoomKeys`` in ``ROOM`` (delivered texts collected), another member bob and his
    sender key before its first message."""
    me, bob = Engine.create(), Engine.create()
    delivered: list[str] = []

    async def no_direct(*_: Any) -> None:
        raise AssertionError("nothing is sent in these tests")

    def on_message(_env: GroupEnvelope, received: Received) -> None:
        delivered.append(received.text or "")

    keys = RoomKeys(me, no_direct, lambda: clock[0], on_message=on_message,
                    on_closed=lambda room, reason: None)
    keys.rooms[ROOM] = RoomState(ROOM, me.identity_key)
    bob.new_sender_key(ROOM, 1)
    return keys, delivered, bob, bob.my_distribution(ROOM)


def from_bob(bob: Engine, text: str) -> dict[str, Any]:
    wire = bob.encrypt_group(ROOM, text).to_wire()
    wire.update(room=ROOM, seq=1, ts=1_764_000_000_000, sender="bob",
                sender_key=b64e(bob.identity_key))
    return wire


async def test_envelope_waits_for_its_key_by_the_injected_clock() -> None:
    clock = [T0]
    keys, delivered, bob, bobs_key = room_keys(clock)
    await keys.envelope(from_bob(bob, "early"))
    assert delivered == [] and keys.rooms[ROOM].held_count() == 1
    clock[0] += BUFFER_TIMEOUT_S - 1
    keys.accept_distribution(bobs_key, bob.identity_key)
    assert delivered == ["early"]


async def test_envelope_gives_up_when_the_injected_clock_passes_the_timeout() -> None:
    clock = [T0]
    keys, delivered, bob, bobs_key = room_keys(clock)
    await keys.envelope(from_bob(bob, "too early"))
    clock[0] += BUFFER_TIMEOUT_S + 1
    keys.accept_distribution(bobs_key, bob.identity_key)
    assert delivered == [] and keys.rooms[ROOM].expired == 1


class PrekeyServer:
    """Answers ``keys.count`` with a full stock and records ``keys.publish``."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    async def request(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        if event == "keys.count":
            return {"one_time_prekeys": 50}
        assert event == "keys.publish" and payload is not None
        self.published.append(payload)
        return {}


async def test_signed_prekey_rotates_when_the_injected_clock_says_it_is_due() -> None:
    clock = [T0]
    server = PrekeyServer()
    prekeys = Prekeys(Engine.create(), server.request, lambda: None, lambda: clock[0])
    await prekeys.publish(always=True)
    clock[0] += SIGNED_PREKEY_MAX_AGE_S - 1
    await prekeys.publish(always=False)
    assert len(server.published) == 1  # not due yet, stock full: nothing to publish
    clock[0] += 1
    await prekeys.publish(always=False)
    assert len(server.published) == 2
    assert server.published[0]["signed_prekey"] != server.published[1]["signed_prekey"]


async def test_sender_key_is_stamped_with_the_injected_clock() -> None:
    clock = [T0]  # months before the real "now": only the injected clock can make this pass
    peer, group, _fake = await alone_in_room(clock)
    await group.send("one")
    four_hours_ms = int(T0 * 1000) + MAX_SENDER_KEY_AGE_MS
    assert not peer._engine.needs_rotation(ROOM, four_hours_ms - 1)
    assert peer._engine.needs_rotation(ROOM, four_hours_ms)


def test_keys_come_from_the_injected_rng() -> None:
    assert Engine.create(seeded(7)).identity_key == Engine.create(seeded(7)).identity_key
    assert Engine.create(seeded(7)).identity_key != Engine.create(seeded(8)).identity_key
    assert 0 <= unit_interval(seeded(1)) < 1


def test_sealed_keystore_salt_nonce_and_temp_name_come_from_the_injected_rng(
    tmp_path: Path,
) -> None:
    state = {"pseudonym": "me", "engine": {"version": 1}}
    files = []
    for where in ("a", "b"):
        path = tmp_path / where / "me.json"
        Keystore(path, "pass phrase", kdf_iterations=1000, rng=seeded(3)).save(state)
        files.append(json.loads(path.read_bytes()))
    assert files[0] == files[1]  # same salt and nonce: both drawn from the seeded rng
    other = tmp_path / "c" / "me.json"
    Keystore(other, "pass phrase", kdf_iterations=1000, rng=seeded(4)).save(state)
    assert json.loads(other.read_bytes())["sealed"]["nonce"] != files[0]["sealed"]["nonce"]
