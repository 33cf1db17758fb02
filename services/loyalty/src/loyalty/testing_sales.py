"""Sales and the program they earn by, shared by loyalty's integration tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from loyalty.adapters.tenant_storage import LoyaltyStores
from loyalty.domain.earning import Line, Payment
from loyalty.service_layer import points, purchases

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def program_on(stores: LoyaltyStores, tenant: str) -> None:
    """The points program on, and the cards of c1, c2 and c3 known (as their
    `clients.client_created` leaves them): a purchase before its card waits for it."""
    await points.update_program(
        stores.tenant(tenant),
        T0 - timedelta(days=1),
        lambda p: dataclasses.replace(p, enabled=True, earn_percent=Decimal("5")),
    )
    for client in ("c1", "c2", "c3"):
        await points.remember_client(stores.tenant(tenant), client, {"known": True})


def purchase(
    client: str, invoice: str, amount: str = "20.00", minutes: int = 0
) -> purchases.Purchase:
    at = T0 + timedelta(minutes=minutes)
    return purchases.Purchase(
        invoice=invoice,
        client_id=client,
        branch_id="b1",
        occurred_at=at,
        recorded_at=at,
        lines=[Line("SERVICE", "s1", "Class", Decimal(amount), 1)],
        payments=[Payment("CASH", Decimal(amount))],
    )


async def ledger(stores: LoyaltyStores, tenant: str, client: str) -> list[tuple[str, int, int]]:
    state = (await stores.tenant(tenant).accounts().load(client)).state
    entries = [] if state is None else state.account.entries
    return [(e.invoice_number or "", e.points, e.balance_after) for e in entries]
