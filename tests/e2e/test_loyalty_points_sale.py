"""L3 from seed 002: "los usuarios pueden acumular puntos … que luego pueden ser usados como
forma de pago"; "Los puntos pueden ser usados como pago parcial … pero si el cliente los
usan para pagar desde la APP, se deberá disponer del saldo completo". A point-of-sale
system records the sale with all its payments, points included: the sale takes the
points (oldest first) exactly once, unless a redemption for the invoice already took
them; a refund gives them back. Point value 0.01 EUR, 5 %, as in the seed's examples."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.testing import (
    REDEEM,
    account,
    balance_becomes,
    configure,
    create_client,
    known,
    purchase,
    refund,
)
from plumbing import topics
from plumbing.testing import Graph, eventually

from ..journeys import DlqTap

SEED = {"pointValue": "0.01", "earnPercent": "5"}
GRANT = """
mutation($c: ID!, $p: Int!) {
  grantPoints(clientId: $c, points: $p, note: "regalo") { userErrors { code } }
}"""
RECORD = """
mutation($input: PurchaseInput!) {
  recordPurchase(input: $input) { accepted status eventId userErrors { code field } }
}"""


def kinds(acc: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [
        (e["node"]["kind"], e["node"]["points"], e["node"]["invoiceNumber"])
        for e in reversed(acc["ledger"]["edges"])
    ]


async def ready_client(owner: Graph, points: int) -> str:
    await configure(owner, **SEED)
    client = await create_client(owner, "Lucía")
    await known(owner, client)
    assert (await owner(GRANT, {"c": client, "p": points}))["grantPoints"]["userErrors"] == []
    await balance_becomes(owner, client, points)
    return client


async def test_l3_a_till_sale_paid_partly_in_points_takes_them_once(owner: Graph) -> None:
    client = await ready_client(owner, 1000)
    # 30 € massage: 5 € in points (500 points), 25 € by card. Reported twice (a retry).
    lines = [("SERVICE", "masaje", "30.00")]
    payments = [("POINTS", "5.00"), ("CARD", "25.00")]
    await purchase(owner.tenant, client, "F-100", lines, payments, copies=2)
    acc = await balance_becomes(owner, client, 500)
    # Paid with points: the sale earns nothing (seed: "el cliente no ganará más puntos").
    assert kinds(acc) == [("GRANT", 1000, None), ("REDEEM", -500, "F-100")]
    await refund(owner.tenant, "F-100", client)
    acc = await balance_becomes(owner, client, 1000)
    assert [k for k, _, _ in kinds(acc)] == ["GRANT", "REDEEM", "REVERSAL"]


async def test_l3_a_redemption_at_the_desk_then_the_sale_takes_nothing_more(
    owner: Graph,
) -> None:
    client = await ready_client(owner, 1000)
    desk = await owner(
        REDEEM, {"c": client, "i": "F-200", "a": "3.00", "ch": "IN_STUDIO", "b": None}
    )
    assert desk["redeemPoints"]["userErrors"] == []
    sale = {
        "clientId": client,
        "invoiceNumber": "F-200",
        "channel": "IN_STUDIO",
        "occurredAt": datetime.now(UTC).isoformat(),
        "lines": [{"category": "SERVICE", "itemId": "corte", "name": "Corte", "amount": "20.00"}],
        "payments": [{"method": "POINTS", "amount": "3.00"}, {"method": "CASH", "amount": "17.00"}],
    }
    recorded = await owner(RECORD, {"input": sale})
    assert recorded["recordPurchase"]["status"] == "ACCEPTED"
    # The sale reaches loyalty through Kafka; the points were taken once, by the desk.
    await eventually(
        lambda: account(owner, client),
        until=lambda a: any(n["node"]["invoiceNumber"] == "F-200" for n in a["ledger"]["edges"]),
    )
    await _settled(owner, client, 700)
    acc = await account(owner, client)
    assert [(k, p) for k, p, i in kinds(acc) if i == "F-200"] == [("REDEEM", -300)]


async def test_l10_an_app_sale_without_the_whole_amount_is_parked(owner: Graph) -> None:
    dlq = DlqTap(topics.INGEST_SALES)
    await dlq.open()
    try:
        client = await ready_client(owner, 200)
        lines = [("SERVICE", "yoga", "10.00")]
        await purchase(owner.tenant, client, "APP-1", lines, [("POINTS", "10.00")], channel="APP")
        parked = await eventually(
            lambda: dlq.parked(owner.tenant),
            until=lambda p: any("INSUFFICIENT_POINTS" in str(x) for x in p),
        )
        assert parked
        assert (await account(owner, client))["balance"] == 200  # nothing was taken
    finally:
        await dlq.consumer.stop()


async def _settled(owner: Graph, client: str, balance: int) -> None:
    """The balance is `balance` and stays so for a moment (no second taking arrives)."""
    await balance_becomes(owner, client, balance)
    deadline = datetime.now(UTC) + timedelta(seconds=2)
    while datetime.now(UTC) < deadline:
        assert (await account(owner, client))["balance"] == balance
        await asyncio.sleep(0.3)
