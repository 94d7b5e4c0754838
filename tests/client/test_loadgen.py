"""The load generator runs end to end against the real server and counts every delivery."""

from __future__ import annotations

from client.loadgen import run


async def test_loadgen_small_run(embedded_url: str) -> None:
    result = await run(embedded_url, peers=3, messages=2, group_id="open", rate=20, timeout=15)
    assert result["deliveries"] == 3 * 2 * 2  # every message reached both other members
    assert result["group_delivery"]["n"] == 12
    assert set(result["direct_round"]) == {"first_with_x3dh_ms", "second_ms"}
