"""Soak: a steady mixed load through the gateway for `--minutes` (10 by default), with
the memory of every process of the stack sampled as it goes. Flat memory is the aim.

    uv run python bench/soak.py [--minutes 10] [--readers 4] [--writes-per-second 4]

Load, in a fresh tenant of 50 clients: `--readers` workers read client cards (ranks,
points, timeline: four subgraphs) back to back, with distinct variables; a writer
records visits and purchases at a fixed pace (every one goes through crm, Kafka and
the ranks and loyalty consumers). Every `--every` seconds a row: requests/s, p99,
errors, and the RSS of each process. At the end, per process, the RSS of the first
sample after warm-up, the last and the highest, and the growth.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from plumbing.testing import GATEWAY_URL, Graph, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import PIDS, result, rss_mb

CREATE = """mutation($i: ClientInput!) { createClient(input: $i) {
  client { id } userErrors { code message } } }"""
CARD = """query($id: ID!) { client(id: $id) { id firstName status
  ranks { rank { name } visitsInRank } loyalty { balance }
  timeline(first: 5) { edges { node { kind summary at } } } } }"""
VISIT = """mutation($c: ID!, $at: DateTime!, $v: ID!) {
  recordVisit(clientId: $c, attendedAt: $at, visitId: $v) { accepted userErrors { code } } }"""
PURCHASE = """mutation($i: PurchaseInput!) { recordPurchase(input: $i) {
  accepted userErrors { code } } }"""


def processes() -> dict[str, int]:
    out = {}
    for pidfile in sorted(PIDS.glob("*.pid")):
        try:
            out[pidfile.stem] = int(pidfile.read_text().split()[0])
        except (OSError, ValueError):
            continue
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writes-per-second", type=float, default=4.0)
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=60.0)
    args = parser.parse_args()

    tenant = unique_tenant("bench-soak")
    owner = Graph(tenant, ["OWNER"])
    ids: list[str] = []
    for i in range(50):
        data = await owner(CREATE, {"i": {"firstName": "Soak", "lastName": f"Client{i}"}})
        ids.append(data["createClient"]["client"]["id"])
    headers = {"authorization": owner.headers()["authorization"]}
    stop_at = time.perf_counter() + args.minutes * 60
    latencies: list[float] = []
    errors = 0
    writes = 0

    async def post(http: httpx.AsyncClient, query: str, variables: dict[str, object]) -> None:
        nonlocal errors
        started = time.perf_counter()
        try:
            response = await http.post(
                GATEWAY_URL, json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                errors += 1
                return
        except httpx.HTTPError:
            errors += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    async def reader(http: httpx.AsyncClient, worker: int) -> None:
        n = worker
        while time.perf_counter() < stop_at:
            await post(http, CARD, {"id": ids[n % len(ids)]})
            n += args.readers

    async def writer(http: httpx.AsyncClient) -> None:
        nonlocal writes
        pause = 1.0 / args.writes_per_second
        while time.perf_counter() < stop_at:
            n = writes
            client = ids[n % len(ids)]
            now = datetime.now(UTC).isoformat()
            if n % 2:
                purchase = {
                    "clientId": client,
                    "invoiceNumber": f"SOAK-{tenant}-{n}",
                    "channel": "IN_STUDIO",
                    "occurredAt": now,
                    "lines": [
                        {"category": "SERVICE", "itemId": "svc", "name": "Class", "amount": "20"}
                    ],
                    "payments": [{"method": "CASH", "amount": "20"}],
                }
                await post(http, PURCHASE, {"i": purchase})
            else:
                await post(http, VISIT, {"c": client, "at": now, "v": f"soak-{n}"})
            writes += 1
            await asyncio.sleep(pause)

    samples: list[tuple[float, dict[str, float]]] = []
    names = processes()
    print(
        f"soak, tenant {tenant}: {args.minutes:g} min, {args.readers} readers, "
        f"{args.writes_per_second:g} writes/s"
    )
    header = " ".join(f"{name[:10]:>10}" for name in names)
    print(f"{'t (s)':>6} {'req/s':>7} {'p99 ms':>7} {'errors':>6}  RSS MB: {header}")

    async def sampler() -> None:
        start = time.perf_counter()
        seen = 0
        while time.perf_counter() < stop_at:
            await asyncio.sleep(min(args.every, max(stop_at - time.perf_counter(), 0.1)))
            window = latencies[seen:]
            seen = len(latencies)
            rss = {name: rss_mb(pid) for name, pid in names.items()}
            elapsed = time.perf_counter() - start
            samples.append((elapsed, rss))
            ordered = sorted(window)
            p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
            cells = " ".join(f"{rss[name]:>10.0f}" for name in names)
            print(
                f"{elapsed:>6.0f} {len(window) / args.every:>7.0f} {p99:>7.1f} {errors:>6}"
                f"  {'':7} {cells}",
                flush=True,
            )

    limits = httpx.Limits(max_connections=args.readers + 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await asyncio.gather(
            sampler(), writer(http), *(reader(http, w) for w in range(args.readers))
        )
    await owner.close()

    steady = [s for s in samples if s[0] >= args.warmup] or samples
    print(f"\n{'process':<16} {'after warm-up':>14} {'last':>8} {'max':>8} {'growth':>8}")
    worst = 0.0
    for name in names:
        first, last = steady[0][1][name], steady[-1][1][name]
        peak = max(s[1][name] for s in steady)
        growth = (last - first) / first * 100 if first else 0.0
        worst = max(worst, growth)
        print(f"{name:<16} {first:>12.0f}MB {last:>6.0f}MB {peak:>6.0f}MB {growth:>7.1f}%")
    total_seconds = args.minutes * 60
    ordered = sorted(latencies)
    result("soak: card reads through the gateway", len(latencies) / total_seconds, "req/s")
    if ordered:
        result("soak: card read p99", ordered[int(0.99 * (len(ordered) - 1))], "ms")
    result("soak: writes recorded (visits, purchases)", writes, "")
    result("soak: errors", errors, "", "0")
    result("soak: largest RSS growth after warm-up", worst, "%", "flat")


if __name__ == "__main__":
    asyncio.run(main())
