"""Helpers for end-to-end tests of loyalty through the live stack: facts published
straight to Kafka in the plumbing envelope, jobs run at a chosen instant, and the
GraphQL operations the tests share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.kafka import KafkaPublisher
from plumbing.testing import (
    KAFKA_BOOTSTRAP,
    SERVICE_PORTS,
    Graph,
    eventually,
    kafka_options,
    subgraph_url,
)

_publisher: dict[str, KafkaPublisher] = {}

CREATE_CLIENT = """
mutation($input: ClientInput!, $ref: ID) {
  createClient(input: $input, referredByClientId: $ref) {
    client { id } userErrors { field message code }
  }
}"""
CONFIGURE = """
mutation($input: LoyaltyProgramInput!) {
  configureLoyaltyProgram(input: $input) {
    program { enabled pointValue { amount currency } earnPercent expiryDays
              nonEarningPaymentMethods receiptBranchIds }
    userErrors { field message code }
  }
}"""
SET_REWARD = """
mutation($r: ID!, $p: Int!, $d: Int) {
  setPromotionReward(rankId: $r, points: $p, expiryDays: $d) {
    program { enabled expiryDays expiryReminderDays promotionRewards { rankId points expiryDays } }
    userErrors { field message code }
  }
}"""
ENTRY_FIELDS = """id kind points value { amount currency } branchId invoiceNumber sourceType
  sourceId sourceName note actorId at expiresAt balanceAfter"""
ACCOUNT = f"""
query($id: ID!) {{
  client(id: $id) {{
    loyalty {{
      balance balanceValue {{ amount currency }}
      ledger(first: 100) {{ edges {{ node {{ {ENTRY_FIELDS} }} }} }}
    }}
  }}
}}"""
LEDGER_PAYLOAD = (
    f"entries {{ {ENTRY_FIELDS} }} account {{ balance }} userErrors {{ field message code }}"
)
GRANT = f"""
mutation($c: ID!, $p: Int!, $n: String!, $d: Int) {{
  grantPoints(clientId: $c, points: $p, note: $n, expiryDays: $d) {{ {LEDGER_PAYLOAD} }}
}}"""
DEDUCT = f"""
mutation($c: ID!, $p: Int!, $n: String!) {{
  deductPoints(clientId: $c, points: $p, note: $n) {{ {LEDGER_PAYLOAD} }}
}}"""
REDEEM = f"""
mutation($c: ID!, $i: String!, $a: Decimal!, $ch: SalesChannel!, $b: ID) {{
  redeemPoints(clientId: $c, invoiceNumber: $i, amount: $a, channel: $ch, branchId: $b) {{ {LEDGER_PAYLOAD} }}
}}"""
AUTOMATION = """
mutation($input: PointsAutomationInput!) {
  createPointsAutomation(input: $input) {
    automation { id trigger points expiryDays visitCount active }
    userErrors { field message code }
  }
}"""


async def publish(
    tenant: str, type_: str, topic: str, subject: str, data: dict[str, Any], *, copies: int = 1
) -> str:
    """Publish one fact as a partner would (plumbing envelope, key tenant:subject);
    `copies` sends the same event (same id) that many times, as a partner retrying."""
    envelope = Envelope(
        type=type_, source="tests/partner", tenant=tenant, subject=subject, data=data
    )
    for _ in range(copies):
        await publish_envelope(topic, envelope)
    return envelope.id


async def publish_envelope(topic: str, envelope: Envelope) -> None:
    if "p" not in _publisher:
        _publisher["p"] = KafkaPublisher(
            KAFKA_BOOTSTRAP, options=kafka_options(), client_id="loyalty-tests"
        )
    await _publisher["p"].publish(topic, envelope.key.encode(), envelope.to_bytes())


async def close_publisher() -> None:
    """Stop the publisher `publish` shares across a test session (its teardown calls it)."""
    publisher = _publisher.pop("p", None)
    if publisher is not None:
        await publisher.stop()


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


async def purchase(
    tenant: str,
    client_id: str,
    invoice: str,
    lines: list[tuple[str, str, str]] | list[dict[str, Any]],
    payments: list[tuple[str, str]],
    *,
    branch_id: str | None = None,
    channel: str = "IN_STUDIO",
    occurred_at: datetime | None = None,
    copies: int = 1,
) -> str:
    """`lines`: (category, item id, amount) or full dicts; `payments`: (method, amount)."""
    line_docs = [
        line
        if isinstance(line, dict)
        else {
            "category": line[0],
            "item_id": line[1],
            "name": line[1],
            "quantity": 1,
            "amount": line[2],
        }
        for line in lines
    ]
    return await publish(
        tenant,
        "ingest.purchase_recorded.v1",
        topics.INGEST_SALES,
        client_id,
        {
            "invoice_number": invoice,
            "client_id": client_id,
            "branch_id": branch_id,
            "channel": channel,
            "occurred_at": iso(occurred_at or datetime.now(UTC)),
            "lines": line_docs,
            "payments": [{"method": m, "amount": a} for m, a in payments],
            "amount_due": "0",
        },
        copies=copies,
    )


async def refund(tenant: str, invoice: str, client_id: str | None = None) -> str:
    return await publish(
        tenant,
        "ingest.purchase_refunded.v1",
        topics.INGEST_SALES,
        client_id or invoice,
        {"invoice_number": invoice, "client_id": client_id, "occurred_at": iso(datetime.now(UTC))},
    )


async def visit(tenant: str, client_id: str, visit_id: str, attended_at: datetime) -> str:
    return await publish(
        tenant,
        "ingest.visit_recorded.v1",
        topics.INGEST_BOOKINGS,
        client_id,
        {"visit_id": visit_id, "client_id": client_id, "attended_at": iso(attended_at)},
    )


async def run_job(graph: Graph, name: str, as_of: datetime) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"http://127.0.0.1:{SERVICE_PORTS['loyalty']}/_dev/jobs/{name}",
            json={"as_of": as_of.isoformat()},
            headers=graph.headers(),
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


async def create_client(
    graph: Graph, first: str, *, referred_by: str | None = None, **extra: Any
) -> str:
    """A client card, once the loyalty service has heard of it (clients.client_created)."""
    data = await graph(
        CREATE_CLIENT,
        {"input": {"firstName": first, "lastName": "Puntos", **extra}, "ref": referred_by},
    )
    payload = data["createClient"]
    assert payload["userErrors"] == [], payload
    client_id: str = payload["client"]["id"]
    return client_id


async def known(graph: Graph, client_id: str, timeout: float = 60) -> None:
    """Wait until loyalty heard of the card (clients.client_created: birthday, referrer)."""
    direct = Graph(graph.tenant, ["OWNER"], url=subgraph_url("loyalty"), token=graph.token)
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { loyalty { known } } } }"

    async def probe() -> bool:
        data = await direct(query, {"r": [{"__typename": "Client", "id": client_id}]})
        return bool(data["_entities"][0]["loyalty"]["known"])

    try:
        await eventually(probe, timeout=timeout)
    finally:
        await direct.close()


async def account(graph: Graph, client_id: str) -> dict[str, Any]:
    data = await graph(ACCOUNT, {"id": client_id})
    loyalty: dict[str, Any] = data["client"]["loyalty"]
    return loyalty


async def balance_becomes(graph: Graph, client_id: str, expected: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        return await account(graph, client_id)

    return await eventually(probe, until=lambda a: a["balance"] == expected, timeout=20)


async def configure(graph: Graph, **settings: Any) -> dict[str, Any]:
    data = await graph(CONFIGURE, {"input": settings})
    payload: dict[str, Any] = data["configureLoyaltyProgram"]
    assert payload["userErrors"] == [], payload
    return payload


async def set_reward(
    graph: Graph, rank_id: str, points: int, expiry_days: int | None = None
) -> dict[str, Any]:
    """B4: the points a promotion to `rank_id` grants (0 removes the reward)."""
    data = await graph(SET_REWARD, {"r": rank_id, "p": points, "d": expiry_days})
    payload: dict[str, Any] = data["setPromotionReward"]
    assert payload["userErrors"] == [], payload
    return payload


def ledger_sum(acc: dict[str, Any]) -> int:
    return sum(int(e["node"]["points"]) for e in acc["ledger"]["edges"])
