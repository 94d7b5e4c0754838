"""Generate ``orchestration_groups.json``: group orchestration vectors (docs/crypto.md 6.3).

Each scenario is a sequence of steps for one device ("me") in one room: my join (or rejoin),
server-signed membership events, sender-key distributions from other members, and my sends
with the clock at a given millisecond. The expected answer of every step (the actions taken:
new sender key, share with whom, forget whom, drop, close; or accept / refuse with code and
reason for a distribution) and the room afterwards are computed here by the Python client
(``tests.client.group_orchestration.replay``). ``tests/client/test_orchestration_vectors.py``
replays the file through Python, ``tests/web_client/test_orchestration_vectors.py`` through the
browser's ``e2ee/groupflow.js``; both must give these answers.

Run ``python -m tests.vectors.generate_orchestration`` from the repository root to rewrite it;
keys come from ``SeededRng`` (tests/vectors/generate.py), the clock from the steps.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from e2ee import GroupKeys, encode_content, sign_membership
from e2ee import primitives as p
from e2ee.encoding import b64e
from e2ee.identity import DeviceIdentity
from e2ee.limits import MAX_MESSAGES_PER_SENDER_KEY, MAX_SENDER_KEY_AGE_MS
from tests.client.group_orchestration import replay
from tests.vectors.generate import SERVER_SEED, TS0, SeededRng

OUT = Path(__file__).resolve().parent / "orchestration_groups.json"
SEED = "iltapiiri/vectors/orchestration"
ROOM = "ilta-ryhma/2026-11-26"
NAMES = ("me", "Aino", "Bertta", "Cecilia", "Doris", "Eero")


class Scene:
    """Builds one scenario's steps with signed events and real distributions."""

    def __init__(self, name: str, identities: dict[str, DeviceIdentity], rng: SeededRng) -> None:
        self.name = name
        self.ids = identities
        self.rng = rng
        self.keys = {n: GroupKeys(i) for n, i in identities.items()}
        self.steps: list[dict[str, Any]] = []
        self.now = TS0

    def _event(self, epoch: int, event: str, who: str | None, members: list[str]) -> dict[str, Any]:
        subject = self.ids[who].identity_key if who else b""
        keys = [self.ids[n].identity_key for n in members]
        role = "peer" if who else ""
        sig = sign_membership(SERVER_SEED, ROOM, epoch, event, subject, role,
                              [(k, "peer") for k in keys], self.now)
        return {
            "room": ROOM, "epoch": epoch, "event": event, "pseudonym": who or "",
            "identity_key": b64e(subject) if who else "", "role": role, "at": self.now,
            "members": [{"pseudonym": n, "identity_key": b64e(self.ids[n].identity_key),
                         "role": "peer"} for n in members],
            "sig": b64e(sig),
        }

    def join(self, epoch: int, members: list[str], note: str) -> Scene:
        self.steps.append({"op": "join", "note": note, "now_ms": self.now,
                           "membership": self._event(epoch, "joined", "me", members)})
        return self

    def event(self, epoch: int, event: str, who: str | None, members: list[str], note: str) -> Scene:
        self.steps.append({"op": "membership", "note": note, "now_ms": self.now,
                           "membership": self._event(epoch, event, who, members)})
        return self

    def key(self, sender: str, epoch: int, note: str, *, via: str | None = None) -> Scene:
        """A new sender key of ``sender`` made at ``epoch``, arriving over 1:1 from ``via``."""
        dist = self.keys[sender].create_sender_key(ROOM, epoch, self.rng)
        self.steps.append({"op": "distribution", "note": note, "from": via or sender,
                           "skd": encode_content(dist).hex()})
        return self

    def resend(self, sender: str, note: str) -> Scene:
        """``sender``'s current key again (a re-sent distribution)."""
        dist = self.keys[sender].distribution(ROOM)
        self.steps.append({"op": "distribution", "note": note, "from": sender,
                           "skd": encode_content(dist).hex()})
        return self

    def send(self, count: int, note: str, *, at: int | None = None) -> Scene:
        if at is not None:
            self.now = at
        self.steps.append({"op": "send", "note": note, "now_ms": self.now, "count": count})
        return self

    def later(self, ms: int) -> Scene:
        self.now += ms
        return self

    def doc(self) -> dict[str, Any]:
        return {"name": self.name, "room": ROOM, "steps": self.steps}


