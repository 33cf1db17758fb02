"""R4-R6: visits counted from `ingest.visit_recorded` facts on Kafka, seniority driven by
the `seniority` job, automatic promotion or a single eligibility announcement."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from plumbing import topics
from plumbing.mongo import create_client
from plumbing.testing import (
    MONGO_URL,
    Graph,
    eventually,
    seed_client,
)

from ..journeys import Tap, card, new_client, rank_category, run_job, visit

# Visits travel through Kafka and the ranks consumer: generous on a busy shared stack.
WAIT = 60.0

ASSIGN = """
mutation($c: ID!, $r: ID!) {
  assignRank(clientId: $c, rankId: $r) { clientRank { since } userErrors { code message } }
}"""
CARD = """
query($id: ID!) {
  client(id: $id) {
    ranks { rank { name } visitsInRank daysInRank eligibleForPromotion nextRank { name } }
    rankHistory { kind trigger fromRank { name } toRank { name } actorId at }
  }
}"""


async def setup(
    owner: Graph, ranks: list[tuple[str, dict[str, int] | None]], **category: Any
) -> tuple[str, list[str]]:
    """A category whose ranks are given by their criteria alone."""
    return await rank_category(owner, [(n, {"criteria": c}) for n, c in ranks], **category)


async def ranked_client(
    owner: Graph, rank_id: str | None = None, name: str = "Ana"
) -> tuple[str, datetime]:
    client_id = await new_client(owner, name)
    since = datetime.now(UTC)
    if rank_id is not None:
        assigned = await owner(ASSIGN, {"c": client_id, "r": rank_id})
        assert assigned["assignRank"]["userErrors"] == [], assigned
        since = datetime.fromisoformat(assigned["assignRank"]["clientRank"]["since"])
    return client_id, since


async def test_ten_visits_some_twice_some_late_promote_exactly_once_at_the_threshold(
    owner: Graph, producer: AIOKafkaProducer, ranks_tap: Tap
) -> None:
    _, (white, yellow, orange) = await setup(
        owner,
        [("White", None), ("Yellow", {"minVisits": 10}), ("Orange", {"minVisits": 50})],
        autoPromote=True,
    )
    client_id, since = await ranked_client(owner, white)
    times = [since + timedelta(seconds=10 * i) for i in range(1, 11)]
    keys = [f"v-{client_id}-{i}" for i in range(10)]
    # Before the rank was entered: never counts.
    await visit(producer, owner.tenant, client_id, since - timedelta(days=1), visit_id="old")
    # Nine distinct visits, out of order, three of them reported twice.
    first_nine = list(range(9))
    random.Random(7).shuffle(first_nine)
    for i in [*first_nine, 2, 5, 8]:
        await visit(producer, owner.tenant, client_id, times[i], visit_id=keys[i])
    nine = await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["visitsInRank"] == 9,
        timeout=WAIT,
    )
    assert nine["ranks"][0]["rank"]["name"] == "White"  # 9 < 10: not yet
    assert nine["ranks"][0]["eligibleForPromotion"] is False
    # The tenth distinct visit reaches the threshold; then the same visits again.
    await visit(producer, owner.tenant, client_id, times[9], visit_id=keys[9])
    for i in (9, 0, 4):
        await visit(producer, owner.tenant, client_id, times[i], visit_id=keys[i])
    promoted = await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["rank"]["name"] == "Yellow",
        timeout=WAIT,
    )
    events = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.client_promoted.v1"), until=bool, timeout=WAIT
    )
    # One more distinct visit after the promotion, so we know every earlier one was handled.
    await visit(
        producer, owner.tenant, client_id, times[9] + timedelta(seconds=5), visit_id="after"
    )
    after = await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["visitsInRank"] == 1,
        timeout=WAIT,
    )
    history = after["rankHistory"]
    assert [(h["kind"], h["trigger"], h["toRank"]["name"]) for h in history] == [
        ("ASSIGNMENT", "MANUAL", "White"),
        ("PROMOTION", "AUTOMATIC", "Yellow"),
    ]
    assert history[1]["fromRank"]["name"] == "White"
    assert history[1]["actorId"] is None
    assert promoted["ranks"][0]["nextRank"]["name"] == "Orange"
    events = await ranks_tap.events(owner.tenant, "ranks.client_promoted.v1")
    assert len(events) == 1
    data = events[0].data
    assert data["client_id"] == client_id
    assert (data["rank_id"], data["rank_name"]) == (yellow, "Yellow")
    assert (data["from_rank_id"], data["from_rank_name"]) == (white, "White")
    assert (data["trigger"], data["terminology"], data["category_name"]) == (
        "AUTOMATIC",
        "BELTS",
        "Karate",
    )
    assert data["actor_id"] is None
    assert orange  # the last rank is there; 50 visits are far away


async def test_eligibility_is_announced_once_to_the_chosen_roles(
    owner: Graph, producer: AIOKafkaProducer, ranks_tap: Tap
) -> None:
    category_id, (white, yellow) = await setup(
        owner,
        [("White", None), ("Yellow", {"minVisits": 2})],
        autoPromote=False,
        notifyOnEligibility=True,
        notifyRoles=["OWNER", "OPERATOR"],
        notifyClient=True,
    )
    client_id, since = await ranked_client(owner, white)
    for i in range(4):  # 2 reach the criteria; the 3rd and 4th must not announce again
        await visit(producer, owner.tenant, client_id, since + timedelta(seconds=i + 1))
    seen = await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["visitsInRank"] == 4,
        timeout=WAIT,
    )
    assert seen["ranks"][0]["rank"]["name"] == "White"  # not promoted: staff decide
    assert seen["ranks"][0]["eligibleForPromotion"] is True
    assert [h["kind"] for h in seen["rankHistory"]] == ["ASSIGNMENT"]
    [announced] = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.client_eligible.v1"), until=bool, timeout=WAIT
    )
    assert announced.data == {
        "client_id": client_id,
        "category_id": category_id,
        "category_name": "Karate",
        "rank_id": white,
        "rank_name": "White",
        "next_rank_id": yellow,
        "next_rank_name": "Yellow",
        "terminology": "BELTS",
        "notify_roles": ["OWNER", "OPERATOR"],
        "notify_client": True,
        "visits_in_rank": 2,
        "days_in_rank": 0,
    }
    report = await owner(
        "query($c: ID!) { rankReport(categoryId: $c, filter: {eligibleOnly: true}) "
        "{ totalCount edges { node { client { id } visitsInRank } } } }",
        {"c": category_id},
    )
    assert report["rankReport"]["totalCount"] == 1
    assert report["rankReport"]["edges"][0]["node"] == {
        "client": {"id": client_id},
        "visitsInRank": 4,
    }
    # The seniority job finds nothing new to announce either.
    assert (await run_job(owner, datetime.now(UTC) + timedelta(days=3)))["changed"] == 0
    assert len(await ranks_tap.events(owner.tenant, "ranks.client_eligible.v1")) == 1


async def test_a_visit_before_its_clients_card_waits_for_the_card(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    await setup(owner, [("White", None)])
    client_id = f"late-{random.randrange(10**9)}"
    dlq = Tap(topics.dlq(topics.INGEST_BOOKINGS))
    await dlq.open()
    mongo = create_client(MONGO_URL)
    try:
        sent = await visit(producer, owner.tenant, client_id, datetime.now(UTC))
        # The card travels on another topic and comes later: the visit waits for it
        # (plumbing.waiting) instead of being parked as UNKNOWN_CLIENT.
        await seed_client(producer, owner.tenant, "Late", client_id=client_id)

        async def applied() -> bool:
            found = await mongo["ranks"]["_processed_events"].find_one({"_id": f"ranks:{sent.id}"})
            return found is not None

        await eventually(applied, timeout=WAIT)
        parked = [json.loads(v) for v in await dlq.read()]
        assert [p for p in parked if p.get("event_id") == sent.id] == []
    finally:
        await dlq.consumer.stop()
        await mongo.close()


async def test_only_visits_of_the_category_services_count(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    _, (white, _) = await setup(
        owner,
        [("White", None), ("Yellow", {"minVisits": 5})],
        serviceIds=["karate-class"],
    )
    client_id, since = await ranked_client(owner, white)
    await visit(producer, owner.tenant, client_id, since + timedelta(seconds=1), service_id="yoga")
    await visit(producer, owner.tenant, client_id, since + timedelta(seconds=2))
    await visit(
        producer, owner.tenant, client_id, since + timedelta(seconds=3), service_id="karate-class"
    )
    await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["visitsInRank"] == 1,
        timeout=WAIT,
    )


async def test_seniority_promotes_after_the_configured_days_once(
    owner: Graph, ranks_tap: Tap
) -> None:
    await owner(
        'mutation { updateStudio(input: {name: "Dojo", timeZone: "Europe/Madrid"}) { userErrors { code } } }'
    )
    _, (white, yellow, _) = await setup(
        owner,
        [("White", None), ("Yellow", {"minDaysInRank": 30}), ("Orange", None)],
        autoPromote=True,
    )
    client_id, since = await ranked_client(owner, white)
    before = await run_job(owner, since + timedelta(days=29))
    assert before["changed"] == 0
    assert (await card(owner, CARD, client_id))["ranks"][0]["rank"]["name"] == "White"
    due = since + timedelta(days=31)
    results = [await run_job(owner, due), await run_job(owner, due)]
    assert [r["changed"] for r in results] == [1, 0]  # the replay does nothing
    now = await card(owner, CARD, client_id)
    assert now["ranks"][0]["rank"]["name"] == "Yellow"
    assert [(h["kind"], h["trigger"]) for h in now["rankHistory"]] == [
        ("ASSIGNMENT", "MANUAL"),
        ("PROMOTION", "AUTOMATIC"),
    ]
    promoted_at = datetime.fromisoformat(now["rankHistory"][1]["at"])
    assert abs(promoted_at - due) < timedelta(milliseconds=1)  # stored to the millisecond
    # Orange is manual only: however long the client waits, no automatic promotion.
    assert (await run_job(owner, due + timedelta(days=400)))["changed"] == 0
    [event] = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.client_promoted.v1"), until=bool, timeout=WAIT
    )
    assert (event.data["rank_id"], event.data["trigger"]) == (yellow, "AUTOMATIC")


async def test_visits_and_seniority_both_required_when_both_set(
    owner: Graph, producer: AIOKafkaProducer
) -> None:
    _, (white, _) = await setup(
        owner,
        [("White", None), ("Yellow", {"minVisits": 2, "minDaysInRank": 10})],
        autoPromote=True,
    )
    client_id, since = await ranked_client(owner, white)
    assert (await run_job(owner, since + timedelta(days=20)))["changed"] == 0  # no visits
    for i in range(2):
        await visit(producer, owner.tenant, client_id, since + timedelta(seconds=i + 1))
    counted = await eventually(
        lambda: card(owner, CARD, client_id),
        until=lambda c: c["ranks"][0]["visitsInRank"] == 2,
        timeout=WAIT,
    )
    assert counted["ranks"][0]["rank"]["name"] == "White"  # visits alone are not enough
    assert (await run_job(owner, since + timedelta(days=10, hours=1)))["changed"] == 1
    assert (await card(owner, CARD, client_id))["ranks"][0]["rank"]["name"] == "Yellow"
