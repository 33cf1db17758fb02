"""crm summary benchmark: how fast one consumer applies partner facts, and how fast
`crmSummary` answers for a large studio, through the gateway.

    uv run python bench/crm_summary.py [--history-clients 100000] [--history-bookings 1000000]
        [--clients 100] [--bookings 1000] [--queries 300]

Loads a fresh studio on 127.0.0.1 only. First a year of history (`crm_history`: client
cards and bookings written straight into crm's read models, in the shape the consumer
keeps them), then live facts through Kafka: client cards (as `clients.client_created`
events), sessions and bookings (on `ingest.bookings`), all on one day, which measures
the facts/s one consumer applies. The summary is then asked for days and months spread
over the whole history and for the busy day, by service and overall. The history is
deleted at the end (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.mongo import create_client
from plumbing.testing import KAFKA_BOOTSTRAP, MONGO_URL, Graph, kafka_options, unique_tenant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench import crm_history
from bench.common import result, settled

SUMMARY = """
query($d: Date!, $p: Period, $s: ID) {
  crmSummary(date: $d, period: $p) {
    occupancy(serviceId: $s) { at placesOffered placesBooked rate }
    bookedToday { count clients(first: 20) { id } } bookedFromApp
    onWaitlist { count } waitlistConverted cancelled { count } rebookedWithin7Days
    withUnpaidSale { count } birthdays { count }
    withActiveFee withBalance withUnusedBalance withBalanceNoBooking activeInApp
    demographics { gender { key count } ageBands { key count } }
  }
}"""


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--history-clients", type=int, default=100_000)
    parser.add_argument("--history-bookings", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the history afterwards")
    args = parser.parse_args()
    tenant = unique_tenant("bench-crm")
    owner = Graph(tenant, ["OWNER"])
    producer = AIOKafkaProducer(**kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP, linger_ms=5)
    await producer.start()
    mongo = create_client(MONGO_URL)
    crm_db = mongo["crm"]
    await settled()  # not measured against the backlog of a benchmark run before this one
    day = datetime.now(UTC).date() + timedelta(days=1)
    history = None
    if args.history_clients:
        history = await crm_history.load(
            crm_db,
            tenant,
            clients=args.history_clients,
            bookings=args.history_bookings,
            until=day,
        )
        written = ", ".join(f"{n:,} {c}" for c, n in history.counts.items())
        print(f"{'history written':<34}{written} in {history.seconds:.0f} s")
    clients = [f"bc{i:06d}" for i in range(args.clients)]
    sessions = max(args.bookings // 20, 1)
    try:

        async def send(topic: str, envelope: Envelope) -> None:
            await producer.send(topic, envelope.to_bytes(), key=envelope.key.encode())

        for i, client in enumerate(clients):
            birth = f"{1960 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            await send(
                topics.CLIENTS,
                Envelope(
                    type="clients.client_created.v1",
                    source="bench/crm",
                    tenant=tenant,
                    subject=client,
                    data={
                        "client_id": client,
                        "first_name": "Bench",
                        "last_name": str(i),
                        "gender": ("FEMALE", "MALE", None)[i % 3],
                        "birth_date": birth,
                        "status": "ACTIVE",
                        "source": "IMPORT",
                    },
                ),
            )
        for s in range(sessions):
            starts = datetime(day.year, day.month, day.day, 6 + s % 16, tzinfo=UTC)
            await send(
                topics.INGEST_BOOKINGS,
                Envelope(
                    type="ingest.session_scheduled.v1",
                    source="bench/crm",
                    tenant=tenant,
                    subject=None,
                    data={
                        "session_id": f"bs{s}",
                        "service_id": f"svc{s % 5}",
                        "professional_id": f"pro{s % 7}",
                        "starts_at": starts.isoformat(),
                        "capacity": 25,
                    },
                ),
            )
        await producer.flush()
        # Cards and sessions first: a booking for a client crm has not heard of yet waits
        # for the card (UNKNOWN_CLIENT, the two facts travel on different topics) and
        # would be measured late.
        known = 0
        waited = time.perf_counter()
        cards = len(clients) + args.history_clients
        while known < cards and time.perf_counter() - waited < args.timeout:
            data = await owner(SUMMARY, {"d": day.isoformat(), "s": None})
            known = sum(g["count"] for g in data["crmSummary"]["demographics"]["gender"])
            await asyncio.sleep(1.0)
        print(f"{'cards applied in (s)':<34}{time.perf_counter() - waited:.1f}")
        await asyncio.sleep(2)  # the sessions travel behind the cards
        started = time.perf_counter()
        for b in range(args.bookings):
            client = clients[b % len(clients)]
            await send(
                topics.INGEST_BOOKINGS,
                Envelope(
                    type="ingest.booking_made.v1",
                    source="bench/crm",
                    tenant=tenant,
                    subject=client,
                    data={
                        "booking_id": f"bb{b}",
                        "client_id": client,
                        "session_id": f"bs{b % sessions}",
                        "from_app": b % 4 == 0,
                        "balance_kind": "CREDIT",
                        "occurred_at": datetime.now(UTC).isoformat(),
                    },
                ),
            )
        await producer.flush()
        expected = min(args.bookings, len(clients))
        applied = 0.0
        while time.perf_counter() - started < args.timeout:
            data = await owner(SUMMARY, {"d": day.isoformat(), "s": None})
            booked = sum(p["placesBooked"] for p in data["crmSummary"]["occupancy"])
            if booked >= args.bookings and data["crmSummary"]["bookedToday"]["count"] >= expected:
                applied = time.perf_counter() - started
                break
            await asyncio.sleep(1.0)
        rate = args.bookings / applied if applied else float("nan")

        await settled()  # the facts' other effects (timelines, other services) are done
        latencies = []
        for q in range(args.queries):
            # Every third query the busy day; the others any day or month of the year.
            asked = day if q % 3 == 0 else day - timedelta(days=1 + (q * 37) % 365)
            variables = {
                "d": asked.isoformat(),
                "p": "MONTH" if q % 5 == 1 else "DAY",
                "s": f"svc{q % 5}" if q % 2 else None,
            }
            t0 = time.perf_counter()
            await owner(SUMMARY, variables)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()

        def p(fraction: float) -> float:
            return latencies[min(int(fraction * len(latencies)), len(latencies) - 1)]

        print(f"{'tenant':<34}{tenant}")
        print(
            f"{'studio':<34}{args.history_clients + args.clients:,} clients,"
            f" {(history.bookings if history else 0) + args.bookings:,} bookings"
        )
        print(
            f"{'live clients, sessions, bookings':<34}{args.clients}, {sessions}, {args.bookings}"
        )
        print(f"{'bookings applied in (s)':<34}{applied:.1f}")
        print(f"{'facts/s (one consumer)':<34}{rate:.1f}")
        if rate == rate:
            print(
                f"{'1,000,000 bookings would take':<34}{1_000_000 / rate / 3600:.1f} h at that rate"
            )
        print(f"{'crmSummary queries':<34}{len(latencies)}")
        print(f"{'crmSummary p50 (ms)':<34}{statistics.median(latencies):.1f}")
        print(f"{'crmSummary p95 (ms)':<34}{p(0.95):.1f}")
        print(f"{'crmSummary p99 (ms)':<34}{p(0.99):.1f}")
        result("facts/s, one crm consumer (bookings)", rate, "1/s")
        size = f"{args.history_clients + args.clients:,} clients"
        result(f"crmSummary p50 ({size})", statistics.median(latencies), "ms")
        result(f"crmSummary p95 ({size})", p(0.95), "ms", "< 50 ms")
        result(f"crmSummary p99 ({size})", p(0.99), "ms")
    finally:
        await producer.stop()
        await owner.close()
        if history is not None and not args.keep:
            await crm_history.remove(crm_db, history)
        await mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
