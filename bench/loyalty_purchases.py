"""Loyalty: how many purchases one consumer process turns into points per second, and the
purchase -> points latency through Kafka (publish on `ingest.sales` until the matching
`loyalty.points_earned.v1` is on `loyalty.events`, i.e. consumer + outbox relay).

    uv run python bench/loyalty_purchases.py [--burst 3000] [--paced 100] [--clients 500]

Two bursts: one with the whole platform running (crm, notifications and clients follow
every `points_earned` on the same cores and FerretDB), one with those services paused
(SIGSTOP, then SIGCONT: they catch up afterwards), i.e. the consumer as on its own pod.

Loads only 127.0.0.1, in a fresh tenant, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from loyalty.testing import configure, iso
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.kafka import KafkaPublisher, Message
from plumbing.testing import (
    KAFKA_BOOTSTRAP,
    SERVICE_PORTS,
    Graph,
    kafka_options,
    subgraph_url,
    unique_tenant,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import paused, result

TIME_LIMIT = 240.0
PURCHASE = "ingest.purchase_recorded.v1"
CLIENT_CREATED = "clients.client_created.v1"
OTHER_SERVICES = ("clients", "ranks", "crm", "notifications")


def purchase_envelope(tenant: str, client: str, invoice: str) -> Envelope:
    return Envelope(
        type=PURCHASE,
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
            **kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, enable_auto_commit=False
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


async def purchases_applied() -> float:
    """The loyalty consumer's count of purchases applied (its Prometheus counter)."""
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(f"http://127.0.0.1:{SERVICE_PORTS['loyalty']}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("consumer_events_total{")
        and 'outcome="applied"' in line
        and PURCHASE in line
    )


KNOWN = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { loyalty { known } } } }"
)
CRM_CARDS = '{ crmSummary(date: "2026-01-01") { demographics { gender { count } } } }'


async def with_cards(
    publisher: KafkaPublisher, owner: Graph, clients: int, deadline: float
) -> None:
    """The clients' cards, as the clients service announces them: a purchase before its
    client's card waits for it. Measuring starts once loyalty and crm (which follows every
    purchase) have them all, so that neither the cards nor waiting purchases share the
    cores with the measurement."""
    messages: list[Message] = []
    for i in range(clients):
        card = Envelope(
            type=CLIENT_CREATED,
            source="bench/loyalty",
            tenant=owner.tenant,
            subject=f"c{i}",
            data={"client_id": f"c{i}", "first_name": f"C{i}", "last_name": "Bench"},
        )
        messages.append((topics.CLIENTS, card.key.encode(), card.to_bytes()))
    await publisher.publish_many(messages)
    loyalty = Graph(owner.tenant, ["OWNER"], url=subgraph_url("loyalty"), token=owner.token)
    representations = [{"__typename": "Client", "id": f"c{i}"} for i in range(clients)]
    try:
        while True:
            known = await loyalty(KNOWN, {"r": representations})
            cards = await owner(CRM_CARDS)
            in_loyalty = sum(bool(e["loyalty"]["known"]) for e in known["_entities"])
            in_crm = sum(g["count"] for g in cards["crmSummary"]["demographics"]["gender"])
            if in_loyalty >= clients and in_crm >= clients:
                return
            if time.perf_counter() > deadline:
                raise TimeoutError(
                    f"the cards reached loyalty {in_loyalty}, crm {in_crm} of {clients}"
                )
            await asyncio.sleep(0.5)
    finally:
        await loyalty.close()


async def applied_after(target: float, deadline: float) -> float:
    """When the consumer's count reached `target` (polled every 50 ms)."""
    while time.perf_counter() < deadline:
        if await purchases_applied() >= target:
            break
        await asyncio.sleep(0.05)
    return time.perf_counter()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Burst:
    label: str
    size: int
    published_s: float
    applied_s: float
    out: int
    out_s: float

    def rows(self) -> None:
        print(f"{self.label}: {self.size} purchases, published in {self.published_s:.2f} s")
        print(f"{'  purchases/s applied by the consumer':<44}{self.size / self.applied_s:>12.1f}")
        print(f"{'  purchases/s out as points (incl. relay)':<44}{self.out / self.out_s:>12.1f}")


