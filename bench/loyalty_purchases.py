"""Loyalty: how many purchases one consumer process turns into points per second, and the
purchase -> points latency through Kafka (publish on `ingest.sales` until the matching
`loyalty.points_earned.v1` is on `loyalty.events`, i.e. consumer + outbox relay).

    uv run python bench/loyalty_purchases.py [--burst 300] [--paced 60] [--clients 30]

Loads only 127.0.0.1, in a fresh tenant, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from loyalty.testing import configure, iso
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.kafka import KafkaPublisher
from plumbing.testing import KAFKA_BOOTSTRAP, Graph, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import result

TIME_LIMIT = 240.0


def purchase_envelope(tenant: str, client: str, invoice: str) -> Envelope:
    return Envelope(
        type="ingest.purchase_recorded.v1",
        source="bench/loyalty",
        tenant=tenant,
        subject=client,
        data={
            "invoice_number": invoice,
            "client_id": client,
            "branch_id": "bench",
            "channel": "IN_STUDIO",
            "occurred_at": iso(datetime.now(UTC)),
            "lines": [
                {
                    "category": "SERVICE",
                    "item_id": "s",
                    "name": "S",
                    "quantity": 1,
                    "amount": "20.00",
                }
            ],
            "payments": [{"method": "CASH", "amount": "20.00"}],
            "amount_due": "0",
        },
    )


class Tap:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
        )
        self.seen: dict[str, float] = {}

    async def open(self) -> None:
        await self.consumer.start()
        cluster = await self.consumer._client.fetch_all_metadata()
        tps = [
            TopicPartition(topics.LOYALTY, p)
            for p in cluster.partitions_for_topic(topics.LOYALTY) or ()
        ]
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for tp in tps:
            await self.consumer.position(tp)

    async def poll(self) -> None:
        batch = await self.consumer.getmany(timeout_ms=50)
        now = time.perf_counter()
        for records in batch.values():
            for r in records:
                event = json.loads(r.value or b"{}")
                if (
                    event.get("tenant") == self.tenant
                    and event.get("type") == "loyalty.points_earned.v1"
                ):
                    self.seen.setdefault(event["data"]["invoice_number"], now)

    async def wait_for(self, invoices: set[str], deadline: float) -> bool:
        while not invoices <= self.seen.keys():
            if time.perf_counter() > deadline:
                return False
            await self.poll()
        return True


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(burst: int, paced: int, clients: int) -> None:
    tenant = unique_tenant("bench-loyalty")
    owner = Graph(tenant, ["OWNER"])
    await configure(owner, pointValue="0.01", earnPercent="5")
    await owner.close()
    publisher = KafkaPublisher(KAFKA_BOOTSTRAP, client_id="bench-loyalty")
    tap = Tap(tenant)
    await tap.open()
    started = time.perf_counter()
    deadline = started + TIME_LIMIT
    try:
        # 1. Latency: one purchase at a time, waiting for its points before the next.
        latencies: list[float] = []
        for i in range(paced):
            invoice = f"L-{i}"
            env = purchase_envelope(tenant, f"c{i % clients}", invoice)
            sent = time.perf_counter()
            await publisher.publish(topics.INGEST_SALES, env.key.encode(), env.to_bytes())
            if not await tap.wait_for({invoice}, deadline):
                break
            latencies.append(tap.seen[invoice] - sent)
        # 2. Throughput: a burst published at once, until the last points are out.
        invoices = {f"B-{i}" for i in range(burst)}
        t0 = time.perf_counter()
        for i in range(burst):
            env = purchase_envelope(tenant, f"c{i % clients}", f"B-{i}")
            await publisher.publish(topics.INGEST_SALES, env.key.encode(), env.to_bytes())
        published = time.perf_counter() - t0
        complete = await tap.wait_for(invoices, deadline)
        done = [tap.seen[i] for i in invoices if i in tap.seen]
        elapsed = (max(done) - t0) if done else float("nan")
    finally:
        await tap.consumer.stop()
        await publisher.stop()

    print(f"tenant {tenant}: {clients} clients, 20.00 EUR cash purchases -> 400 points each")
    print(f"{'figure':<44}{'value':>12}")
    print(f"{'paced purchases measured':<44}{len(latencies):>12}")
    if latencies:
        print(
            f"{'purchase->points latency p50 (ms)':<44}{statistics.median(latencies) * 1000:>12.1f}"
        )
        print(f"{'purchase->points latency p99 (ms)':<44}{pct(latencies, 0.99) * 1000:>12.1f}")
        print(f"{'purchase->points latency max (ms)':<44}{max(latencies) * 1000:>12.1f}")
    print(f"{'burst purchases published':<44}{burst:>12}")
    print(f"{'burst publish time (s)':<44}{published:>12.2f}")
    print(f"{'burst purchases turned into points':<44}{len(done):>12}")
    print(f"{'burst complete':<44}{complete!s:>12}")
    print(f"{'purchases/s (one consumer, incl. relay)':<44}{len(done) / elapsed:>12.1f}")
    if latencies:
        result("purchase->points p50", statistics.median(latencies) * 1000, "ms")
        result("purchase->points p99", pct(latencies, 0.99) * 1000, "ms", "< 300 ms")
    result("purchases/s, one loyalty consumer", len(done) / elapsed, "1/s", ">= 2,000")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--paced", type=int, default=60)
    parser.add_argument("--clients", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(min(args.burst, 2000), min(args.paced, 500), max(args.clients, 1)))
