"""L7 automations (birthday once a year, referral on the first purchase, every N visits,
each grant with its own expiry), L9 the points-earned report, L8 no transfers, and the
anonymised ledger of an erased client."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.testing import (
    AUTOMATION,
    GRANT,
    account,
    balance_becomes,
    configure,
    create_client,
    known,
    ledger_sum,
    purchase,
    run_job,
    visit,
)
from plumbing.testing import Graph, eventually, subgraph_url

SEED = {"pointValue": "0.01", "earnPercent": "5"}
REPORT = """
query($f: DateTime!, $t: DateTime!, $b: ID, $n: Int, $a: String) {
  pointsEarnedReport(from: $f, to: $t, branchId: $b, first: $n, after: $a) {
    edges { cursor node { client { id firstName } points value { amount currency } } }
    pageInfo { hasNextPage endCursor }
    totalPoints
  }
}"""


async def automation(graph: Graph, **input_: Any) -> dict[str, Any]:
    data = await graph(AUTOMATION, {"input": input_})
    payload: dict[str, Any] = data["createPointsAutomation"]
    return payload


async def test_l7_automation_inputs(owner: Graph, graphs: Any) -> None:
    made = await automation(owner, trigger="VISIT_COUNT", points=50, expiryDays=30, visitCount=3)
    assert made["userErrors"] == []
    assert made["automation"]["visitCount"] == 3 and made["automation"]["active"] is True
    bad = await automation(owner, trigger="VISIT_COUNT", points=0, expiryDays=0)
    assert {(e["code"], tuple(e["field"])) for e in bad["userErrors"]} == {
        ("BAD_POINTS", ("input", "points")),
        ("BAD_EXPIRY_DAYS", ("input", "expiryDays")),
        ("REQUIRED", ("input", "visitCount")),
    }
    listed = (await owner("{ pointsAutomations { trigger points } }"))["pointsAutomations"]
    assert listed == [{"trigger": "VISIT_COUNT", "points": 50}]
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(
        AUTOMATION, {"input": {"trigger": "BIRTHDAY", "points": 5, "expiryDays": 5}}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_l7_birthday_once_a_year_with_its_own_expiry(owner: Graph) -> None:
    await configure(owner, **SEED)
    await automation(owner, trigger="BIRTHDAY", points=250, expiryDays=30)
    client = await create_client(owner, "Cumple", birthDate="1990-03-15")
    other = await create_client(owner, "Otro", birthDate="1990-03-16")
    await known(owner, client)
    await known(owner, other)
    day = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
    first = await run_job(owner, "birthday_points", day)
    assert first["result"] == {"granted": 1}
    again = await run_job(owner, "birthday_points", day + timedelta(hours=5))
    assert again["result"] == {"granted": 0}  # once a year
    acc = await account(owner, client)
    [entry] = [e["node"] for e in acc["ledger"]["edges"]]
    assert (entry["kind"], entry["points"], entry["sourceType"]) == ("GRANT", 250, "BIRTHDAY")
    assert entry["expiresAt"].startswith("2027-04-14")  # the automation's 30 days
    assert (await account(owner, other))["balance"] == 0
    next_year = await run_job(owner, "birthday_points", day.replace(year=2028))
    assert next_year["result"] == {"granted": 1}
    assert (await account(owner, client))["balance"] == 500


async def test_l7_referrer_earns_on_the_first_purchase_only(owner: Graph) -> None:
    await configure(owner, **SEED)
    await automation(owner, trigger="REFERRAL_FIRST_PURCHASE", points=1000, expiryDays=90)
    referrer = await create_client(owner, "Referrer")
    friend = await create_client(owner, "Friend", referred_by=referrer)
    await known(owner, friend)  # the referrer comes with clients.client_created
    tenant = owner.tenant
    await purchase(tenant, friend, "F-1", [("SERVICE", "s", "10.00")], [("CASH", "10.00")])
    await purchase(tenant, friend, "F-2", [("SERVICE", "s", "10.00")], [("CASH", "10.00")])
    await balance_becomes(owner, friend, 100)  # the friend earns normally: 50 + 50
    got = await balance_becomes(owner, referrer, 1000)
    await asyncio.sleep(0.5)
    got = await account(owner, referrer)
    assert got["balance"] == 1000  # once, not per purchase
    [entry] = [e["node"] for e in got["ledger"]["edges"]]
    assert (entry["sourceType"], entry["sourceId"]) == ("REFERRAL_FIRST_PURCHASE", friend)


async def test_l7_every_n_visits_counted_once_each(owner: Graph) -> None:
    await configure(owner, **SEED)
    await automation(owner, trigger="VISIT_COUNT", points=100, expiryDays=60, visitCount=3)
    client = await create_client(owner, "Visits")
    tenant = owner.tenant
    at = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    for i in range(7):
        await visit(tenant, client, f"v-{i}", at + timedelta(days=i))
    await visit(tenant, client, "v-1", at)  # the same visit reported again
    await visit(tenant, client, "v-2", at)
    # 7 distinct visits: grants at the 3rd and 6th.
    got = await balance_becomes(owner, client, 200)
    grants = [e["node"] for e in got["ledger"]["edges"]]
    assert sorted(g["sourceName"] for g in grants) == ["3 visits", "6 visits"]
    await visit(tenant, client, "v-7", at + timedelta(days=8))
    await visit(tenant, client, "v-8", at + timedelta(days=9))  # 9th: third grant
    await balance_becomes(owner, client, 300)


async def test_l9_points_earned_report_by_dates_and_branch(owner: Graph) -> None:
    await configure(owner, **SEED)
    tenant = owner.tenant
    ana, bea = await create_client(owner, "Ana"), await create_client(owner, "Bea")
    jan, feb = datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 2, 10, tzinfo=UTC)
    await purchase(
        tenant,
        ana,
        "A1",
        [("SERVICE", "s", "100")],
        [("CASH", "100")],
        branch_id="north",
        occurred_at=jan,
    )
    await purchase(
        tenant,
        ana,
        "A2",
        [("SERVICE", "s", "20")],
        [("CASH", "20")],
        branch_id="south",
        occurred_at=feb,
    )
    await purchase(
        tenant,
        bea,
        "B1",
        [("SERVICE", "s", "40")],
        [("CASH", "40")],
        branch_id="north",
        occurred_at=jan,
    )
    await balance_becomes(owner, ana, 600)
    await balance_becomes(owner, bea, 200)
    await owner(GRANT, {"c": bea, "p": 999, "n": "not earned", "d": None})

    async def report(**v: Any) -> dict[str, Any]:
        args = {
            "f": "2026-01-01T00:00:00Z",
            "t": "2026-03-01T00:00:00Z",
            "b": None,
            "n": 50,
            "a": None,
        }
        data = await owner(REPORT, {**args, **v})
        result: dict[str, Any] = data["pointsEarnedReport"]
        return result

    everything = await report()
    rows = [
        (e["node"]["client"]["firstName"], e["node"]["points"], e["node"]["value"]["amount"])
        for e in everything["edges"]
    ]
    assert rows == [("Ana", 600, "6.00"), ("Bea", 200, "2.00")]
    assert everything["totalPoints"] == 800
    north = await report(b="north")
    assert [(e["node"]["client"]["id"], e["node"]["points"]) for e in north["edges"]] == [
        (ana, 500),
        (bea, 200),
    ]
    january = await report(t="2026-02-01T00:00:00Z")
    assert january["totalPoints"] == 700
    page = await report(n=1)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await report(n=1, a=page["pageInfo"]["endCursor"])
    assert [e["node"]["client"]["id"] for e in rest["edges"]] == [bea]
    # Backward: the last row, then the one before it.
    back = """query($f: DateTime!, $t: DateTime!, $b: String) {
      pointsEarnedReport(from: $f, to: $t, last: 1, before: $b) {
        edges { node { client { id } } } pageInfo { hasPreviousPage hasNextPage startCursor } } }"""
    window = {"f": "2026-01-01T00:00:00Z", "t": "2026-03-01T00:00:00Z"}
    tail = (await owner(back, {**window, "b": None}))["pointsEarnedReport"]
    assert [e["node"]["client"]["id"] for e in tail["edges"]] == [bea]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    head = (await owner(back, {**window, "b": tail["pageInfo"]["startCursor"]}))[
        "pointsEarnedReport"
    ]
    assert [e["node"]["client"]["id"] for e in head["edges"]] == [ana]
    assert (head["pageInfo"]["hasPreviousPage"], head["pageInfo"]["hasNextPage"]) == (False, True)
    bad = await owner.raw(REPORT, {"f": "2026-03-01T00:00:00Z", "t": "2026-01-01T00:00:00Z"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_RANGE"


async def test_l8_points_never_move_between_clients(owner: Graph) -> None:
    await configure(owner, **SEED)
    a, b = await create_client(owner, "Uno"), await create_client(owner, "Dos")
    await owner(GRANT, {"c": a, "p": 300, "n": "gift", "d": None})
    # Redeeming an invoice of A's for B uses B's (empty) balance, never A's.
    data = await owner(
        'mutation($c: ID!) { redeemPoints(clientId: $c, invoiceNumber: "M-1", amount: "1.00", channel: IN_STUDIO) { userErrors { code } } }',
        {"c": b},
    )
    assert [e["code"] for e in data["redeemPoints"]["userErrors"]] == ["INSUFFICIENT_POINTS"]
    transfer = await owner.raw('mutation { transferPoints(from: "x", to: "y", points: 1) }')
    assert transfer["errors"]  # there is no such operation in the graph
    assert (await account(owner, a))["balance"] == 300
    assert (await account(owner, b))["balance"] == 0


async def test_erased_client_keeps_anonymised_ledger(owner: Graph, graphs: Any) -> None:
    await configure(owner, **SEED)
    client = await create_client(owner, "Borrar")
    await known(owner, client)  # so that the erasure comes after the creation
    data = await owner(GRANT, {"c": client, "p": 120, "n": "Juan's birthday, allergic", "d": None})
    assert data["grantPoints"]["userErrors"] == []
    erased = await owner(
        "mutation($id: ID!) { eraseClient(id: $id) { userErrors { code } } }", {"id": client}
    )
    assert erased["eraseClient"]["userErrors"] == []

    # The card is gone from the graph; the loyalty subgraph still answers for its ledger.
    direct = graphs(owner.tenant, "OWNER", url=subgraph_url("loyalty"))
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Client {
        loyalty { balance ledger { edges { node { points note actorId } } } } } } }"""

    async def ledger() -> dict[str, Any]:
        data = await direct(query, {"r": [{"__typename": "Client", "id": client}]})
        result: dict[str, Any] = data["_entities"][0]["loyalty"]
        return result

    acc = await eventually(
        ledger, until=lambda a: [e["node"]["note"] for e in a["ledger"]["edges"]] == [None]
    )
    assert acc["balance"] == 120 == ledger_sum(acc)  # the figures stay
    refused = await owner(GRANT, {"c": client, "p": 5, "n": "more", "d": None})
    assert [e["code"] for e in refused["grantPoints"]["userErrors"]] == ["CLIENT_NOT_FOUND"]