async def burst_of(
    publisher: KafkaPublisher, tap: Tap, tenant: str, label: str, size: int, clients: int
) -> Burst:
    """A burst published at once, until the last points are out. The consumer's own pace is
    read from its `/metrics` counter; the end-to-end pace also waits for the relay to put
    every `points_earned` on Kafka."""
    invoices = {f"{label}-{i}" for i in range(size)}
    deadline = time.perf_counter() + TIME_LIMIT
    before = await purchases_applied()
    t0 = time.perf_counter()
    messages: list[Message] = []
    for i in range(size):
        env = purchase_envelope(tenant, f"c{i % clients}", f"{label}-{i}")
        messages.append((topics.INGEST_SALES, env.key.encode(), env.to_bytes()))
    for start in range(0, size, 1000):
        await publisher.publish_many(messages[start : start + 1000])
    published = time.perf_counter() - t0
    applied = await applied_after(before + size, deadline) - t0
    await tap.wait_for(invoices, deadline)
    done = [tap.seen[i] for i in invoices if i in tap.seen]
    return Burst(label, size, published, applied, len(done), (max(done) - t0) if done else 0.0)


async def main(burst: int, paced: int, clients: int) -> None:
    tenant = unique_tenant("bench-loyalty")
    owner = Graph(tenant, ["OWNER"])
    await configure(owner, pointValue="0.01", earnPercent="5")
    publisher = KafkaPublisher(KAFKA_BOOTSTRAP, options=kafka_options(), client_id="bench-loyalty")
    tap = Tap(tenant)
    await tap.open()
    deadline = time.perf_counter() + TIME_LIMIT
    try:
        await with_cards(publisher, owner, clients, deadline)
        # 1. Latency: one purchase at a time, waiting for its points before the next. The
        # first is not measured: it warms the process up for the fresh tenant (its
        # program and settings, a consumer that may still be joining its group).
        latencies: list[float] = []
        for i in range(-1, paced):
            invoice = f"L-{i}"
            env = purchase_envelope(tenant, f"c{i % clients}", invoice)
            sent = time.perf_counter()
            await publisher.publish(topics.INGEST_SALES, env.key.encode(), env.to_bytes())
            if not await tap.wait_for({invoice}, deadline):
                break
            if i >= 0:
                latencies.append(tap.seen[invoice] - sent)
        # 2. Throughput with the whole platform running: crm, notifications and clients
        # follow every `points_earned` on the same two cores and the same FerretDB.
        shared = await burst_of(publisher, tap, tenant, "S", burst, clients)
        # 3. The loyalty consumer alone, as on its own pod: the other services pause.
        with paused(OTHER_SERVICES):
            alone = await burst_of(publisher, tap, tenant, "A", burst, clients)
    finally:
        await tap.consumer.stop()
        await publisher.stop()
        await owner.close()

    print(f"tenant {tenant}: {clients} clients, 20.00 EUR cash purchases -> 400 points each")
    print(f"{'paced purchases measured':<44}{len(latencies):>12}")
    if latencies:
        print(
            f"{'purchase->points latency p50 (ms)':<44}{statistics.median(latencies) * 1000:>12.1f}"
        )
        print(f"{'purchase->points latency p99 (ms)':<44}{pct(latencies, 0.99) * 1000:>12.1f}")
        print(f"{'purchase->points latency max (ms)':<44}{max(latencies) * 1000:>12.1f}")
    shared.rows()
    alone.rows()
    if latencies:
        result("purchase->points p50", statistics.median(latencies) * 1000, "ms")
        result("purchase->points p99", pct(latencies, 0.99) * 1000, "ms", "< 300 ms")
    result(
        "purchases/s, one loyalty consumer (machine to itself)",
        alone.size / alone.applied_s,
        "1/s",
        ">= 2,000",
    )
    result("purchases/s out as points_earned (alone, incl. relay)", alone.out / alone.out_s, "1/s")
    result(
        "purchases/s, one loyalty consumer (whole platform running)",
        shared.size / shared.applied_s,
        "1/s",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--paced", type=int, default=100)
    parser.add_argument("--clients", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(min(args.burst, 20_000), min(args.paced, 500), max(args.clients, 1)))
