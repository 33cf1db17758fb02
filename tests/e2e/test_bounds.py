"""Bounds on money, points and the time a fact happened (`plumbing.bounds`), through the
gateway and straight onto Kafka: what one service refuses every other refuses too, and
nothing a partner sends can make a client list unanswerable.

- an amount above 1,000,000.00 (99,999,999,999.99 once credited 999,999,999,999 points;
  1e20, 1e30) or with more than 2 decimals: BAD_AMOUNT from the graph, parked by crm AND
  loyalty from Kafka; NaN is refused by the Decimal scalar (BAD_USER_INPUT), and parked
  with BAD_AMOUNT from Kafka;
- a balance never passes 2,000,000,000: a sale at the maximum amount and the richest
  program is credited up to it, a grant by hand beyond it is POINTS_LIMIT, and the client
  list with balances still answers;
- a fact from the future (a visit in 2031, a purchase 400 days ahead): FUTURE_TIME from
  the graph, parked from Kafka, no promotion, no points;
- a time without offset: NAIVE_TIME in crm, loyalty and ranks (from the DateTime scalar
  through the graph, parked from Kafka), never a server error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from loyalty.testing import GRANT, account, balance_becomes, configure, publish, purchase
from plumbing import topics
from plumbing.testing import Graph, eventually

from ..journeys import DlqTap, new_client

WAIT = 60.0
# The richest program there is: 100 % back at 0.0001 a point (10,000 points a unit).
RICHEST = {"pointValue": "0.0001", "earnPercent": "100"}
# Amounts far above the maximum: a string, a JSON number, an exponent.
HUGE: tuple[str | float, ...] = ("99999999999.99", 1e20, "1e30")

PURCHASE = """
mutation($input: PurchaseInput!) {
  recordPurchase(input: $input) { accepted userErrors { code field message } }
}"""
GIFT = """
mutation($c: ID!, $b: Decimal!, $at: DateTime!) {
  recordGiftCard(id: "G1", clientId: $c, code: "G-1", balance: $b, currency: "EUR",
                 reportedAt: $at) { accepted userErrors { code field message } }
}"""
VISIT = """
mutation($c: ID!, $at: DateTime!) {
  recordVisit(clientId: $c, attendedAt: $at) { accepted userErrors { code field message } }
}"""
REDEEM = """
mutation($c: ID!, $a: Decimal!) {
  redeemPoints(clientId: $c, invoiceNumber: "R-1", amount: $a, channel: IN_STUDIO) {
    userErrors { code field message }
  }
}"""
LIST = "{ clients(first: 100) { totalCount edges { node { id loyalty { balance } } } } }"
REPORT = """
query($from: DateTime!, $to: DateTime!) {
  pointsEarnedReport(from: $from, to: $to) { totalPoints }
}"""
LEDGER = """
query($id: ID!, $from: DateTime) {
  client(id: $id) { loyalty { ledger(from: $from) { edges { node { id } } } } }
}"""
RANK_PROGRAM = (
    "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } } }"
)
CATEGORY = """
mutation($input: RankCategoryInput!) {
  createRankCategory(input: $input) { category { id } userErrors { code message } }
}"""
ADD_RANK = """
mutation($c: ID!, $i: RankInput!) { addRank(categoryId: $c, input: $i) { rank { id } } }"""
ASSIGN = """
mutation($c: ID!, $r: ID!) { assignRank(clientId: $c, rankId: $r) { userErrors { code } } }"""
CARD = """
query($id: ID!) {
  client(id: $id) { ranks { rank { name } visitsInRank } rankHistory { kind trigger } }
}"""
RANK_REPORT = """
query($c: ID!, $since: DateTime!) {
  rankReport(categoryId: $c, filter: {autoPromotedSince: $since}) { totalCount }
}"""


@pytest.fixture
async def sales_dlq() -> AsyncIterator[DlqTap]:
    tap = DlqTap(topics.INGEST_SALES)
    await tap.open()
    yield tap
    await tap.consumer.stop()


@pytest.fixture
async def bookings_dlq() -> AsyncIterator[DlqTap]:
    tap = DlqTap(topics.INGEST_BOOKINGS)
    await tap.open()
    yield tap
    await tap.consumer.stop()


def sale_input(
    client_id: str, invoice: str, at: datetime, lines: list[str], payments: list[str]
) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "invoiceNumber": invoice,
        "channel": "IN_STUDIO",
        "occurredAt": at.isoformat(),
        "lines": [
            {"category": "SERVICE", "itemId": "s", "name": "Class", "amount": amount}
            for amount in lines
        ],
        "payments": [{"method": "CASH", "amount": amount} for amount in payments],
    }


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def crm_knows(owner: Graph, client_id: str) -> None:
    """crm heard of the card: a fact about it is not UNKNOWN_CLIENT (a sale of 0.00)."""
    probe = sale_input(client_id, f"PROBE-{client_id}", datetime.now(UTC), ["0.00"], [])

    async def known() -> bool:
        data = await owner(PURCHASE, {"input": probe})
        return bool(data["recordPurchase"]["accepted"])

    await eventually(known, timeout=WAIT)


def parked_by(parks: list[dict[str, Any]], consumer: str, code: str) -> list[dict[str, Any]]:
    return [
        p
        for p in parks
        if str(p.get("reason", "")).startswith(f"{code}: ")
        and p.get("consumer", consumer) == consumer
    ]


async def clients_list_answers(owner: Graph) -> dict[str, int]:
    """The README's first query, balances included, answers without errors."""
    body = await owner.raw(LIST)
    assert "errors" not in body, body
    return {
        e["node"]["id"]: e["node"]["loyalty"]["balance"] for e in body["data"]["clients"]["edges"]
    }


