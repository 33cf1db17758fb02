"""L3-L6, L8, L10, L11 through the gateway: redemption in the studio and in the app, the
ledger and its expiry job, manual grants and deductions, refunds, replays and races."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.testing import (
    ACCOUNT,
    DEDUCT,
    GRANT,
    REDEEM,
    account,
    balance_becomes,
    configure,
    create_client,
    ledger_sum,
    purchase,
    refund,
    run_job,
)
from plumbing import topics
from plumbing.testing import Graph, eventually

from ..journeys import new_reader, start_at_end

SEED = {"pointValue": "0.01", "earnPercent": "5"}


async def grant(
    graph: Graph, client: str, points: int, note: str = "gift", days: int | None = None
) -> dict[str, Any]:
    data = await graph(GRANT, {"c": client, "p": points, "n": note, "d": days})
    payload: dict[str, Any] = data["grantPoints"]
    return payload


async def redeem(
    graph: Graph, client: str, invoice: str, amount: str, channel: str, branch: str | None = None
) -> dict[str, Any]:
    data = await graph(REDEEM, {"c": client, "i": invoice, "a": amount, "ch": channel, "b": branch})
    payload: dict[str, Any] = data["redeemPoints"]
    return payload


class Tap:
    """What `loyalty.events` receives from now on (no consumer group)."""

    def __init__(self) -> None:
        self.consumer = new_reader()

    async def __aenter__(self) -> Tap:
        await start_at_end(self.consumer, topics.LOYALTY)
        self.seen: list[dict[str, Any]] = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def events(self, tenant: str, count: int) -> list[dict[str, Any]]:
        async def probe() -> list[dict[str, Any]]:
            batch = await self.consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    event = json.loads(r.value or b"{}")
                    if event.get("tenant") == tenant:
                        self.seen.append(event)
            return self.seen

        return await eventually(probe, until=lambda s: len(s) >= count, timeout=20)


async def test_l3_studio_redeems_partly_app_needs_the_whole_amount(
    owner: Graph, graphs: Any
) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Redeem")
    await grant(owner, client, 500)
    # App: 20 EUR needs 2000 points, only 500 held -> a clear error and nothing deducted.
    app = await redeem(owner, client, "A-1", "20.00", "APP")
    assert [e["code"] for e in app["userErrors"]] == ["INSUFFICIENT_POINTS"]
    assert "nothing was deducted" in app["userErrors"][0]["message"]
    assert app["entries"] == []
    assert (await account(owner, client))["balance"] == 500
    # App, covered in full: 3 EUR = 300 points.
    ok = await redeem(owner, client, "A-2", "3.00", "APP")
    assert ok["userErrors"] == []
    [entry] = ok["entries"]
    assert (entry["kind"], entry["points"], entry["value"]["amount"]) == ("REDEEM", -300, "-3.00")
    assert ok["account"]["balance"] == 200
    # Studio: 20 EUR asked, the balance covers 2.00 EUR -> 200 points now, the rest paid otherwise.
    desk = await redeem(owner, client, "A-3", "20.00", "IN_STUDIO", "branch-1")
    [entry] = desk["entries"]
    assert (entry["points"], entry["value"]["amount"], entry["branchId"]) == (
        -200,
        "-2.00",
        "branch-1",
    )
    assert desk["account"]["balance"] == 0
    # With nothing left, even the studio gets an error.
    empty = await redeem(owner, client, "A-4", "1.00", "IN_STUDIO")
    assert [e["code"] for e in empty["userErrors"]] == ["INSUFFICIENT_POINTS"]


async def test_l3_bad_redemptions(owner: Graph, graphs: Any) -> None:
    client = await create_client(owner, "BadRedeem")
    other = await create_client(owner, "Other")
    disabled = await owner(
        REDEEM, {"c": client, "i": "X-1", "a": "1.00", "ch": "IN_STUDIO", "b": None}
    )
    assert [e["code"] for e in disabled["redeemPoints"]["userErrors"]] == ["PROGRAM_DISABLED"]
    await configure(owner, **SEED)
    await grant(owner, client, 1000)
    for amount, code in (("0", "BAD_AMOUNT"), ("-5", "BAD_AMOUNT"), ("0.005", "BAD_AMOUNT")):
        payload = await redeem(owner, client, "X-1", amount, "IN_STUDIO")
        assert [e["code"] for e in payload["userErrors"]] == [code], amount
    payload = await redeem(owner, client, "  ", "1.00", "IN_STUDIO")
    assert payload["userErrors"][0]["field"] == ["invoiceNumber"]
    unknown = await redeem(owner, "no-such-client", "X-2", "1.00", "IN_STUDIO")
    assert [e["code"] for e in unknown["userErrors"]] == ["CLIENT_NOT_FOUND"]
    # A client pays in the app for itself only (L8: never with someone else's points).
    me = graphs(owner.tenant, "CLIENT", client_id=client, subject="app-user")
    body = await me.raw(REDEEM, {"c": other, "i": "X-3", "a": "1.00", "ch": "APP", "b": None})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await me.raw(
        REDEEM, {"c": client, "i": "X-3", "a": "1.00", "ch": "IN_STUDIO", "b": None}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = await redeem(me, client, "X-3", "1.00", "APP")
    assert mine["account"]["balance"] == 900
    body = await me.raw(ACCOUNT, {"id": other})
    # Another client's card is invisible to a client (or its points refused).
    assert body.get("data", {}).get("client") is None
    assert (await account(owner, other))["balance"] == 0


async def test_l4_l5_ledger_oldest_first_and_expiry_job(owner: Graph) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Expiry")
    now = datetime.now(UTC)
    first = await grant(owner, client, 100, "older, long expiry", days=30)
    await asyncio.sleep(0.01)
    await grant(owner, client, 100, "newer, short expiry", days=5)
    # Spending takes the OLDEST points first: the 30-day lot, not the 5-day one.
    await redeem(owner, client, "E-1", "1.00", "IN_STUDIO")
    assert first["entries"][0]["expiresAt"].startswith(
        (now + timedelta(days=30)).date().isoformat()
    )

    nothing = await run_job(owner, "expire_points", now + timedelta(days=4))
    assert nothing["result"] == {"expired_points": 0}
    done = await run_job(owner, "expire_points", now + timedelta(days=6))
    assert done["result"] == {"expired_points": 100}  # the whole newer lot
    again = await run_job(owner, "expire_points", now + timedelta(days=6))
    assert again["result"] == {"expired_points": 0}  # idempotent
    acc = await account(owner, client)
    assert acc["balance"] == 0 == ledger_sum(acc)
    kinds = [e["node"]["kind"] for e in acc["ledger"]["edges"]]
    assert sorted(kinds) == ["EXPIRE", "GRANT", "GRANT", "REDEEM"]
    [expired] = [e["node"] for e in acc["ledger"]["edges"] if e["node"]["kind"] == "EXPIRE"]
    assert (expired["points"], expired["value"]["amount"], expired["sourceType"]) == (
        -100,
        "-1.00",
        "EXPIRY",
    )


async def test_l4_ledger_pages_and_date_filter(owner: Graph) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Pages")
    for i in range(5):
        await grant(owner, client, 10 + i)
    query = """query($id: ID!, $a: String, $f: DateTime) { client(id: $id) { loyalty {
        ledger(first: 2, after: $a, from: $f) { edges { cursor node { points } } pageInfo { hasNextPage endCursor } } } } }"""
    seen: list[int] = []
    after = None
    while True:
        page = (await owner(query, {"id": client, "a": after, "f": None}))["client"]["loyalty"][
            "ledger"
        ]
        seen += [e["node"]["points"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [14, 13, 12, 11, 10]  # newest first
    back_query = """query($id: ID!, $b: String) { client(id: $id) { loyalty {
        ledger(last: 2, before: $b) { edges { node { points } }
                                      pageInfo { hasPreviousPage hasNextPage startCursor } } } } }"""
    back: list[int] = []
    before = None
    while True:
        page = (await owner(back_query, {"id": client, "b": before}))["client"]["loyalty"]["ledger"]
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        back = [e["node"]["points"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == seen  # backward from the oldest: the same entries, the same order
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    page = (await owner(query, {"id": client, "a": None, "f": future}))["client"]["loyalty"][
        "ledger"
    ]
    assert page["edges"] == []
    bad = await owner.raw(query, {"id": client, "a": "bm9wZQ", "f": None})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_CURSOR"


async def test_l6_grant_and_deduct_with_note_and_actor(owner: Graph, graphs: Any) -> None:
    await configure(owner, **SEED, expiryDays=200)
    client = await create_client(owner, "Manual")
    desk = graphs(owner.tenant, "OPERATOR", subject="staff-maria")
    granted = await grant(desk, client, 300, "Birthday gift")
    [g] = granted["entries"]
    assert (g["kind"], g["points"], g["note"], g["actorId"]) == (
        "GRANT",
        300,
        "Birthday gift",
        "staff-maria",
    )
    assert g["expiresAt"] is not None  # the program's 200 days
    taken = (await desk(DEDUCT, {"c": client, "p": 120, "n": "Correction"}))["deductPoints"]
    [d] = taken["entries"]
    assert (d["kind"], d["points"], d["value"]["amount"], d["actorId"]) == (
        "DEDUCT",
        -120,
        "-1.20",
        "staff-maria",
    )
    assert taken["account"]["balance"] == 180
    too_much = (await desk(DEDUCT, {"c": client, "p": 181, "n": "Too much"}))["deductPoints"]
    assert [e["code"] for e in too_much["userErrors"]] == ["INSUFFICIENT_POINTS"]
    assert (await account(owner, client))["balance"] == 180  # never below zero
    for points, note, days, code in (
        (0, "x", None, "BAD_POINTS"),
        (5, " ", None, "REQUIRED"),
        (5, "x", 0, "BAD_EXPIRY_DAYS"),
    ):
        payload = await grant(desk, client, points, note, days)
        assert [e["code"] for e in payload["userErrors"]] == [code]
    payload = (await desk(DEDUCT, {"c": client, "p": -3, "n": "x"}))["deductPoints"]
    assert [e["code"] for e in payload["userErrors"]] == ["BAD_POINTS"]
    blank = await grant(desk, " ", 5, "x")
    assert [e["code"] for e in blank["userErrors"]] == ["REQUIRED"]
    me = graphs(owner.tenant, "CLIENT", client_id=client)
    body = await me.raw(GRANT, {"c": client, "p": 1000, "n": "self-service", "d": None})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    acc = await account(owner, client)
    assert acc["balance"] == 180 == ledger_sum(acc)


async def test_l6_grants_reach_cards_made_a_moment_ago_and_no_unknown_ones(
    owner: Graph,
) -> None:
    await configure(owner, **SEED)
    for n in range(3):
        client = await create_client(owner, f"Recien{n}")  # its card event still on the way
        granted = await grant(owner, client, 50, "Welcome")
        assert granted["userErrors"] == [] and granted["account"]["balance"] == 50
    for stranger in ("nobody", "01a2b3c4d5e6f708090a0b0c0d0e0f10"):
        refused = await grant(owner, stranger, 10, "x")
        assert [e["code"] for e in refused["userErrors"]] == ["CLIENT_NOT_FOUND"]
        body = await owner.raw(DEDUCT, {"c": stranger, "p": 1, "n": "x"})
        assert [e["code"] for e in body["data"]["deductPoints"]["userErrors"]] == [
            "CLIENT_NOT_FOUND"
        ]


async def test_l11_refund_takes_back_earned_and_returns_spent_once(owner: Graph) -> None:
    await configure(owner, **SEED)
    tenant = owner.tenant
    client = await create_client(owner, "Refund")
    await purchase(tenant, client, "P-1", [("SERVICE", "s", "100.00")], [("CASH", "100.00")])
    await balance_becomes(owner, client, 500)
    # P-2 paid partly with points: 300 points redeemed, nothing earned.
    await redeem(owner, client, "P-2", "3.00", "IN_STUDIO")
    await purchase(
        tenant, client, "P-2", [("SERVICE", "s", "50.00")], [("POINTS", "3.00"), ("CASH", "47.00")]
    )
    # Refunds, each replayed (same partition as the purchases: applied in this order).
    await refund(tenant, "P-1", client)
    await refund(tenant, "P-1", client)
    await refund(tenant, "P-2", client)
    await refund(tenant, "P-2", client)
    # 500 - 300 = 200; P-1 takes back min(500, 200) = 200 -> 0; P-2 returns 300 -> 300.
    got = await balance_becomes(owner, client, 300)
    await asyncio.sleep(1.0)  # the replays, had they an effect, would have landed by now
    got = await account(owner, client)
    assert got["balance"] == 300 == ledger_sum(got)
    reversals = [e["node"] for e in got["ledger"]["edges"] if e["node"]["kind"] == "REVERSAL"]
    assert sorted((r["invoiceNumber"], r["points"]) for r in reversals) == [
        ("P-1", -200),
        ("P-2", 300),
    ]


async def test_l11_refund_before_purchase_and_replayed_redemption(owner: Graph) -> None:
    await configure(owner, **SEED)
    tenant = owner.tenant
    client = await create_client(owner, "Early")
    await refund(tenant, "Q-1")  # arrives before its purchase, with no client
    await asyncio.sleep(1.0)
    await purchase(tenant, client, "Q-1", [("SERVICE", "s", "100.00")], [("CASH", "100.00")])
    await purchase(tenant, client, "Q-2", [("SERVICE", "s", "1.00")], [("CASH", "1.00")])
    got = await balance_becomes(owner, client, 5)
    # The refund waited for its purchase, then took back what it earned: as in order.
    q1 = [e["node"] for e in got["ledger"]["edges"] if e["node"]["invoiceNumber"] == "Q-1"]
    assert sorted((e["kind"], e["points"]) for e in q1) == [("EARN", 500), ("REVERSAL", -500)]
    first = await redeem(owner, client, "Q-3", "0.05", "IN_STUDIO")
    replay = await redeem(owner, client, "Q-3", "0.05", "IN_STUDIO")
    assert replay["entries"] == first["entries"]
    assert replay["account"]["balance"] == 0
    other = await redeem(owner, client, "Q-3", "0.05", "APP")
    assert [e["code"] for e in other["userErrors"]] == ["ALREADY_REDEEMED"]


async def test_l11_racing_redemptions_never_overdraw(owner: Graph) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Race")
    await grant(owner, client, 1000)
    results = await asyncio.gather(
        *(redeem(owner, client, f"R-{i}", "3.00", "APP") for i in range(8))
    )
    ok = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(ok) == 3  # 3 x 300 = 900 <= 1000; a fourth would overdraw
    assert {r["userErrors"][0]["code"] for r in refused} == {"INSUFFICIENT_POINTS"}
    acc = await account(owner, client)
    assert acc["balance"] == 100 == ledger_sum(acc)


async def test_l10_events_carry_balance_and_receipt_flag(owner: Graph) -> None:
    await configure(owner, **SEED, receiptBranchIds=["branch-receipt"])
    client = await create_client(owner, "Receipt")
    async with Tap() as tap:
        await grant(owner, client, 400, "welcome")
        await redeem(owner, client, "T-1", "1.00", "IN_STUDIO", "branch-receipt")
        await redeem(owner, client, "T-2", "1.00", "IN_STUDIO", "branch-plain")
        events = await tap.events(owner.tenant, 3)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e["data"])
    [granted] = by_type["loyalty.points_granted.v1"]
    assert (granted["points"], granted["balance_after"], granted["value"], granted["currency"]) == (
        400,
        400,
        "4.00",
        "EUR",
    )
    assert granted["client_id"] == client and granted["note"] == "welcome"
    receipt, plain = sorted(
        by_type["loyalty.points_redeemed.v1"], key=lambda d: d["invoice_number"]
    )
    assert (
        receipt["points"],
        receipt["balance_after"],
        receipt["send_receipt"],
        receipt["channel"],
    ) == (100, 300, True, "IN_STUDIO")
    assert (plain["balance_after"], plain["send_receipt"], plain["branch_id"]) == (
        200,
        False,
        "branch-plain",
    )
    assert receipt["entry_id"] and receipt["invoice_number"] == "T-1"


async def test_a_long_ledger_reads_back_whole_from_its_sealed_pages(owner: Graph) -> None:
    # More than two pages' worth: the older entries are sealed away from the account's
    # state, and the card's ledger still lists every one, newest first, with its balance.
    await configure(owner, **SEED)
    client = await create_client(owner, "Regular")
    for i in range(1, 41):
        await grant(owner, client, i, f"visit {i}")
    shown = await account(owner, client)
    balances = [e["node"]["balanceAfter"] for e in shown["ledger"]["edges"]]
    assert balances == [i * (i + 1) // 2 for i in range(40, 0, -1)]
    assert shown["balance"] == 40 * 41 // 2
