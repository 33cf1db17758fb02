"""Loyalty: purchases/s of the bulk purchase path as the clients' histories grow.

    uv run python bench/loyalty_history.py [--clients 300] [--entries 120]

Runs of purchases (two per client each) go straight through `PurchaseBatches`, the
consumer's bulk path, on a scratch database of the local FerretDB (no Kafka, no relay),
until every client holds `--entries` ledger entries. Prints purchases/s by how long the
clients' histories are: a state that carried the whole ledger made every purchase of a
regular slower; sealed ledger pages keep it flat. The scratch database is dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from loyalty.adapters.accounts import ACCOUNTS
from loyalty.adapters.programs import PROGRAM_VERSIONS
from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import Line, Payment
from loyalty.service_layer import points, purchases
from loyalty.service_layer.batches import PurchaseBatches
from plumbing.storage import open_storage
from plumbing.testing import scratch_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run python bench/…`
from bench.common import result

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TENANT = "bench-history"
TIME_LIMIT = 300.0


def purchase(client: int, n: int) -> purchases.Purchase:
    at = T0 + timedelta(minutes=n)
    return purchases.Purchase(
        invoice=f"H-{client}-{n}",
        client_id=f"c{client}",
        branch_id="b1",
        occurred_at=at,
        recorded_at=at,
        lines=[Line("SERVICE", "s1", "Class", Decimal("20.00"), 1)],
        payments=[Payment("CASH", Decimal("20.00"))],
    )


async def main(clients: int, entries: int) -> None:
    async with scratch_database("bench_loyalty_history") as db:
        stores = LoyaltyStores(await open_storage(db, [ACCOUNTS, PROGRAM_VERSIONS]), db)
        await points.update_program(
            stores.tenant(TENANT),
            T0 - timedelta(days=1),
            lambda p: dataclasses.replace(p, enabled=True, earn_percent=Decimal("5")),
        )
        # The clients' cards have arrived: a purchase before its card waits for it.
        for c in range(clients):
            await points.remember_client(stores.tenant(TENANT), f"c{c}", {"known": True})
        batches = PurchaseBatches(stores)
        deadline = time.perf_counter() + TIME_LIMIT
        rates: list[tuple[int, float]] = []
        window_started, window_count = time.perf_counter(), 0
        for depth in range(0, entries, 2):
            run = [(TENANT, purchase(c, depth + k)) for c in range(clients) for k in range(2)]
            left = await batches.apply(run)
            assert not left, f"{len(left)} purchases left to the one-at-a-time path"
            window_count += len(run)
            if (depth + 2) % 20 == 0:
                now = time.perf_counter()
                rates.append((depth + 2, window_count / (now - window_started)))
                print(f"  history {depth + 2:>4} entries: {rates[-1][1]:>8.0f} purchases/s")
                window_started, window_count = now, 0
            if time.perf_counter() > deadline:
                print(f"  stopped at {depth + 2} entries: time limit")
                break
    if rates:
        result("bulk purchases/s, clients with 20 entries", rates[0][1], "1/s")
        result(f"bulk purchases/s, clients with {rates[-1][0]} entries", rates[-1][1], "1/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--entries", type=int, default=120)
    args = parser.parse_args()
    asyncio.run(main(max(args.clients, 1), min(max(args.entries, 20), 1000)))
