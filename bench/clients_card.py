"""Client card benchmark: the full card across four subgraphs (clients, ranks, loyalty,
crm), and a filtered `clients` search over a large studio, each against a bare single-subgraph
`client(id){id}` measured in the same run. Distinct variables per request (the gateway
deduplicates identical in-flight requests).

    uv run python bench/clients_card.py [--clients 100000] [--imported 2000] [--seconds 10]

`--imported` cards go through the gateway with `importClients`, so every context holds
their data (ranks, points, timeline: the full card is read from these). The rest of the
studio is written straight into the clients database, without events: a search reads
only the clients context, and publishing 100,000 `client_created` events would keep
every consumer of the local stack busy for many minutes (FerretDB/SQLite writes a few
hundred documents a second), measuring that backlog instead of the queries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from plumbing.auth import mint_token
from plumbing.mongo import create_client
from plumbing.testing import GATEWAY_URL, MONGO_URL, SERVICE_PORTS, jwt_secret, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import Figures, delete_ids, load, result, settled

SERVICES_SH = str(Path(__file__).resolve().parents[1] / "deploy" / "local" / "services.sh")
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
IMPORT = "mutation($f: Upload!) { importClients(file: $f) { job { id } userErrors { code } } }"
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
        job_id = body["data"]["importClients"]["job"]["id"]
        while True:
            job = http.post(GATEWAY_URL, json={"query": JOB, "variables": {"id": job_id}})
            state = job.json()["data"]["importJob"]
            print(f"  filling: {start + state['processed']}/{count}", end="\r", flush=True)
            if state["status"] != "RUNNING":
                break
            time.sleep(1)
    print()


def seed(tenant: str, start: int, count: int) -> list[str]:
    """Cards `start..start+count` of `studio_csv`, written as the import writes them but
    without their events (see the module docstring); returns their `_id`s."""
    from clients.domain.model import ClientSource, Problems
    from clients.service_layer.cards import Actor, clean_values, new_card
    from clients.service_layer.imports import parse_csv, row_input
    from clients.service_layer.studio import studio_view
    from plumbing.clock import utcnow
    from plumbing.ids import new_id
    from pymongo import MongoClient

    parsed = parse_csv(studio_csv(start + count), max_rows=start + count + 1)
    studio = studio_view(tenant, None)
    now = utcnow()
    cards: Any = MongoClient(MONGO_URL)["clients"]["clients"]
    batch: list[dict[str, object]] = []
    written: list[str] = []
    for _row, record in parsed.rows[start:]:
        values = clean_values(
            row_input(parsed.columns, record), studio, now, Problems(), creating=True
        )
        doc, _event = new_card(
            values, new_id(), source=ClientSource.IMPORT, actor=Actor("bench"), now=now
        )
        batch.append({**doc, "_id": f"{tenant}:{doc['id']}", "tenant": tenant})
        written.append(f"{tenant}:{doc['id']}")
        if len(batch) == 2000:
            cards.insert_many(batch, ordered=False)
            start += len(batch)
            batch = []
            print(f"  seeding: {start}", end="\r", flush=True)
    if batch:
        cards.insert_many(batch, ordered=False)
    print()
    return written


async def reload_search_index(timeout: float = 600) -> None:
    """On FerretDB the clients API answers searches from an in-memory index fed by events;
    cards seeded straight into the database have none, so the service is restarted and
    the benchmark waits until its index has read every card again."""
    restart = await asyncio.create_subprocess_exec(SERVICES_SH, "restart", "clients")
    await restart.wait()
    deadline = time.perf_counter() + timeout
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=10) as http:
        while time.perf_counter() < deadline:
            try:
                text = (await http.get(f"http://127.0.0.1:{SERVICE_PORTS['clients']}/metrics")).text
            except httpx.HTTPError:
                text = ""
            if "clients_search_index_ready 1.0" in text:
                break
            await asyncio.sleep(2)
    print(f"  search index reloaded in {time.perf_counter() - started:.0f}s")


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
    parser.add_argument("--imported", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the seeded cards afterwards")
    args = parser.parse_args()
    tenant = unique_tenant("bench-card")
    token = mint_token(jwt_secret(), tenant=tenant, roles=["OWNER"], subject="bench")
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(timeout=300, headers=headers) as http:
        print(f"tenant {tenant}: importing {args.clients} clients")
        started = time.perf_counter()
        imported = min(args.imported, args.clients)
        fill(http, imported)
        print(f"  imported {imported} in {time.perf_counter() - started:.0f}s")
        ids = client_ids(http, 1000)
    # Seeded once the import's events are applied: a writer from outside the services
    # would otherwise contend with them for SQLite's single write lock.
    await asyncio.sleep(5)  # the relay reads its first hints
    await settled()
    started = time.perf_counter()
    seeded = seed(tenant, imported, args.clients - imported)
    print(f"  seeded {args.clients - imported} more in {time.perf_counter() - started:.0f}s")
    if args.clients > imported:
        await reload_search_index()

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
        ("full client card (4 subgraphs)", card),
        (f"filtered clients search ({args.clients:,} cards)", search),
    ):
        runs.append(await load(name, request, seconds=args.seconds, concurrency=args.concurrency))
    base = runs[0]
    print()
    print(f"{'query':<44} {'rate':>15}  {'latency':>28}  {'errors':>8}  vs bare")
    for figures in runs:
        ratio = base.rate / figures.rate if figures.rate else float("inf")
        print(f"{figures.row()}  {ratio:>5.1f}x slower" if figures is not base else figures.row())
    for figures, short in zip(runs, ("bare client(id){id}", "full card", "search"), strict=True):
        result(f"{short}: through the gateway", figures.rate, "req/s")
        result(f"{short}: p50", figures.pct(0.50), "ms")
        result(f"{short}: p99", figures.pct(0.99), "ms")
    card_share = runs[1].rate / base.rate * 100 if base.rate else 0.0
    result("full card throughput as a share of bare", card_share, "%", ">= 60 %")
    if seeded and not args.keep:
        # The imported cards stay (they went through the services like any card).
        started = time.perf_counter()
        mongo = create_client(MONGO_URL)
        try:
            await delete_ids(mongo["clients"]["clients"], seeded)
        finally:
            await mongo.close()
        await reload_search_index()  # the API process lets go of them too
        print(f"  removed the {len(seeded):,} seeded cards in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    asyncio.run(main())
