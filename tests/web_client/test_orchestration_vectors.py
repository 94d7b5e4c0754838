"""tests/vectors/orchestration_groups.json replayed in Chromium through js/e2ee/groupflow.js:
the browser takes the same group-key decisions as the Python client, step by step."""

from __future__ import annotations

import copy
import json

from tests.web_client.conftest import REPO_ROOT, OpenPeer

FILE = REPO_ROOT / "tests" / "vectors" / "orchestration_groups.json"
RUN = "async (doc) => (await import('/js/e2ee/vectors-orchestration.js')).replayOrchestration(doc)"


async def test_every_step_replays_in_chromium(live_server, open_peer: OpenPeer) -> None:
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    peer = await open_peer(live_server.url, path="/selftest.html")
    results = await peer.page.evaluate(RUN, doc)
    assert len(results) == sum(len(s["steps"]) for s in doc["scenarios"])
    assert [r for r in results if not r["ok"]] == []
    await peer.context.close()


async def test_a_changed_answer_fails_in_chromium(live_server, open_peer: OpenPeer) -> None:
    """The replay can fail: a departure's expected rotation removed, and a refusal turned into
    an acceptance, are both reported as those steps."""
    doc = json.loads(FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(doc)
    steps = broken["scenarios"][0]["steps"]
    leave = next(i for i, s in enumerate(steps) if s["op"] == "membership" and s["membership"]["event"] == "left")
    steps[leave]["expect"] = [a for a in steps[leave]["expect"] if a["do"] != "new_sender_key"]
    refusal = next(i for i, s in enumerate(steps) if "older epoch" in str(s["expect"]))
    steps[refusal]["expect"] = {"result": "accepted"}
    peer = await open_peer(live_server.url, path="/selftest.html")
    results = await peer.page.evaluate(RUN, broken)
    bad = [(r["scenario"], r["step"]) for r in results if not r["ok"]]
    assert bad == [(broken["scenarios"][0]["name"], leave), (broken["scenarios"][0]["name"], refusal)]
    await peer.context.close()
