"""Ranks benchmark, against the local stack, in a fresh tenant.

    uv run python bench/ranks_visits.py [--clients 20] [--visits 400] [--report-rows 100000]

1. Throughput: visits/s the ranks consumer applies. `--visits` visit facts for
   `--clients` clients are produced straight onto `ingest.bookings` as fast as Kafka
   takes them; the clock stops when the report says every visit was counted.
2. Latency: visit -> promotion end to end through Kafka. Each client gets one visit
   that earns the next belt (auto-promotion); measured from the produce to the
   `ranks.client_promoted.v1` event read back from `ranks.events`.
3. Report: `rankReport` through the gateway over a category of `--report-rows`
   holders (roster rows written straight into the ranks read model of the bench
   tenant: building 100,000 client cards through the graph would take too long).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from plumbing import topics
from plumbing.envelope import Envelope, InvalidEnvelope
from plumbing.testing import KAFKA_BOOTSTRAP, MONGO_URL, Graph, kafka_options, unique_tenant
from pymongo import AsyncMongoClient
from ranks.adapters.bucket_roster import bucket_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import result

CATEGORY = """mutation($n: String!) { createRankCategory(input: {name: $n, autoPromote: true})
  { category { id } userErrors { code } } }"""
ADD = """mutation($c: ID!, $n: String!, $v: Int) { addRank(categoryId: $c,
  input: {name: $n, criteria: {minVisits: $v}}) { rank { id } userErrors { code } } }"""
ASSIGN = """mutation($c: ID!, $r: ID!) { assignRank(clientId: $c, rankId: $r) { userErrors { code } } }"""
REPORT = """query($c: ID!, $f: RankReportFilter, $after: String) {
  rankReport(categoryId: $c, filter: $f, first: 200, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { visitsInRank } } } }"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def visit(tenant: str, client_id: str, at: datetime, key: str) -> tuple[bytes, bytes]:
    env = Envelope(
        type="ingest.visit_recorded.v1",
        source="bench/ranks",
        tenant=tenant,
        subject=client_id,
        data={"visit_id": key, "client_id": client_id, "attended_at": at.isoformat()},
    )
    return env.key.encode(), env.to_bytes()


async def category(owner: Graph, name: str, second_rank_visits: int) -> tuple[str, str]:
    made = await owner(CATEGORY, {"n": name})
    cid = made["createRankCategory"]["category"]["id"]
    first = (await owner(ADD, {"c": cid, "n": "White", "v": None}))["addRank"]["rank"]["id"]
    await owner(ADD, {"c": cid, "n": "Yellow", "v": second_rank_visits})
    return cid, first


