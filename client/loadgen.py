"""``python -m client.loadgen``: measure a group and 1:1 traffic through a real server.

N peers connect and join one group one after another (each join distributes a sender key to
everyone already there), then every peer sends M messages; every other member must receive
every message. Prints one JSON object with join times, end-to-end delivery latency
(send → decrypted at a receiver, same process clock) and totals. Then peer 0 and peer 1 run a
1:1 round trip (the first includes the X3DH set-up).

The server's per-connection send rate (protocol ``limits``) paces each sender; ``--rate`` keeps
below it. Texts are random tokens (no real content).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
from typing import Any

from client.chats import Group
from client.peer import PeerClient


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": round(pct(0.5) * 1000, 1),
        "p95_ms": round(pct(0.95) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


async def _receive_all(group: Group, expected: int, sent_at: dict[str, float],
                       latencies: list[float], timeout: float) -> int:
    got = 0
    while got < expected:
        message = await group.next_message(timeout)
        latencies.append(time.monotonic() - sent_at[message.text])
        got += 1
    return got


async def run(url: str, peers: int, messages: int, group_id: str, rate: float,
              timeout: float) -> dict[str, Any]:
    """Run the measurement; returns the figures."""
    t0 = time.monotonic()
    clients = list(await asyncio.gather(*(PeerClient.connect(url) for _ in range(peers))))
    connect_s = time.monotonic() - t0
    try:
        groups: list[Group] = []
        join_times: list[float] = []
        for client in clients:
            start = time.monotonic()
            groups.append(await client.join_group(group_id))
            join_times.append(time.monotonic() - start)
        # let the key distributions from the last joins settle before timing messages
        await asyncio.sleep(0.5)

        sent_at: dict[str, float] = {}
        latencies: list[float] = []

        async def sender(group: Group) -> None:
            for _ in range(messages):
                text = secrets.token_hex(8)
                sent_at[text] = time.monotonic()
                await group.send(text)
                await asyncio.sleep(1 / rate)

        start = time.monotonic()
        receivers = [
            _receive_all(g, messages * (peers - 1), sent_at, latencies, timeout) for g in groups
        ]
        await asyncio.gather(*(sender(g) for g in groups), *receivers)
        traffic_s = time.monotonic() - start

        direct: dict[str, float] = {}
        if peers >= 2:
            a, b = clients[0], clients[1]
            for label in ("first_with_x3dh", "second"):
                start = time.monotonic()
                chat_ab = await a.open_direct(b.pseudonym)
                await chat_ab.send(secrets.token_hex(8))
                await (await b.open_direct(a.pseudonym)).next_message(timeout)
                direct[f"{label}_ms"] = round((time.monotonic() - start) * 1000, 1)
        return {
            "peers": peers,
            "messages_per_peer": messages,
            "connect_all_s": round(connect_s, 3),
            "join": _summary(join_times),
            "last_join_ms": round(join_times[-1] * 1000, 1),
            "group_delivery": _summary(latencies),
            "deliveries": len(latencies),
            "deliveries_per_s": round(len(latencies) / traffic_s, 1),
            "direct_round": direct,
        }
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(prog="python -m client.loadgen", description=__doc__)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--peers", type=int, default=5)
    ap.add_argument("--messages", type=int, default=10)
    ap.add_argument("--group", default="open")
    ap.add_argument("--rate", type=float, default=4.0, help="messages per second per sender")
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args(argv)
    result = asyncio.run(
        run(args.url, args.peers, args.messages, args.group, args.rate, args.timeout)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
