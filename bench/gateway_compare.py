"""Gateway set-ups side by side: the same queries through each gateway URL given, taking
turns (A, B, A, B…) so that both see the same machine, with distinct variables.

    uv run python bench/gateway_compare.py [--url NAME=URL ...] [--rounds 2] [--seconds 8]

Without `--url` it measures the local stack's gateway and, when they answer, the two
variants documented in docs/gateway.md (Hive Gateway with the Rust query planner of
`@graphql-hive/router-runtime` on :4010, Hive Gateway on the stitching runtime on
:4011, Hive Router on :4020), and the clients subgraph directly for the bare query.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx
from plumbing.testing import GATEWAY_URL, Graph, subgraph_url, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import Figures, load, result

BARE = "query($id: ID!) { client(id: $id) { id } }"
CARD = """query($id: ID!) { client(id: $id) {
  id firstName lastName email status preferredBranchId
  communicationPreferences { category channel enabled }
  ranks { rank { name } since visitsInRank } loyalty { balance }
  activity { upcomingBookings { id } hasApp }
  timeline(first: 5) { edges { node { kind summary at } } } } }"""
CREATE = """mutation($i: ClientInput!) { createClient(input: $i) { client { id } } }"""
DEFAULTS = {
    "stack gateway": GATEWAY_URL,
    "router-runtime :4010": "http://127.0.0.1:4010/graphql",
    "stitching :4011": "http://127.0.0.1:4011/graphql",
    "hive-router :4020": "http://127.0.0.1:4020/graphql",
}


async def reachable(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            await http.post(url, json={"query": "{ __typename }"})
        return True
    except httpx.HTTPError:
        return False


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", default=[], help="NAME=URL")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    urls = dict(u.split("=", 1) for u in args.url) or {
        name: url for name, url in DEFAULTS.items() if await reachable(url)
    }
    tenant = unique_tenant("bench-gw")
    owner = Graph(tenant, ["OWNER"])
    ids = []
    for i in range(100):
        data = await owner(CREATE, {"i": {"firstName": "Gw", "lastName": f"Client{i}"}})
        ids.append(data["createClient"]["client"]["id"])
    headers = owner.headers()
    await owner.close()
    await asyncio.sleep(3)  # the other contexts hear of the new clients

    def request(url: str, query: str):  # type: ignore[no-untyped-def]
        async def send(http: httpx.AsyncClient, n: int) -> None:
            body = {"query": query, "variables": {"id": ids[n % len(ids)]}}
            response = await http.post(url, json=body, headers=headers)
            if response.status_code != 200 or response.json().get("errors"):
                raise RuntimeError(response.text[:200])

        return send

    totals: dict[tuple[str, str], list[Figures]] = {}
    targets = [*urls.items(), ("clients subgraph (bare only)", subgraph_url("clients"))]
    for _ in range(args.rounds):
        for name, url in targets:
            for label, query in (("bare", BARE), ("card", CARD)):
                if label == "card" and "subgraph" in name:
                    continue
                figures = await load(
                    f"{name} {label}",
                    request(url, query),
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                )
                totals.setdefault((name, label), []).append(figures)
                print(figures.row(), flush=True)
    print()
    for (name, label), runs in totals.items():
        rate = sum(f.requests for f in runs) / sum(f.seconds for f in runs)
        p99 = max(f.pct(0.99) for f in runs)
        result(f"{name}: {label}", rate, "req/s")
        result(f"{name}: {label} p99 (worst round)", p99, "ms")


if __name__ == "__main__":
    asyncio.run(main())