async def counted(owner: Graph, cid: str) -> int:
    total, after = 0, None
    while True:
        page = (await owner(REPORT, {"c": cid, "after": after}))["rankReport"]
        total += sum(int(e["node"]["visitsInRank"]) for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return total
        after = page["pageInfo"]["endCursor"]


async def main(args: argparse.Namespace) -> None:
    tenant = unique_tenant("bench-ranks")
    owner = Graph(tenant, ["OWNER"])
    await owner("mutation { setRankProgram(enabled: true) { userErrors { code } } }")
    bulk, bulk_white = await category(owner, "Throughput", 1_000_000 // 100)
    clients = []
    for i in range(args.clients):
        made = await owner(
            'mutation($f: String!) { createClient(input: {firstName: $f, lastName: "Bench"}) '
            "{ client { id } } }",
            {"f": f"C{i}"},
        )
        clients.append(made["createClient"]["client"]["id"])
    for client_id in clients:
        await owner(ASSIGN, {"c": client_id, "r": bulk_white})
    # Visits after the assignments, a millisecond apart: a visit has happened (at most
    # 5 minutes ahead of now, or it is refused as FUTURE_TIME).
    start_at = datetime.now(UTC)

    producer = AIOKafkaProducer(**kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, linger_ms=5)
    await producer.start()
    rows: list[tuple[str, str]] = []
    try:
        # 1. throughput
        t0 = time.perf_counter()
        sends = []
        for n in range(args.visits):
            client_id = clients[n % len(clients)]
            key, value = visit(tenant, client_id, start_at + timedelta(milliseconds=n), f"b{n}")
            sends.append(await producer.send(topics.INGEST_BOOKINGS, value, key=key))
        await asyncio.gather(*sends)
        produced = time.perf_counter() - t0
        deadline = time.monotonic() + 300
        while (done := await counted(owner, bulk)) < args.visits:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {done} of {args.visits} visits counted after 300 s")
            await asyncio.sleep(1.0)
        elapsed = time.perf_counter() - t0
        rows.append(("visits produced", f"{args.visits} in {produced:.2f} s"))
        rows.append(("visits applied by one consumer", f"{args.visits / elapsed:,.0f} visits/s"))

        # 2. latency: a new auto category where one visit earns the next belt
        fast, fast_white = await category(owner, "Latency", 1)
        for client_id in clients:
            await owner(ASSIGN, {"c": client_id, "r": fast_white})
        tap = AIOKafkaConsumer(
            **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
        )
        await tap.start()
        meta = await tap._client.fetch_all_metadata()
        parts = [
            TopicPartition(topics.RANKS, p) for p in meta.partitions_for_topic(topics.RANKS) or ()
        ]
        tap.assign(parts)
        await tap.seek_to_end(*parts)
        for tp in parts:
            await tap.position(tp)
        sent_at: dict[str, float] = {}
        latencies: list[float] = []

        async def read_back() -> None:
            while len(latencies) < len(clients):
                batch = await tap.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batch.values():
                    for r in records:
                        try:
                            env = Envelope.from_bytes(r.value)
                        except InvalidEnvelope:
                            continue
                        if env.tenant == tenant and env.type == "ranks.client_promoted.v1":
                            cid = env.data["client_id"]
                            if cid in sent_at and env.data["category_id"] == fast:
                                latencies.append(now - sent_at[cid])

        reader = asyncio.create_task(read_back())
        later = datetime.now(UTC)
        for i, client_id in enumerate(clients):
            key, value = visit(tenant, client_id, later + timedelta(milliseconds=i), f"l{i}")
            sent_at[client_id] = time.perf_counter()
            await producer.send_and_wait(topics.INGEST_BOOKINGS, value, key=key)
            await asyncio.sleep(0.05)  # 20 visits/s: latency, not a backlog
        try:
            await asyncio.wait_for(reader, timeout=120)
        except TimeoutError:
            await tap.stop()
            raise SystemExit(
                f"only {len(latencies)} of {len(clients)} promotions seen within 120 s"
            ) from None
        await tap.stop()
        rows.append(("visit -> promotion p50", f"{pct(latencies, 50) * 1000:.0f} ms"))
        rows.append(("visit -> promotion p99", f"{pct(latencies, 99) * 1000:.0f} ms"))
        rows.append(
            ("visit -> promotion max", f"{max(latencies) * 1000:.0f} ms (n={len(latencies)})")
        )
        rows.append(("visit -> promotion mean", f"{statistics.mean(latencies) * 1000:.0f} ms"))
    finally:
        await producer.stop()

    # 3. report over many holders
    if args.report_rows:
        big, white = await category(owner, "Report", 5)
        cats = (await owner("{ rankCategories { id ranks { id } } }"))["rankCategories"]
        yellow = next(c for c in cats if c["id"] == big)["ranks"][1]["id"]
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGO_URL, tz_aware=True)
        buckets: dict[int, dict[str, Any]] = {}
        since = datetime.now(UTC) - timedelta(days=40)
        for n in range(args.report_rows):
            cid = f"bench{n:07d}"
            auto = since + timedelta(days=5) if n % 10 == 0 else None
            buckets.setdefault(bucket_of(cid), {})[cid] = {
                "c": cid,
                "r": yellow if n % 4 == 0 else white,
                "s": since,
                "e": n % 7 == 0,
                "a": auto,
            }
        for b, found in buckets.items():
            await mongo["ranks"]["roster"].replace_one(
                {"_id": f"{tenant}:{big}:{b}"},
                {"_id": f"{tenant}:{big}:{b}", "tenant": tenant, "rows": found},
                upsert=True,
            )
        await mongo.close()
        for label, flt in (
            ("report page, no filter", None),
            ("report page, rankId", {"rankId": yellow}),
            ("report page, eligibleOnly", {"eligibleOnly": True}),
            ("report page, autoPromotedSince", {"autoPromotedSince": since.isoformat()}),
        ):
            times = []
            total = 0
            for _ in range(5):
                t = time.perf_counter()
                total = (await owner(REPORT, {"c": big, "f": flt}))["rankReport"]["totalCount"]
                times.append(time.perf_counter() - t)
            rows.append(
                (
                    f"{label} ({total:,} of {args.report_rows:,})",
                    f"p50 {statistics.median(times) * 1000:.0f} ms",
                )
            )
    await owner.close()

    for figure, shown in rows:
        result(figure, shown)
    width = max(len(k) for k, _ in rows)
    print(f"ranks bench, tenant {tenant}")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--visits", type=int, default=400)
    parser.add_argument("--report-rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args()))
