"""C10: `clients(filter: {rankId, minPoints, maxPoints})` answered from the read model the
clients consumer keeps from `ranks.events` and `loyalty.events` (published here straight
onto Kafka in the platform envelope, as the ranks and loyalty services do)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import KAFKA_BOOTSTRAP, Graph, eventually, kafka_options

SEARCH = """query($f: ClientFilter, $after: String) {
  clients(filter: $f, first: 2, after: $after) {
    totalCount edges { node { firstName } } pageInfo { hasNextPage endCursor } } }"""
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


async def publish(events: list[tuple[str, str, Envelope]]) -> None:
    producer = AIOKafkaProducer(**kafka_options(), bootstrap_servers=KAFKA_BOOTSTRAP)
    await producer.start()
    try:
        for topic, key, envelope in events:
            await producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


def rank_event(
    tenant: str, fact: str, client: str, category: str, rank: str, at: datetime
) -> tuple[str, str, Envelope]:
    envelope = Envelope(
        type=f"ranks.{fact}.v1",
        source="services/ranks",
        tenant=tenant,
        subject=client,
        time=at,
        data={"client_id": client, "category_id": category, "rank_id": rank},
    )
    return topics.RANKS, f"{tenant}:{client}", envelope


def points_event(
    tenant: str, fact: str, client: str, balance: int, at: datetime
) -> tuple[str, str, Envelope]:
    envelope = Envelope(
        type=f"loyalty.points_{fact}.v1",
        source="services/loyalty",
        tenant=tenant,
        subject=client,
        time=at,
        data={"client_id": client, "points": 10, "balance_after": balance},
    )
    return topics.LOYALTY, f"{tenant}:{client}", envelope


async def names(owner: Graph, filter: dict[str, Any]) -> tuple[int, list[str]]:
    """All pages of a filtered search: (totalCount, first names in order)."""
    found: list[str] = []
    after = None
    total = -1
    while True:
        data = (await owner(SEARCH, {"f": filter, "after": after}))["clients"]
        total = data["totalCount"]
        found += [e["node"]["firstName"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return total, found
        after = data["pageInfo"]["endCursor"]


async def test_rank_and_points_filters_follow_ranks_and_loyalty_events(
    owner: Graph, tenant: str
) -> None:
    ids = {}
    for first, last in [("Ana", "Alba"), ("Bruno", "Bravo"), ("Carla", "Cruz"), ("Dario", "Diaz")]:
        data = await owner(
            "mutation($i: ClientInput!) { createClient(input: $i) { client { id } } }",
            {"i": {"firstName": first, "lastName": last}},
        )
        ids[first] = data["createClient"]["client"]["id"]
    a, b, c, d = ids["Ana"], ids["Bruno"], ids["Carla"], ids["Dario"]
    at = [T0 + timedelta(minutes=i) for i in range(10)]
    await publish(
        [
            # Belts (category "belts"): Ana white -> yellow (promoted); Bruno yellow -> white.
            rank_event(tenant, "rank_assigned", a, "belts", "white", at[0]),
            rank_event(tenant, "client_promoted", a, "belts", "yellow", at[2]),
            rank_event(tenant, "rank_assigned", b, "belts", "yellow", at[0]),
            rank_event(tenant, "client_demoted", b, "belts", "white", at[3]),
            # A late, older event for Ana must not undo her promotion.
            rank_event(tenant, "rank_assigned", a, "belts", "white", at[1]),
            # Carla holds yellow in another category.
            rank_event(tenant, "rank_assigned", c, "kata", "yellow", at[0]),
            # Points: Ana 120, Bruno 40 then 15 (redeemed), Carla 300; Dario none (0).
            points_event(tenant, "earned", a, 120, at[0]),
            points_event(tenant, "earned", b, 40, at[0]),
            points_event(tenant, "redeemed", b, 15, at[4]),
            points_event(tenant, "earned", b, 999, at[1]),  # older than the redemption
            points_event(tenant, "granted", c, 300, at[0]),
        ]
    )

    async def yellow() -> tuple[int, list[str]]:
        return await names(owner, {"rankId": "yellow"})

    await eventually(yellow, until=lambda r: r == (2, ["Ana", "Carla"]), timeout=90)

    async def by_points() -> tuple[int, list[str]]:
        return await names(owner, {"minPoints": 100})

    await eventually(by_points, until=lambda r: r == (2, ["Ana", "Carla"]), timeout=90)

    async def low_points() -> tuple[int, list[str]]:
        return await names(owner, {"maxPoints": 20})

    await eventually(low_points, until=lambda r: r == (2, ["Bruno", "Dario"]), timeout=90)
    assert await names(owner, {"rankId": "white"}) == (1, ["Bruno"])
    assert await names(owner, {"minPoints": 10, "maxPoints": 200}) == (2, ["Ana", "Bruno"])
    assert await names(owner, {"rankId": "yellow", "maxPoints": 150}) == (1, ["Ana"])
    assert await names(owner, {"rankId": "yellow", "search": "cruz"}) == (1, ["Carla"])
    assert await names(owner, {"rankId": "black"}) == (0, [])
    _ = d


async def test_bad_points_range_is_an_error(owner: Graph) -> None:
    body = await owner.raw(SEARCH, {"f": {"minPoints": 50, "maxPoints": 10}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_POINTS_RANGE"