async def test_money_out_of_bounds_is_refused_by_the_graph_and_parked_by_crm_and_loyalty(
    owner: Graph, sales_dlq: DlqTap
) -> None:
    await configure(owner, **RICHEST)
    tenant = owner.tenant
    ana = await new_client(owner, "Ana", "Bounds")
    now = datetime.now(UTC).replace(microsecond=0)

    # Through the graph: each amount, refused with the caller's field.
    async def record(lines: list[str], payments: list[str]) -> list[tuple[str, list[str]]]:
        data = await owner(PURCHASE, {"input": sale_input(ana, "G-1", now, lines, payments)})
        assert data["recordPurchase"]["accepted"] is False
        return errors(data["recordPurchase"])

    for amount in (*HUGE, "-1.00", "10.005"):
        assert await record([str(amount)], []) == [
            ("BAD_AMOUNT", ["input", "lines", "0", "amount"])
        ]
    # Not a number at all: the Decimal scalar refuses it before any rule runs.
    for amount in ("NaN", "Infinity"):
        sale = sale_input(ana, "G-1", now, [amount], [])
        refused = await owner.raw(PURCHASE, {"input": sale})
        assert refusal(refused) == ("BAD_USER_INPUT", "Argument 'input' of 'recordPurchase'")
    assert await record(["10.00"], ["1e30"]) == [
        ("BAD_AMOUNT", ["input", "payments", "0", "amount"])
    ]
    assert await record(["600000.00", "400000.01"], []) == [("BAD_AMOUNT", ["input", "lines"])]
    gift = await owner(GIFT, {"c": ana, "b": "1e30", "at": now.isoformat()})
    assert errors(gift["recordGiftCard"]) == [("BAD_AMOUNT", ["balance"])]
    redeem = await owner(REDEEM, {"c": ana, "a": "1e30"})
    assert errors(redeem["redeemPoints"]) == [("BAD_AMOUNT", ["amount"])]

    # Straight onto Kafka: the same amounts, then a good sale behind them on the same
    # partition (same client): once it earned, the bad ones were read before it.
    for n, amount in enumerate((*HUGE, "NaN")):
        line: dict[str, Any] = {
            "category": "SERVICE",
            "item_id": "s",
            "name": "s",
            "amount": amount,
        }
        await purchase(tenant, ana, f"K-{n}", [line], [("CASH", "10.00")])
    await purchase(tenant, ana, "K-ok", [("SERVICE", "s", "10.00")], [("CASH", "10.00")])
    got = await balance_becomes(owner, ana, 100_000)  # 10.00 x 100 % / 0.0001
    assert [e["node"]["invoiceNumber"] for e in got["ledger"]["edges"]] == ["K-ok"]

    def both_parked(parks: list[dict[str, Any]]) -> bool:
        return all(len(parked_by(parks, who, "BAD_AMOUNT")) >= 4 for who in ("crm", "loyalty"))

    parks = await eventually(lambda: sales_dlq.parked(tenant), until=both_parked, timeout=WAIT)
    reasons = [p["reason"] for p in parked_by(parks, "loyalty", "BAD_AMOUNT")]
    assert any("1E+20 is above the maximum 1000000.00" in r for r in reasons), reasons
    assert any("1E+30 is above the maximum 1000000.00" in r for r in reasons), reasons
    assert (await clients_list_answers(owner))[ana] == 100_000