def scenarios(ids: dict[str, DeviceIdentity], rng: SeededRng) -> list[Scene]:
    a = (Scene("join, newcomer, leave, removal", ids, rng)
         .join(1, ["me", "Aino", "Bertta"], "my join: a key for epoch 1, shared with both")
         .key("Aino", 1, "Aino's key: accepted")
         .resend("Aino", "the same key again: a duplicate, nothing changes")
         .key("Bertta", 1, "Bertta's key: accepted")
         .key("Aino", 1, "a key that names Aino, sent by Bertta: refused", via="Bertta")
         .later(1000).event(2, "joined", "Cecilia", ["me", "Aino", "Bertta", "Cecilia"],
                            "Cecilia joins: she gets my current key, nothing rotates")
         .event(2, "joined", "Cecilia", ["me", "Aino", "Bertta", "Cecilia"],
                "the same epoch again: stale, ignored")
         .later(1000).event(3, "left", "Bertta", ["me", "Aino", "Cecilia"],
                            "Bertta leaves: forget her, rotate, share with the rest")
         .key("Aino", 1, "Aino's key made before the departure, sent late: refused")
         .key("Aino", 3, "Aino's rotated key: accepted")
         .later(1000).event(4, "removed", "Aino", ["me", "Cecilia"],
                            "Aino is removed: the same as a leave"))
    b = (Scene("inferred departure and re-join", ids, rng)
         .join(1, ["me", "Aino", "Bertta", "Cecilia"], "my join")
         .key("Cecilia", 1, "Cecilia's key")
         .later(1000).event(3, "joined", "Doris", ["me", "Aino", "Cecilia", "Doris"],
                            "Doris joins; Bertta is missing (her own event was lost): rotate")
         .key("Aino", 1, "a key of epoch 1 (Bertta left after it, so she may hold it): refused")
         .key("Aino", 2, "a key of epoch 2 (after my last known epoch): accepted")
         .later(1000).join(6, ["me", "Aino", "Eero"],
                           "my rejoin after a reconnect: Cecilia and Doris left meanwhile")
         .key("Aino", 3, "a key of epoch 3, before the gap: refused")
         .key("Aino", 5, "a key made during the gap (epoch 5): accepted")
         .key("Eero", 6, "Eero's key: accepted")
         .later(1000).event(7, "left", "me", ["Aino", "Eero"], "I leave: the room is over"))
    c = (Scene("rotation by count and by age", ids, rng)
         .join(1, ["me", "Aino"], "my join")
         .send(MAX_MESSAGES_PER_SENDER_KEY, "up to the message limit: the same key")
         .send(1, "one more: rotate first, at the same epoch")
         .send(1, "the new key again", at=TS0 + MAX_SENDER_KEY_AGE_MS - 1)
         .send(1, "the age limit, counted from the rotation: rotate", at=TS0 + MAX_SENDER_KEY_AGE_MS)
         .later(1000).event(2, "closed", None, [], "the night ends: drop every key"))
    return [a, b, c]


def generate() -> str:
    """The exact text of orchestration_groups.json."""
    rng = SeededRng(SEED.encode())
    ids = {n: DeviceIdentity.generate(rng) for n in NAMES}
    people: dict[str, dict[str, str]] = {
        n: {"key": i.identity_key.hex()} for n, i in ids.items()}
    people["me"].update({"seed": ids["me"].signing_seed.hex(), "dh": ids["me"].dh_private.hex()})
    docs = []
    for scene in scenarios(ids, rng):
        doc = scene.doc()
        mine = SeededRng(f"{SEED}/{scene.name}".encode())
        for step, result in zip(doc["steps"], replay(doc, people, _server_key(), mine), strict=True):
            step["expect"] = result["out"]
            step["room_after"] = result["room"]
        docs.append(doc)
    out = {
        "about": "tests/vectors/generate_orchestration.py; 'me' draws its keys from SeededRng("
                 "rng_seed + '/' + scenario name); other members' keys are in the distributions",
        "rng_seed": SEED, "server_key": _server_key().hex(), "people": people, "scenarios": docs,
    }
    return json.dumps(out, indent=1, ensure_ascii=False) + "\n"


def _server_key() -> bytes:
    return p.ed25519_public(SERVER_SEED)


def main() -> int:
    OUT.write_text(generate(), encoding="utf-8")
    print(f"wrote {OUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
