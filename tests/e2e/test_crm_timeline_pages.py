"""C9 through the gateway for a client with a long history: the timeline (a head and
sealed pages in crm) pages back newest first, every entry once, with late facts in their
place by time; and backward from the oldest, the same entries in the same order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import Graph, eventually

PAGE = """query($id: ID!, $after: String) { client(id: $id) {
  timeline(first: 25, after: $after) {
    edges { cursor node { id kind at summary } } pageInfo { hasNextPage endCursor } } } }"""
BACK = """query($id: ID!, $before: String) { client(id: $id) {
  timeline(last: 25, before: $before) {
    edges { cursor node { id kind at summary } }
    pageInfo { hasNextPage hasPreviousPage startCursor } } } }"""
EVENTS = 130  # more than two sealed pages of 50
CREATE = """mutation { createClient(input: {firstName: "Larga", lastName: "Historia"}) {
  client { id } userErrors { code } } }"""


def earned(tenant: str, client: str, n: int, at: datetime) -> Envelope:
    return Envelope(
        type="loyalty.points_earned.v1",
        source="test/loyalty",
        tenant=tenant,
        subject=client,
        time=at,
        data={
            "client_id": client,
            "points": n,
            "balance_after": n,
            "value": f"{n}.00",
            "currency": "EUR",
            "entry_id": f"entry-{n}",
            "at": at.isoformat(),
        },
    )


async def whole_timeline(owner: Graph, client: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await owner(PAGE, {"id": client, "after": after})
        timeline = data["client"]["timeline"]
        nodes += [edge["node"] for edge in timeline["edges"]]
        if not timeline["pageInfo"]["hasNextPage"]:
            return nodes
        after = timeline["pageInfo"]["endCursor"]


async def test_a_long_timeline_pages_back_newest_first(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    client = (await owner(CREATE))["createClient"]["client"]["id"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=200)
    times = [start + timedelta(days=n) for n in range(EVENTS)]
    # Published in time order, except one fact that arrives long after newer ones.
    late = 7
    order = [n for n in range(EVENTS) if n != late] + [late]
    for n in order:
        event = earned(owner.tenant, client, n, times[n])
        await producer.send_and_wait(topics.LOYALTY, event.to_bytes(), key=event.key.encode())

    def earned_points(nodes: list[dict[str, Any]]) -> list[datetime]:
        return [datetime.fromisoformat(n["at"]) for n in nodes if n["kind"] == "POINTS_EARNED"]

    nodes = await eventually(
        lambda: whole_timeline(owner, client),
        until=lambda found: len(earned_points(found)) == EVENTS,
        timeout=60,
    )
    assert earned_points(nodes) == sorted(times, reverse=True)
    assert len({n["id"] for n in nodes}) == len(nodes)
    assert nodes[0]["kind"] == "CLIENT_CREATED"  # the newest: the card was made today
    first = (await owner(PAGE, {"id": client, "after": None}))["client"]["timeline"]
    assert len(first["edges"]) == 25 and first["pageInfo"]["hasNextPage"]

    # Backward from the oldest (`last`/`before`): the same entries in the same order.
    back: list[dict[str, Any]] = []
    before = None
    while True:
        timeline = (await owner(BACK, {"id": client, "before": before}))["client"]["timeline"]
        assert timeline["pageInfo"]["hasNextPage"] is (before is not None)
        back = [edge["node"] for edge in timeline["edges"]] + back
        if not timeline["pageInfo"]["hasPreviousPage"]:
            break
        before = timeline["pageInfo"]["startCursor"]
    assert back == nodes
