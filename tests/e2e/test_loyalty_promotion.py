"""B4: a rank promotion grants the points the loyalty program sets for that rank, once per
client and rank (replays, demotion and promotion again: nothing more), with the reward's
own expiry, only while the program is on; the reward settings and who may change them.

Promotions are made through the ranks graph; the ranks context publishes
`ranks.client_promoted.v1` and loyalty consumes it. Replays and markers are published
straight onto `ranks.events` in the documented envelope, keyed by the client like the
real events, so they are handled in order after them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty.testing import (
    SET_REWARD,
    account,
    configure,
    create_client,
    publish_envelope,
    set_reward,
)
from plumbing import topics
from plumbing.envelope import Envelope
from plumbing.testing import Graph, eventually

SEED = {"pointValue": "0.01", "earnPercent": "5"}
RANK_PROGRAM = "mutation { setRankProgram(enabled: true) { userErrors { code } } }"
CATEGORY = """
mutation($n: String!) {
  createRankCategory(input: {name: $n, autoPromote: false}) { category { id } userErrors { code } }
}"""
ADD_RANK = """
mutation($c: ID!, $n: String!) {
  addRank(categoryId: $c, input: {name: $n}) { rank { id } userErrors { code } }
}"""
CHANGE = "change { id kind at toRank { id name } } userErrors { field message code }"
ASSIGN = f"mutation($c: ID!, $r: ID!) {{ assignRank(clientId: $c, rankId: $r) {{ {CHANGE} }} }}"
PROMOTE = f"""
mutation($c: ID!, $cat: ID!) {{ promoteClient(clientId: $c, categoryId: $cat) {{ {CHANGE} }} }}"""
DEMOTE = f"""
mutation($c: ID!, $cat: ID!) {{ demoteClient(clientId: $c, categoryId: $cat) {{ {CHANGE} }} }}"""
PROGRAM = "{ loyaltyProgram { promotionRewards { rankId points expiryDays } } }"


async def judo(owner: Graph) -> tuple[str, list[str]]:
    """A category with three ranks: White, Yellow, Green (ids)."""
    await owner(RANK_PROGRAM)
    made = (await owner(CATEGORY, {"n": "Judo"}))["createRankCategory"]
    assert made["userErrors"] == [], made
    ranks = []
    for name in ("White", "Yellow", "Green"):
        added = (await owner(ADD_RANK, {"c": made["category"]["id"], "n": name}))["addRank"]
        assert added["userErrors"] == [], added
        ranks.append(added["rank"]["id"])
    return made["category"]["id"], ranks


async def rank_change(owner: Graph, query: str, **variables: str) -> dict[str, Any]:
    data = await owner(query, variables)
    payload: dict[str, Any] = next(iter(data.values()))
    assert payload["userErrors"] == [], payload
    change: dict[str, Any] = payload["change"]
    return change


def promoted(
    tenant: str, client_id: str, rank_id: str, *, change_id: str | None = None
) -> Envelope:
    """A `ranks.client_promoted.v1` as the ranks context publishes it."""
    return Envelope(
        type="ranks.client_promoted.v1",
        source="services/ranks",
        tenant=tenant,
        subject=client_id,
        data={
            "change_id": change_id or uuid.uuid4().hex,
            "client_id": client_id,
            "category_id": "cat-judo",
            "category_name": "Judo",
            "rank_id": rank_id,
            "rank_name": "Marker",
            "rank_position": 9,
            "from_rank_id": None,
            "trigger": "MANUAL",
            "terminology": "BELTS",
            "at": datetime.now(UTC).isoformat(),
        },
    )


def promotion_grants(acc: dict[str, Any]) -> list[tuple[str, int]]:
    return sorted(
        (e["node"]["sourceId"], e["node"]["points"])
        for e in acc["ledger"]["edges"]
        if e["node"]["sourceType"] == "PROMOTION"
    )


async def balance_is(owner: Graph, client_id: str, expected: int) -> dict[str, Any]:
    # Through ranks' relay and both consumers: a little more time than a purchase.
    return await eventually(
        lambda: account(owner, client_id), until=lambda a: a["balance"] == expected, timeout=60
    )


def same_instant(text: str, expected: datetime) -> bool:
    # Stored times keep milliseconds; the ranks payload may show microseconds.
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return abs(at - expected) < timedelta(milliseconds=2)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_b4_a_promotion_grants_the_reward_exactly_once(owner: Graph) -> None:
    await configure(owner, **SEED)
    category, (white, yellow, green) = await judo(owner)
    marker = f"marker-{uuid.uuid4().hex[:8]}"
    await set_reward(owner, yellow, 300, 90)
    await set_reward(owner, green, 500)  # no expiryDays: the program's 365
    await set_reward(owner, marker, 7, 30)
    client = await create_client(owner, "Promo")
    await rank_change(owner, ASSIGN, c=client, r=white)  # an assignment earns nothing
    change = await rank_change(owner, PROMOTE, c=client, cat=category)
    assert change["toRank"]["id"] == yellow

    got = await balance_is(owner, client, 300)
    [entry] = [e["node"] for e in got["ledger"]["edges"]]
    assert (entry["kind"], entry["points"], entry["sourceType"], entry["sourceId"]) == (
        "GRANT",
        300,
        "PROMOTION",
        yellow,
    )
    assert entry["sourceName"] == "Yellow (Judo)"
    assert entry["value"] == {"amount": "3.00", "currency": "EUR"}
    assert same_instant(entry["at"], instant(change["at"]))
    assert same_instant(entry["expiresAt"], instant(change["at"]) + timedelta(days=90))

    # The event again: redelivered as it was, and re-sent with another envelope id.
    replay = promoted(owner.tenant, client, yellow, change_id=change["id"])
    await publish_envelope(topics.RANKS, replay)
    await publish_envelope(topics.RANKS, replay)
    await publish_envelope(
        topics.RANKS, promoted(owner.tenant, client, yellow, change_id=change["id"])
    )
    # A marker behind them on the same partition: once it is in, the replays were handled.
    await publish_envelope(topics.RANKS, promoted(owner.tenant, client, marker))
    got = await balance_is(owner, client, 307)
    assert promotion_grants(got) == sorted([(yellow, 300), (marker, 7)])

    # Demoted, promoted to Yellow again (once per client and rank: nothing), then Green.
    await rank_change(owner, DEMOTE, c=client, cat=category)
    await rank_change(owner, PROMOTE, c=client, cat=category)
    to_green = await rank_change(owner, PROMOTE, c=client, cat=category)
    got = await balance_is(owner, client, 807)
    assert promotion_grants(got) == sorted([(yellow, 300), (marker, 7), (green, 500)])
    [green_entry] = [e["node"] for e in got["ledger"]["edges"] if e["node"]["sourceId"] == green]
    assert same_instant(green_entry["expiresAt"], instant(to_green["at"]) + timedelta(days=365))


async def test_b4_no_reward_or_a_disabled_program_grants_nothing(owner: Graph) -> None:
    await configure(owner, **SEED)
    category, (white, yellow, green) = await judo(owner)
    await set_reward(owner, green, 500, 60)  # Yellow has no reward
    client = await create_client(owner, "NoReward")
    await rank_change(owner, ASSIGN, c=client, r=white)
    to_yellow = await rank_change(owner, PROMOTE, c=client, cat=category)  # no reward
    assert to_yellow["toRank"]["id"] == yellow
    await rank_change(owner, PROMOTE, c=client, cat=category)  # to Green: 500
    got = await balance_is(owner, client, 500)
    assert promotion_grants(got) == [(green, 500)]
    assert len(got["ledger"]["edges"]) == 1

    # A program switched off grants nothing, even for a rank with a reward, and switching
    # it on again does not pay for what happened meanwhile (the version of the event's time).
    later, marker = f"later-{uuid.uuid4().hex[:8]}", f"marker-{uuid.uuid4().hex[:8]}"
    await set_reward(owner, later, 40, 30)
    await set_reward(owner, marker, 9, 30)
    await configure(owner, enabled=False)
    await publish_envelope(topics.RANKS, promoted(owner.tenant, client, later))
    await configure(owner, enabled=True)
    await publish_envelope(topics.RANKS, promoted(owner.tenant, client, marker))
    got = await balance_is(owner, client, 509)
    assert promotion_grants(got) == sorted([(green, 500), (marker, 9)])


async def test_b4_reward_settings_and_who_changes_them(owner: Graph, graphs: Any) -> None:
    await configure(owner, **SEED, expiryDays=120)
    made = await set_reward(owner, "rank-a", 250, 30)
    assert made["program"]["promotionRewards"] == [
        {"rankId": "rank-a", "points": 250, "expiryDays": 30}
    ]
    await set_reward(owner, "rank-b", 100)  # the program's expiry when it is set
    assert (await owner(PROGRAM))["loyaltyProgram"]["promotionRewards"] == [
        {"rankId": "rank-a", "points": 250, "expiryDays": 30},
        {"rankId": "rank-b", "points": 100, "expiryDays": 120},
    ]
    await set_reward(owner, "rank-a", 0)  # removed
    assert [r["rankId"] for r in (await owner(PROGRAM))["loyaltyProgram"]["promotionRewards"]] == [
        "rank-b"
    ]

    bad = (await owner(SET_REWARD, {"r": " ", "p": -1, "d": 0}))["setPromotionReward"]
    assert bad["program"] is None
    assert {(e["code"], tuple(e["field"])) for e in bad["userErrors"]} == {
        ("REQUIRED", ("rankId",)),
        ("BAD_POINTS", ("points",)),
        ("BAD_EXPIRY_DAYS", ("expiryDays",)),
    }
    # Clients may see the rewards (the program is public); only managers set them.
    client = graphs(owner.tenant, "CLIENT", client_id="someone")
    seen = (await client(PROGRAM))["loyaltyProgram"]["promotionRewards"]
    assert [r["rankId"] for r in seen] == ["rank-b"]
    for role in ("OPERATOR", "CLIENT"):
        caller = graphs(owner.tenant, role, client_id="someone")
        body = await caller.raw(SET_REWARD, {"r": "rank-c", "p": 5, "d": None})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
