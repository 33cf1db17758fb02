"""L1-L2 (and the earning side of L3): the program settings, and points earned from
`ingest.purchase_recorded` facts, with the seed's worked examples (point value 0.01 EUR,
5 %). Expected figures are worked out by hand in each test."""

from __future__ import annotations

from typing import Any

from loyalty.testing import (
    CONFIGURE,
    account,
    balance_becomes,
    configure,
    create_client,
    ledger_sum,
    purchase,
)
from plumbing.testing import Graph

SEED = {"pointValue": "0.01", "earnPercent": "5"}
PROGRAM = """{ loyaltyProgram { enabled pointValue { amount currency } earnPercent expiryDays
  nonEarningPaymentMethods receiptBranchIds } }"""
RULE = """
mutation($s: ID!, $n: String!, $e: Boolean!, $f: Int) {
  setServiceEarnRule(serviceId: $s, serviceName: $n, excluded: $e, fixedPoints: $f) {
    rule { serviceId serviceName excluded fixedPoints }
    userErrors { field code }
  }
}"""


async def test_l1_defaults_then_configured_program(owner: Graph) -> None:
    before = (await owner(PROGRAM))["loyaltyProgram"]
    assert before["enabled"] is False
    assert before["expiryDays"] == 365  # the seed's default
    assert before["pointValue"] == {"amount": "0.01", "currency": "EUR"}

    payload = await configure(
        owner, **SEED, nonEarningPaymentMethods=["CARD"], receiptBranchIds=["b1"]
    )
    assert payload["program"] == {
        "enabled": True,
        "pointValue": {"amount": "0.01", "currency": "EUR"},
        "earnPercent": "5",
        "expiryDays": 365,
        "nonEarningPaymentMethods": ["CARD"],
        "receiptBranchIds": ["b1"],
    }
    # A partial change keeps everything else.
    changed = await configure(owner, expiryDays=90)
    assert changed["program"]["expiryDays"] == 90
    assert changed["program"]["earnPercent"] == "5"
    assert (await owner(PROGRAM))["loyaltyProgram"]["nonEarningPaymentMethods"] == ["CARD"]


async def test_l1_bad_settings_are_user_errors(owner: Graph, graphs: Any) -> None:
    bad = {"pointValue": "0", "earnPercent": "150", "expiryDays": 0, "receiptBranchIds": [" "]}
    data = await owner(CONFIGURE, {"input": bad})
    payload = data["configureLoyaltyProgram"]
    assert payload["program"] is None
    codes = {e["code"]: e["field"] for e in payload["userErrors"]}
    assert codes == {
        "BAD_POINT_VALUE": ["input", "pointValue"],
        "BAD_EARN_PERCENT": ["input", "earnPercent"],
        "BAD_EXPIRY_DAYS": ["input", "expiryDays"],
        "BAD_BRANCH": ["input", "receiptBranchIds"],
    }
    more = await owner(CONFIGURE, {"input": {"pointValue": "0.00001", "earnPercent": "-1"}})
    assert {e["code"] for e in more["configureLoyaltyProgram"]["userErrors"]} == {
        "BAD_POINT_VALUE",
        "BAD_EARN_PERCENT",
    }
    # Nothing was stored.
    assert (await owner(PROGRAM))["loyaltyProgram"]["enabled"] is False
    # Operators do daily work, not program settings.
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(CONFIGURE, {"input": SEED})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await operator.raw(RULE, {"s": "s1", "n": "Massage", "e": True, "f": None})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_l2_seed_worked_examples(owner: Graph) -> None:
    await configure(owner, **SEED, nonEarningPaymentMethods=["CARD"])
    tenant = owner.tenant
    cash, card, mixed = [await create_client(owner, n) for n in ("Cash", "Card", "Mixed")]
    # 100 EUR service paid in cash: 100 x 5 % / 0.01 = 500 points.
    await purchase(tenant, cash, "F-1", [("SERVICE", "svc-1", "100.00")], [("CASH", "100.00")])
    # Paid by card, card is non-earning: 0 points.
    await purchase(tenant, card, "F-2", [("SERVICE", "svc-1", "100.00")], [("CARD", "100.00")])
    # 20 EUR with points + 80 EUR cash: any points payment earns nothing.
    await purchase(
        tenant,
        mixed,
        "F-3",
        [("SERVICE", "svc-1", "100.00")],
        [("POINTS", "20.00"), ("CASH", "80.00")],
    )
    # Markers on the same partitions (same client key): processed after the purchases above.
    await purchase(tenant, card, "F-2m", [("PRODUCT", "p", "1.00")], [("CASH", "1.00")])
    await purchase(tenant, mixed, "F-3m", [("PRODUCT", "p", "2.00")], [("CASH", "2.00")])

    got = await balance_becomes(owner, cash, 500)
    [earned] = [e["node"] for e in got["ledger"]["edges"]]
    assert earned["kind"] == "EARN"
    assert earned["points"] == 500
    assert earned["value"] == {"amount": "5.00", "currency": "EUR"}
    assert earned["invoiceNumber"] == "F-1"
    assert earned["sourceType"] == "PURCHASE"
    assert got["balanceValue"] == {"amount": "5.00", "currency": "EUR"}
    # 1 EUR cash = 5 points, 2 EUR = 10: the card and points purchases added nothing.
    assert (await balance_becomes(owner, card, 5))["ledger"]["edges"][0]["node"][
        "invoiceNumber"
    ] == "F-2m"
    assert ledger_sum(await balance_becomes(owner, mixed, 10)) == 10