async def test_a_balance_stops_at_the_maximum_and_the_client_list_still_answers(
    owner: Graph,
) -> None:
    await configure(owner, **RICHEST)
    tenant = owner.tenant
    rich = await new_client(owner, "Rich", "Bounds")
    await crm_knows(owner, rich)
    # The largest sale there may be, at the richest rate: 10^10 points by the formula.
    at_max = sale_input(rich, "MAX-1", datetime.now(UTC), ["1000000.00"], ["1000000.00"])
    accepted = await owner(PURCHASE, {"input": at_max})
    assert accepted["recordPurchase"]["accepted"] is True, accepted
    got = await balance_becomes(owner, rich, 2_000_000_000)
    [earned] = [e["node"] for e in got["ledger"]["edges"]]
    assert (earned["points"], earned["balanceAfter"]) == (2_000_000_000, 2_000_000_000)
    assert earned["note"] == (
        "8000000000 points above the maximum balance of 2000000000 were not credited"
    )
    # A second sale at the maximum earns nothing more; a grant by hand is refused.
    await purchase(
        tenant, rich, "MAX-2", [("SERVICE", "s", "1000000.00")], [("CASH", "1000000.00")]
    )
    refused = await owner(GRANT, {"c": rich, "p": 1, "n": "gift"})
    assert errors(refused["grantPoints"]) == [("POINTS_LIMIT", ["points"])]
    balances = await eventually(
        lambda: clients_list_answers(owner), until=lambda b: b.get(rich) == 2_000_000_000
    )
    assert balances[rich] == 2_000_000_000
    assert (await account(owner, rich))["balance"] == 2_000_000_000


async def test_facts_from_the_future_are_refused_and_never_promote_or_earn(
    owner: Graph, sales_dlq: DlqTap, bookings_dlq: DlqTap
) -> None:
    await configure(owner, **RICHEST)
    tenant = owner.tenant
    await owner(RANK_PROGRAM)
    made = await owner(CATEGORY, {"input": {"name": "Karate", "autoPromote": True}})
    category_id = made["createRankCategory"]["category"]["id"]
    white = (await owner(ADD_RANK, {"c": category_id, "i": {"name": "White"}}))["addRank"]
    await owner(ADD_RANK, {"c": category_id, "i": {"name": "Yellow", "criteria": {"minVisits": 2}}})
    bea = await new_client(owner, "Bea", "Bounds")
    assigned = await owner(ASSIGN, {"c": bea, "r": white["rank"]["id"]})
    assert assigned["assignRank"]["userErrors"] == []
    in_2031 = datetime(2031, 1, 15, 18, 0, tzinfo=UTC)
    ahead = datetime.now(UTC) + timedelta(days=400)

    # Through the graph.
    visit = await owner(VISIT, {"c": bea, "at": in_2031.isoformat()})
    assert errors(visit["recordVisit"]) == [("FUTURE_TIME", ["attendedAt"])]
    sale = sale_input(bea, "F-1", ahead, ["10.00"], ["10.00"])
    bought = await owner(PURCHASE, {"input": sale})
    assert errors(bought["recordPurchase"]) == [("FUTURE_TIME", ["input", "occurredAt"])]

    # Straight onto Kafka: the 2031 visit, then one real visit behind it.
    for visit_id, at in (("v-2031", in_2031), ("v-now", datetime.now(UTC))):
        await publish(
            tenant,
            "ingest.visit_recorded.v1",
            topics.INGEST_BOOKINGS,
            bea,
            {"visit_id": visit_id, "client_id": bea, "attended_at": at.isoformat()},
        )
    await purchase(
        tenant, bea, "F-400", [("SERVICE", "s", "10.00")], [("CASH", "10.00")], occurred_at=ahead
    )
    await purchase(tenant, bea, "F-now", [("SERVICE", "s", "1.00")], [("CASH", "1.00")])

    seen = await eventually(
        lambda: owner(CARD, {"id": bea}),
        until=lambda c: c["client"]["ranks"][0]["visitsInRank"] == 1,
        timeout=WAIT,
    )
    assert seen["client"]["ranks"][0]["rank"]["name"] == "White"  # one visit: not promoted
    assert [h["kind"] for h in seen["client"]["rankHistory"]] == ["ASSIGNMENT"]
    got = await balance_becomes(owner, bea, 10_000)  # only the sale of today earned
    assert [e["node"]["invoiceNumber"] for e in got["ledger"]["edges"]] == ["F-now"]

    visits = await eventually(
        lambda: bookings_dlq.parked(tenant),
        until=lambda p: all(parked_by(p, who, "FUTURE_TIME") for who in ("crm", "ranks")),
        timeout=WAIT,
    )
    assert all(parked_by(visits, who, "FUTURE_TIME") for who in ("crm", "ranks", "loyalty"))
    sales = await eventually(
        lambda: sales_dlq.parked(tenant),
        until=lambda p: all(parked_by(p, who, "FUTURE_TIME") for who in ("crm", "loyalty")),
        timeout=WAIT,
    )
    assert "has not happened yet" in parked_by(sales, "loyalty", "FUTURE_TIME")[0]["reason"]


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    """The code of the one error and the start of its message (whose argument)."""
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"].split(" has ")[0]


