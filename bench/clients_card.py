"""Client card benchmark: the full card across the five subgraphs, and a filtered
`clients` search over a large studio, each against a bare single-subgraph
`client(id){id}` measured in the same run. Distinct variables per request (the gateway
deduplicates identical in-flight requests).

    uv run python bench/clients_card.py [--clients 100000] [--seconds 10]

The studio is filled through the gateway with `importClients` (a fresh tenant). A studio
of 100,000 cards adds that many documents (and `client_created` events) to the shared
stack: on a shared laptop stack prefer `--clients 10000`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import httpx
from plumbing.auth import mint_token
from plumbing.testing import GATEWAY_URL, jwt_secret, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import Figures, load

BARE = "query($id: ID!) { client(id: $id) { id } }"
FULL_CARD = """query($id: ID!) { client(id: $id) {
  id firstName middleName lastName email phone birthDate gender language status source
  address { line1 city postalCode country } preferredBranchId weightKg weightHistory { kg at }
  onlineBookingBlocked notes { text at } customFields { field { label type } value }
  forms { name completedAt } documents { fileName downloadUrl }
  dislikedServices { serviceName comment }
  communicationPreferences { category channel enabled changedAt }
  ranks { rank { name } since visitsInRank eligibleForPromotion }
  loyalty { balance balanceValue { amount currency } }
  activity { upcomingBookings { id startsAt } memberships { plan status } giftCards { code }
    hasApp }
  timeline(first: 10) { edges { node { kind summary at } } }
} }"""
SEARCH = """query($f: ClientFilter) { clients(filter: $f, first: 20) {
  totalCount edges { node { id firstName lastName } } } }"""
IMPORT = "mutation($f: Upload!) { importClients(file: $f) { id } }"
JOB = "query($id: ID!) { importJob(id: $id) { status processed created } }"


def studio_csv(count: int) -> bytes:
    lines = ["firstName,lastName,email,phone,birthDate,status"]
    statuses = ["ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE", "LEAD"]
    for i in range(count):
        lines.append(
            f"Nombre{i},Apellido{i % 997},c{i}@example.com,+3460{i:07d},"
            f"19{60 + i % 40}-{i % 12 + 1:02d}-{i % 28 + 1:02d},{statuses[i % 5]}"
        )
    return ("\n".join(lines) + "\n").encode()


def fill(http: httpx.Client, count: int) -> None:
    for start in range(0, count, 50_000):  # the import takes at most 50,000 rows a file
        size = min(50_000, count - start)
        body = http.post(
            GATEWAY_URL,
            headers={"graphql-preflight": "1"},
            data={
                "operations": json.dumps({"query": IMPORT, "variables": {"f": None}}),
                "map": json.dumps({"0": ["variables.f"]}),
            },
            files={"0": ("studio.csv", studio_csv(size), "text/csv")},
        ).json()
        job_id = body["data"]["importClients"]["id"]
        while True:
            job = http.post(GATEWAY_URL, json={"query": JOB, "variables": {"id": job_id}})
            state = job.json()["data"]["importJob"]
            print(f"  filling: {start + state['processed']}/{count}", end="\r", flush=True)
            if state["status"] != "RUNNING":
                break
            time.sleep(1)
    print()


def client_ids(http: httpx.Client, wanted: int) -> list[str]:
    ids: list[str] = []
    after = None
    query = """query($after: String) { clients(first: 200, after: $after) {
      edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    while len(ids) < wanted:
        data = http.post(GATEWAY_URL, json={"query": query, "variables": {"after": after}})
        page = data.json()["data"]["clients"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return ids


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    tenant = unique_tenant("bench-card")
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], subject="bench")
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(timeout=300, headers=headers) as http:
        print(f"tenant {tenant}: importing {args.clients} clients")
        started = time.perf_counter()
        fill(http, args.clients)
        print(f"  filled in {time.perf_counter() - started:.0f}s")
        ids = client_ids(http, 1000)

    async def post(http: httpx.AsyncClient, query: str, variables: dict[str, object]) -> None:
        response = await http.post(
            GATEWAY_URL, json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(str(body)[:200])

    async def bare(http: httpx.AsyncClient, n: int) -> None:
        await post(http, BARE, {"id": ids[n % len(ids)]})

    async def card(http: httpx.AsyncClient, n: int) -> None:
        await post(http, FULL_CARD, {"id": ids[n % len(ids)]})

    async def search(http: httpx.AsyncClient, n: int) -> None:
        # Distinct filters: a last-name word, a status and a birthday each time.
        word = f"apellido{n % 997}"
        day = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        filters = [
            {"search": word},
            {"status": ["INACTIVE"], "search": word},
            {"birthdayOn": day},
        ]
        await post(http, SEARCH, {"f": filters[n % 3]})

    runs: list[Figures] = []
    for name, request in (
        ("bare client(id){id} (clients only)", bare),
        ("full client card (5 subgraphs)", card),
        (f"filtered clients search ({args.clients:,} cards)", search),
    ):
        runs.append(await load(name, request, seconds=args.seconds, concurrency=args.concurrency))
    base = runs[0]
    print()
    print(f"{'query':<44} {'rate':>15}  {'latency':>28}  {'errors':>8}  vs bare")
    for figures in runs:
        ratio = base.rate / figures.rate if figures.rate else float("inf")
        print(f"{figures.row()}  {ratio:>5.1f}x slower" if figures is not base else figures.row())


if __name__ == "__main__":
    asyncio.run(main())