async def test_l2_non_earning_share_is_allocated_across_lines_and_rounded_down(
    owner: Graph,
) -> None:
    await configure(owner, **SEED, nonEarningPaymentMethods=["CARD"])
    tenant = owner.tenant
    client = await create_client(owner, "Share")
    # Lines 70 + 30 = 100, paid 60 card + 40 cash: earning share 40 %.
    # 70 x 0.4 = 28 EUR -> 1400 x 5 % ... = 28 x 0.05 / 0.01 = 140; 30 x 0.4 = 12 -> 60.
    await purchase(
        tenant,
        client,
        "S-1",
        [("SERVICE", "a", "70.00"), ("PRODUCT", "b", "30.00")],
        [("CARD", "60.00"), ("CASH", "40.00")],
    )
    await balance_becomes(owner, client, 200)
    # Rounding is per line and down: 9.99 x 0.05 / 0.01 = 49.95 -> 49.
    await purchase(tenant, client, "S-2", [("PRODUCT", "c", "9.99")], [("CASH", "9.99")])
    await balance_becomes(owner, client, 249)
    # Two lines of 0.19: 0.95 each -> 0 + 0 (on their sum it would have been 1).
    await purchase(
        tenant,
        client,
        "S-3",
        [("PRODUCT", "d", "0.19"), ("PRODUCT", "e", "0.19")],
        [("CASH", "0.38")],
    )
    # Exactly a whole number stays whole: 0.20 x 0.05 / 0.01 = 1.
    await purchase(tenant, client, "S-4", [("PRODUCT", "f", "0.20")], [("CASH", "0.20")])
    got = await balance_becomes(owner, client, 250)
    invoices = [e["node"]["invoiceNumber"] for e in got["ledger"]["edges"]]
    assert "S-3" not in invoices
    assert ledger_sum(got) == 250


async def test_l2_service_rules_fixed_or_excluded(owner: Graph, graphs: Any) -> None:
    await configure(owner, **SEED)
    fixed = (await owner(RULE, {"s": "svc-fixed", "n": "Massage", "e": False, "f": 200}))[
        "setServiceEarnRule"
    ]["rule"]
    assert fixed == {
        "serviceId": "svc-fixed",
        "serviceName": "Massage",
        "excluded": False,
        "fixedPoints": 200,
    }
    await owner(RULE, {"s": "svc-out", "n": "Free trial", "e": True, "f": None})
    rules = (await owner("{ serviceEarnRules { serviceId excluded fixedPoints } }"))[
        "serviceEarnRules"
    ]
    assert {r["serviceId"] for r in rules} == {"svc-fixed", "svc-out"}
    bad = await owner(RULE, {"s": "x", "n": "X", "e": False, "f": -1})
    assert bad["setServiceEarnRule"] == {
        "rule": None,
        "userErrors": [{"field": ["fixedPoints"], "code": "BAD_POINTS"}],
    }
    bad = await owner(RULE, {"s": "x", "n": " ", "e": False, "f": 1})
    assert bad["setServiceEarnRule"]["userErrors"] == [
        {"field": ["serviceName"], "code": "REQUIRED"}
    ]

    client = await create_client(owner, "Rules")
    # Fixed 200 x quantity 2 = 400; excluded 0; 20 EUR product at 5 % = 100. Total 500.
    await purchase(
        owner.tenant,
        client,
        "R-1",
        [
            {
                "category": "SERVICE",
                "item_id": "svc-fixed",
                "name": "Massage",
                "quantity": 2,
                "amount": "50.00",
            },
            {
                "category": "SERVICE",
                "item_id": "svc-out",
                "name": "Free trial",
                "quantity": 1,
                "amount": "30.00",
            },
            {
                "category": "PRODUCT",
                "item_id": "oil",
                "name": "Oil",
                "quantity": 1,
                "amount": "20.00",
            },
        ],
        [("CASH", "100.00")],
    )
    got = await balance_becomes(owner, client, 500)
    [entry] = [e["node"] for e in got["ledger"]["edges"]]
    assert entry["sourceName"] == "Massage, Oil"


async def test_l1_changes_apply_only_to_later_purchases(owner: Graph) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Change")
    await purchase(owner.tenant, client, "C-1", [("SERVICE", "s", "100.00")], [("CASH", "100.00")])
    await balance_becomes(owner, client, 500)
    await configure(owner, earnPercent="10")
    await purchase(owner.tenant, client, "C-2", [("SERVICE", "s", "100.00")], [("CASH", "100.00")])
    got = await balance_becomes(owner, client, 1500)
    by_invoice = {e["node"]["invoiceNumber"]: e["node"]["points"] for e in got["ledger"]["edges"]}
    assert by_invoice == {"C-1": 500, "C-2": 1000}  # the first purchase was not recomputed


async def test_l2_replayed_purchase_earns_once_and_disabled_program_earns_nothing(
    owner: Graph,
) -> None:
    client = await create_client(owner, "Replay")
    # Not configured yet: the program is disabled, nothing is earned.
    await purchase(owner.tenant, client, "D-0", [("SERVICE", "s", "100.00")], [("CASH", "100.00")])
    await configure(owner, **SEED)
    for _ in range(3):  # the same invoice reported three times (new event ids)
        await purchase(
            owner.tenant, client, "D-1", [("SERVICE", "s", "10.00")], [("CASH", "10.00")]
        )
    await purchase(owner.tenant, client, "D-2", [("SERVICE", "s", "1.00")], [("CASH", "1.00")])
    got = await balance_becomes(owner, client, 55)  # 50 once + 5
    assert [e["node"]["invoiceNumber"] for e in got["ledger"]["edges"]].count("D-1") == 1
    assert ledger_sum(got) == got["balance"] == 55
    acc = await account(owner, client)
    assert acc["balance"] == 55