async def test_times_without_offset_are_naive_time_in_crm_loyalty_and_ranks(
    owner: Graph, sales_dlq: DlqTap, bookings_dlq: DlqTap
) -> None:
    await configure(owner, **RICHEST)
    tenant = owner.tenant
    cleo = await new_client(owner, "Cleo", "Bounds")
    naive = "2026-01-01T10:00:00"

    # The graph: crm's facts, loyalty's report and ledger, ranks' report.
    # Refused by the DateTime scalar, one code in every service, never a server error.
    visit = await owner.raw(VISIT, {"c": cleo, "at": naive})
    assert refusal(visit) == ("NAIVE_TIME", "Argument 'attendedAt' of 'recordVisit'"), visit
    sale = {**sale_input(cleo, "N-1", datetime.now(UTC), ["10.00"], []), "occurredAt": naive}
    refused = await owner.raw(PURCHASE, {"input": sale})
    assert refusal(refused) == ("NAIVE_TIME", "Argument 'input' of 'recordPurchase'"), refused
    report = await owner.raw(REPORT, {"from": naive, "to": "2026-02-01T00:00:00+00:00"})
    assert [e["extensions"]["code"] for e in report["errors"]] == ["NAIVE_TIME"], report
    ledger = await owner.raw(LEDGER, {"id": cleo, "from": naive})
    assert [e["extensions"]["code"] for e in ledger["errors"]] == ["NAIVE_TIME"], ledger
    await owner(RANK_PROGRAM)
    made = await owner(CATEGORY, {"input": {"name": "Judo"}})
    category_id = made["createRankCategory"]["category"]["id"]
    ranks = await owner.raw(RANK_REPORT, {"c": category_id, "since": naive})
    assert [e["extensions"]["code"] for e in ranks["errors"]] == ["NAIVE_TIME"], ranks

    # Kafka: parked with the code by every reader (loyalty used to crash on these).
    await publish(
        tenant,
        "ingest.visit_recorded.v1",
        topics.INGEST_BOOKINGS,
        cleo,
        {"visit_id": "v-naive", "client_id": cleo, "attended_at": naive},
    )
    await purchase(tenant, cleo, "N-2", [("SERVICE", "s", "10.00")], [("CASH", "10.00")])
    await publish(
        tenant,
        "ingest.purchase_recorded.v1",
        topics.INGEST_SALES,
        cleo,
        {
            "invoice_number": "N-3",
            "client_id": cleo,
            "occurred_at": naive,
            "lines": [{"category": "SERVICE", "item_id": "s", "name": "s", "amount": "5.00"}],
            "payments": [{"method": "CASH", "amount": "5.00"}],
        },
    )
    await eventually(
        lambda: bookings_dlq.parked(tenant),
        until=lambda p: all(parked_by(p, w, "NAIVE_TIME") for w in ("crm", "ranks", "loyalty")),
        timeout=WAIT,
    )
    await eventually(
        lambda: sales_dlq.parked(tenant),
        until=lambda p: all(parked_by(p, w, "NAIVE_TIME") for w in ("crm", "loyalty")),
        timeout=WAIT,
    )
    await balance_becomes(owner, cleo, 100_000)  # N-2 only
