"""Figures for the report: what the page weighs and how long a first visit takes in Chromium.

Written to test-artifacts/web_client_metrics.json; the assertions are loose ceilings that catch a
regression (a dependency dragged in, a view that blocks), not a benchmark.
"""

from __future__ import annotations

import json
import time

from tests.web_client.conftest import REPO_ROOT, OpenPeer

METRICS = REPO_ROOT / "test-artifacts" / "web_client_metrics.json"


async def test_page_weight_and_first_visit_time(live_server, open_peer: OpenPeer) -> None:
    started = time.monotonic()
    peer = await open_peer(live_server.url)
    page = peer.page
    await page.wait_for_selector("section.welcome h1")
    to_welcome = time.monotonic() - started
    started = time.monotonic()
    await peer.sign_in("Mittari")
    to_groups = time.monotonic() - started
    started = time.monotonic()
    await peer.join_open_group()
    await page.wait_for_function("window.iltapiiri.e2ee && window.iltapiiri.e2ee.ready")
    to_chat_ready = time.monotonic() - started
    resources = await page.evaluate("""() => performance.getEntriesByType('resource')
        .concat(performance.getEntriesByType('navigation'))
        .map((e) => ({ name: e.name, bytes: e.decodedBodySize || 0 }))""")
    static = [r for r in resources if "/api/" not in r["name"]]
    figures = {
        "requests": len(resources),
        "static_files": len(static),
        "static_bytes_uncompressed": sum(r["bytes"] for r in static),
        "seconds_to_welcome": round(to_welcome, 3),
        "seconds_sign_in_to_groups": round(to_groups, 3),
        "seconds_join_to_encryption_ready": round(to_chat_ready, 3),
    }
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    METRICS.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    assert figures["static_bytes_uncompressed"] < 600_000
    assert to_welcome < 10 and to_groups < 10
    await peer.context.close()
