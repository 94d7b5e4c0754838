"""tests/vectors/orchestration_groups.json replayed through the Python client's group decisions
(via the adapter in tests/client/group_orchestration.py); the browser replays the same file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.client.group_orchestration import replay
from tests.vectors.generate import SeededRng
from tests.vectors.generate_orchestration import generate

FILE = Path(__file__).resolve().parents[1] / "vectors" / "orchestration_groups.json"


def mismatches(doc: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(scenario, step, note) of every step whose answer differs from the file."""
    bad = []
    for scenario in doc["scenarios"]:
        rng = SeededRng(f"{doc['rng_seed']}/{scenario['name']}".encode())
        got = replay(scenario, doc["people"], bytes.fromhex(doc["server_key"]), rng)
        for i, (step, result) in enumerate(zip(scenario["steps"], got, strict=True)):
            if (result["out"], result["room"]) != (step["expect"], step["room_after"]):
                bad.append((scenario["name"], i, step["note"]))
    return bad


def test_file_is_what_the_generator_writes() -> None:
    assert FILE.read_text(encoding="utf-8") == generate(), "run python -m tests.vectors.generate_orchestration"


def test_every_step_replays_through_the_python_client() -> None:
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    ops = {step["op"] for s in doc["scenarios"] for step in s["steps"]}
    assert ops == {"join", "membership", "distribution", "send"}
    assert mismatches(doc) == []


def test_the_vectors_cover_the_rules() -> None:
    """Join, leave, removal, inferred departure, old-epoch refusal, rotation by count and age,
    re-join, close: each shows up in the expected answers."""
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    steps = [step for s in doc["scenarios"] for step in s["steps"]]
    events = {step["membership"]["event"] for step in steps if "membership" in step}
    assert events == {"joined", "left", "removed", "closed"}
    assert any("older epoch" in str(step["expect"]) for step in steps)
    rejoins = [s for s in steps if s["op"] == "join" and any(a["do"] == "forget" for a in s["expect"])]
    assert rejoins, "a rejoin that forgets members gone meanwhile"
    inferred = [s for s in steps if s["op"] == "membership" and s["membership"]["event"] == "joined"
                and any(a["do"] == "forget" for a in s["expect"])]
    assert inferred, "a departure inferred from a signed list"
    rotations = [s for s in steps if s["op"] == "send" and s["expect"]]
    assert len(rotations) == 2, "one by message count, one by age"


def test_a_changed_answer_is_reported() -> None:
    """The replay can fail: one expectation turned from refused to accepted is found."""
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(doc)
    scenario = broken["scenarios"][0]
    i = next(n for n, s in enumerate(scenario["steps"]) if "older epoch" in str(s["expect"]))
    scenario["steps"][i]["expect"] = {"result": "accepted"}
    assert mismatches(broken) == [(scenario["name"], i, scenario["steps"][i]["note"])]
