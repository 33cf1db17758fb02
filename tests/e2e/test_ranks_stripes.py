"""B2 stripes: sub-ranks earned in order inside a rank from visits and seniority, by hand
with a history, refused when they make no sense; and (R6) the promotion message a client
receives when the category says the client is told."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from notifications.sinks import received_mail
from plumbing.testing import (
    Graph,
    eventually,
    subgraph_url,
)

from ..journeys import Tap, card, codes, new_client, rank_category, run_job, visit

# Visits travel through Kafka and the ranks consumer: generous on a busy shared stack.
WAIT = 60.0

PROGRAM = "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } } }"
UPDATE_RANK = """
mutation($id: ID!, $i: RankInput!) {
  updateRank(id: $id, input: $i) { rank { stripes { number } } userErrors { code message field } }
}"""
CHANGE_FIELDS = """
clientRank { rank { name } stripes nextStripe { number } eligibleForStripe visitsInStep }
change { kind trigger fromRank { name } toRank { name } fromStripes toStripes note actorId }
userErrors { field message code }"""
ASSIGN = f"""
mutation($c: ID!, $r: ID!) {{ assignRank(clientId: $c, rankId: $r) {{ {CHANGE_FIELDS} }} }}"""
PROMOTE = f"""
mutation($c: ID!, $cat: ID!) {{ promoteClient(clientId: $c, categoryId: $cat) {{ {CHANGE_FIELDS} }} }}"""
AWARD = f"""
mutation($c: ID!, $cat: ID!, $note: String) {{
  awardStripe(clientId: $c, categoryId: $cat, note: $note) {{ {CHANGE_FIELDS} }}
}}"""
REMOVE = f"""
mutation($c: ID!, $cat: ID!, $note: String) {{
  removeStripe(clientId: $c, categoryId: $cat, note: $note) {{ {CHANGE_FIELDS} }}
}}"""
CARD = """
query($id: ID!) {
  client(id: $id) {
    ranks { rank { name } stripes nextStripe { number } nextRank { name } visitsInRank
            visitsInStep eligibleForStripe eligibleForPromotion since stepSince }
    rankHistory { kind trigger fromRank { name } toRank { name } fromStripes toStripes
                  actorId note }
  }
}"""
REPORT = """
query($c: ID!) {
  rankReport(categoryId: $c) {
    totalCount edges { node { client { id } rank { name } stripes eligibleForStripe
                              lastChange { kind } } }
  }
}"""


setup = rank_category


def stripes(*criteria: dict[str, int]) -> list[dict[str, Any]]:
    return [{"criteria": c} for c in criteria]


async def ranked_client(
    owner: Graph, rank_id: str, name: str = "Ana", email: str | None = None
) -> tuple[str, datetime]:
    client_id = await new_client(owner, name, email=email)
    assigned = (await owner(ASSIGN, {"c": client_id, "r": rank_id}))["assignRank"]
    assert assigned["userErrors"] == [], assigned
    return client_id, datetime.fromisoformat(
        (await card(owner, CARD, client_id))["ranks"][0]["stepSince"]
    )


def rank_of(found: dict[str, Any]) -> dict[str, Any]:
    [only] = found["ranks"]
    return dict(only)


async def test_visits_earn_each_stripe_once_then_the_next_rank(
    owner: Graph, producer: AIOKafkaProducer, ranks_tap: Tap
) -> None:
    category_id, (white, _, _) = await setup(
        owner,
        [
            ("White", {"stripes": stripes({"minVisits": 2}, {"minVisits": 2})}),
            ("Yellow", {"criteria": {"minVisits": 2}}),
            ("Orange", {"criteria": {"minVisits": 50}}),
        ],
        autoPromote=True,
    )
    client_id, since = await ranked_client(owner, white)

    def t(seconds: int) -> datetime:
        # Visits have happened: at most 5 minutes ahead of now (FUTURE_TIME), so seconds.
        return since + timedelta(seconds=seconds)

    async def step(until: Any) -> dict[str, Any]:
        return rank_of(
            await eventually(
                lambda: card(owner, CARD, client_id),
                until=lambda c: until(rank_of(c)),
                timeout=WAIT,
            )
        )

    tenant = owner.tenant
    # Stripe 1: the later visit is reported first.
    await visit(producer, tenant, client_id, t(20), visit_id="v2")
    await visit(producer, tenant, client_id, t(10), visit_id="v1")
    first = await step(lambda r: r["stripes"] == 1)
    assert (first["rank"]["name"], first["nextStripe"], first["visitsInStep"]) == (
        "White",
        {"number": 2},
        0,
    )
    assert datetime.fromisoformat(first["stepSince"]) == t(20)  # after both visits
    # The same visits again, and a new one attended before the stripe: none counts, so
    # stripe 2 comes with the second visit after stripe 1 (v4), not before.
    await visit(producer, tenant, client_id, t(10), visit_id="v1")
    await visit(producer, tenant, client_id, t(20), visit_id="v2")
    await visit(producer, tenant, client_id, t(15), visit_id="late")
    await visit(producer, tenant, client_id, t(30), visit_id="v3")
    await visit(producer, tenant, client_id, t(40), visit_id="v4")
    second = await step(lambda r: r["stripes"] == 2)
    assert datetime.fromisoformat(second["stepSince"]) == t(40)
    assert (second["visitsInStep"], second["visitsInRank"], second["nextStripe"]) == (0, 4, None)
    # Yellow counts from stripe 2.
    await visit(producer, tenant, client_id, t(30), visit_id="v3")
    await visit(producer, tenant, client_id, t(50), visit_id="v5")
    await visit(producer, tenant, client_id, t(60), visit_id="v6")
    await step(lambda r: r["rank"]["name"] == "Yellow")
    await visit(producer, tenant, client_id, t(70), visit_id="v7")  # behind every earlier one
    yellow = await step(lambda r: r["visitsInRank"] == 1)
    assert (yellow["rank"]["name"], yellow["stripes"], yellow["nextRank"]) == (
        "Yellow",
        0,
        {"name": "Orange"},
    )
    assert datetime.fromisoformat(yellow["since"]) == t(60)
    history = (await card(owner, CARD, client_id))["rankHistory"]
    assert [
        (h["kind"], h["trigger"], h["fromStripes"], h["toStripes"], h["toRank"]["name"])
        for h in history
    ] == [
        ("ASSIGNMENT", "MANUAL", 0, 0, "White"),
        ("STRIPE_AWARDED", "AUTOMATIC", 0, 1, "White"),
        ("STRIPE_AWARDED", "AUTOMATIC", 1, 2, "White"),
        ("PROMOTION", "AUTOMATIC", 2, 0, "Yellow"),
    ]
    awarded = await eventually(
        lambda: ranks_tap.events(tenant, "ranks.stripe_awarded.v1"),
        until=lambda e: len(e) >= 2,
        timeout=WAIT,
    )
    assert [(e.data["from_stripes"], e.data["stripes"]) for e in awarded] == [(0, 1), (1, 2)]
    assert awarded[0].data == {
        "change_id": awarded[0].data["change_id"],
        "client_id": client_id,
        "category_id": category_id,
        "category_name": "Karate",
        "rank_id": white,
        "rank_name": "White",
        "rank_position": 1,
        "stripes": 1,
        "from_stripes": 0,
        "stripes_in_rank": 2,
        "trigger": "AUTOMATIC",
        "actor_id": None,
        "note": None,
        "terminology": "BELTS",
        "at": awarded[0].data["at"],
    }
    [promoted] = await eventually(
        lambda: ranks_tap.events(tenant, "ranks.client_promoted.v1"), until=bool, timeout=WAIT
    )
    assert (promoted.data["rank_name"], promoted.data["from_stripes"]) == ("Yellow", 2)
    assert promoted.data["notify_client"] is False  # the category does not tell the client


async def test_seniority_earns_a_stripe_and_the_next_rank_counts_from_it(
    owner: Graph, ranks_tap: Tap
) -> None:
    _, (white, _) = await setup(
        owner,
        [
            ("White", {"stripes": stripes({"minDaysInRank": 7})}),
            ("Yellow", {"criteria": {"minDaysInRank": 30}}),
        ],
        autoPromote=True,
    )
    client_id, since = await ranked_client(owner, white)
    assert (await run_job(owner, since + timedelta(days=6)))["changed"] == 0
    due = since + timedelta(days=8)
    assert [(await run_job(owner, due))["changed"] for _ in range(2)] == [1, 0]
    held = rank_of(await card(owner, CARD, client_id))
    assert (held["rank"]["name"], held["stripes"]) == ("White", 1)
    assert abs(datetime.fromisoformat(held["stepSince"]) - due) < timedelta(milliseconds=1)
    # 31 days after entering White, but 23 after the stripe: Yellow is not due yet.
    assert (await run_job(owner, since + timedelta(days=31)))["changed"] == 0
    assert (await run_job(owner, due + timedelta(days=30)))["changed"] == 1
    now = await card(owner, CARD, client_id)
    assert (rank_of(now)["rank"]["name"], rank_of(now)["stripes"]) == ("Yellow", 0)
    assert [(h["kind"], h["trigger"]) for h in now["rankHistory"]] == [
        ("ASSIGNMENT", "MANUAL"),
        ("STRIPE_AWARDED", "AUTOMATIC"),
        ("PROMOTION", "AUTOMATIC"),
    ]
    [awarded] = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.stripe_awarded.v1"), until=bool, timeout=WAIT
    )
    assert (awarded.data["stripes"], awarded.data["trigger"]) == (1, "AUTOMATIC")


async def test_without_auto_promotion_a_stripe_is_announced_once_and_staff_award_it(
    owner: Graph, graphs: Any, ranks_tap: Tap
) -> None:
    category_id, (white, _) = await setup(
        owner,
        [
            ("White", {"stripes": stripes({"minDaysInRank": 7})}),
            ("Yellow", {"criteria": {"minDaysInRank": 30}}),
        ],
        autoPromote=False,
        notifyOnEligibility=True,
        notifyRoles=["OPERATOR"],
    )
    client_id, since = await ranked_client(owner, white)
    due = since + timedelta(days=8)
    assert [(await run_job(owner, due))["changed"] for _ in range(2)] == [1, 0]
    # Not awarded: staff decide. The report shows the announcement (the card's
    # eligibleForStripe is computed live, and by the real clock 7 days have not passed).
    assert rank_of(await card(owner, CARD, client_id))["stripes"] == 0
    [row] = (await owner(REPORT, {"c": category_id}))["rankReport"]["edges"]
    assert (row["node"]["stripes"], row["node"]["eligibleForStripe"]) == (0, True)
    [announced] = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.stripe_eligible.v1"),
        until=bool,
        timeout=WAIT,
    )
    assert announced.data == {
        "client_id": client_id,
        "category_id": category_id,
        "category_name": "Karate",
        "rank_id": white,
        "rank_name": "White",
        "stripe": 1,
        "stripes_in_rank": 1,
        "terminology": "BELTS",
        "notify_roles": ["OPERATOR"],
        "notify_client": False,
        "visits_in_step": 0,
        "days_in_step": 8,
    }
    sensei = graphs(owner.tenant, "OPERATOR", subject="sensei-1")
    done = (await sensei(AWARD, {"c": client_id, "cat": category_id}))["awardStripe"]
    assert done["userErrors"] == []
    assert (done["clientRank"]["stripes"], done["clientRank"]["eligibleForStripe"]) == (1, False)
    [row] = (await owner(REPORT, {"c": category_id}))["rankReport"]["edges"]
    assert (row["node"]["stripes"], row["node"]["eligibleForStripe"]) == (1, False)
    assert row["node"]["lastChange"] == {"kind": "STRIPE_AWARDED"}
    assert (await run_job(owner, due + timedelta(days=1)))["changed"] == 0
    assert len(await ranks_tap.events(owner.tenant, "ranks.stripe_eligible.v1")) == 1


async def test_staff_award_and_remove_stripes_with_a_history_and_clear_refusals(
    owner: Graph, graphs: Any, ranks_tap: Tap
) -> None:
    category_id, (white, _) = await setup(
        owner,
        [
            ("White", {"stripes": stripes({}, {"minVisits": 5})}),
            ("Yellow", {}),
        ],
    )
    ana, _ = await ranked_client(owner, white)
    sensei = graphs(owner.tenant, "OPERATOR", subject="sensei-1")
    steps = [
        (AWARD, "awardStripe", "good guard"),
        (AWARD, "awardStripe", None),
        (REMOVE, "removeStripe", "missed the test"),
    ]
    for query, name, note in steps:
        done = (await sensei(query, {"c": ana, "cat": category_id, "note": note}))[name]
        assert done["userErrors"] == [], done
    assert done["clientRank"] == {
        "rank": {"name": "White"},
        "stripes": 1,
        "nextStripe": {"number": 2},
        "eligibleForStripe": False,
        "visitsInStep": 0,
    }
    assert done["change"] == {
        "kind": "STRIPE_REMOVED",
        "trigger": "MANUAL",
        "fromRank": {"name": "White"},
        "toRank": {"name": "White"},
        "fromStripes": 2,
        "toStripes": 1,
        "note": "missed the test",
        "actorId": "sensei-1",
    }
    # Fewer stripes than Ana holds is refused; as many is fine.
    fewer = (await owner(UPDATE_RANK, {"id": white, "i": {"stripes": []}}))["updateRank"]
    assert fewer["userErrors"] == [
        {
            "field": ["input", "stripes"],
            "message": "clients hold stripe 1 of White: take it from them first",
            "code": "STRIPES_HELD",
        }
    ]
    kept = await owner(UPDATE_RANK, {"id": white, "i": {"stripes": stripes({"minVisits": 3})}})
    assert kept["updateRank"] == {"rank": {"stripes": [{"number": 1}]}, "userErrors": []}
    bad = await owner(
        UPDATE_RANK, {"id": white, "i": {"stripes": stripes({"minVisits": 3}, {"minVisits": 0})}}
    )
    assert bad["updateRank"]["userErrors"][0]["field"] == [
        "input",
        "stripes",
        "1",
        "criteria",
        "minVisits",
    ]
    # Refusals of awardStripe / removeStripe.
    full = (await sensei(AWARD, {"c": ana, "cat": category_id}))["awardStripe"]
    assert full["userErrors"] == [
        {
            "field": None,
            "message": "the client already holds every stripe of White",
            "code": "ALL_STRIPES_HELD",
        }
    ]
    promoted = (await sensei(PROMOTE, {"c": ana, "cat": category_id}))["promoteClient"]
    assert (promoted["clientRank"]["stripes"], promoted["change"]["fromStripes"]) == (0, 1)
    assert codes((await sensei(AWARD, {"c": ana, "cat": category_id}))["awardStripe"]) == [
        "NO_STRIPES"
    ]
    await sensei(ASSIGN, {"c": ana, "r": white})
    assert codes((await sensei(REMOVE, {"c": ana, "cat": category_id}))["removeStripe"]) == [
        "NO_STRIPE_HELD"
    ]
    ben = await new_client(owner, "Ben")
    assert codes((await sensei(AWARD, {"c": ben, "cat": category_id}))["awardStripe"]) == [
        "NO_RANK"
    ]
    assert codes((await sensei(AWARD, {"c": ana, "cat": "nope"}))["awardStripe"]) == [
        "UNKNOWN_CATEGORY"
    ]
    long_note = {"c": ana, "cat": category_id, "note": "x" * 1001}
    assert codes((await sensei(AWARD, long_note))["awardStripe"]) == ["BAD_NOTE"]
    for role in ("CLIENT", "PARTNER"):
        caller = graphs(owner.tenant, role, **({"client_id": ana} if role == "CLIENT" else {}))
        body = await caller.raw(AWARD, {"c": ana, "cat": category_id})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    history = (await card(owner, CARD, ana))["rankHistory"]
    assert [
        (h["kind"], h["fromStripes"], h["toStripes"], h["toRank"]["name"], h["note"])
        for h in history
    ] == [
        ("ASSIGNMENT", 0, 0, "White", None),
        ("STRIPE_AWARDED", 0, 1, "White", "good guard"),
        ("STRIPE_AWARDED", 1, 2, "White", None),
        ("STRIPE_REMOVED", 2, 1, "White", "missed the test"),
        ("PROMOTION", 1, 0, "Yellow", None),
        ("ASSIGNMENT", 0, 0, "White", None),
    ]
    removed = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.stripe_removed.v1"), until=bool, timeout=WAIT
    )
    assert [(e.data["stripes"], e.data["actor_id"], e.data["trigger"]) for e in removed] == [
        (1, "sensei-1", "MANUAL")
    ]


async def test_a_client_of_another_studio_never_sees_stripes(owner: Graph, graphs: Any) -> None:
    category_id, (white, _) = await setup(
        owner, [("White", {"stripes": stripes({})}), ("Yellow", {})]
    )
    ana, _ = await ranked_client(owner, white)
    ben, _ = await ranked_client(owner, white, "Ben")
    await owner(AWARD, {"c": ana, "cat": category_id, "note": "private"})
    stranger = graphs(owner.tenant + "-other", "OWNER")
    await stranger(PROGRAM)
    assert codes((await stranger(AWARD, {"c": ana, "cat": category_id}))["awardStripe"]) == [
        "UNKNOWN_CATEGORY"
    ]
    body = await stranger.raw(CARD, {"id": ana})
    seen = (body.get("data") or {}).get("client")
    assert seen is None or (seen["ranks"], seen["rankHistory"]) == ([], [])
    as_ben = graphs(owner.tenant, "CLIENT", client_id=ben)
    body = await as_ben.raw(CARD, {"id": ana})
    seen = (body.get("data") or {}).get("client")
    assert seen is None or (seen["ranks"], seen["rankHistory"]) == ([], [])
    mine = (await as_ben("{ me { ranks { stripes } } }"))["me"]
    assert mine == {"ranks": [{"stripes": 0}]}
    # Ana's card is untouched.
    assert rank_of(await card(owner, CARD, ana))["stripes"] == 1


NOTIFIED = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Client { messages { templateKey status } messageChannels(category: SERVICE) }
  }
}"""
HELD = """
query($id: ID!) { client(id: $id) { ranks { category { id } rank { name } stepSince } } }"""


async def notified(owner: Graph, client_id: str) -> dict[str, Any]:
    """What the notifications context holds of the client, asked of its subgraph."""
    subgraph = Graph(owner.tenant, ["OWNER"], url=subgraph_url("notifications"))
    try:
        data = await subgraph(NOTIFIED, {"r": [{"__typename": "Client", "id": client_id}]})
    finally:
        await subgraph.close()
    found: dict[str, Any] = data["_entities"][0]
    return found


async def held_in(owner: Graph, client_id: str, category_id: str) -> dict[str, Any]:
    ranks = (await owner(HELD, {"id": client_id}))["client"]["ranks"]
    return dict(next(r for r in ranks if r["category"]["id"] == category_id))


async def test_a_promotion_tells_the_client_when_the_category_says_so(
    owner: Graph, producer: AIOKafkaProducer, ranks_tap: Tap
) -> None:
    await owner(
        'mutation { updateStudio(input: {name: "Dojo Sakura", language: "es"}) '
        "{ userErrors { code } } }"
    )
    await owner(PROGRAM)
    await eventually(
        lambda: owner("{ rankProgram { labels { singular } } }"),
        until=lambda d: d["rankProgram"]["labels"]["singular"] == "cinturón",
        timeout=WAIT,  # the studio's language travels on clients.events
    )
    quiet, (quiet_white, _) = await setup(
        owner, [("Blanco", {}), ("Azul", {})], name="Judo", notifyClient=False
    )
    told, (white, _, _) = await setup(
        owner,
        [("Blanco", {}), ("Amarillo", {"criteria": {"minVisits": 1}}), ("Naranja", {})],
        name="Kárate",
        autoPromote=True,
        notifyClient=True,  # eligibility notifications stay off: promotions are told anyway
    )
    email = f"ana.{uuid.uuid4().hex[:10]}@example.com"
    client_id, _ = await ranked_client(owner, quiet_white, email=email)
    # The card reached the notifications context (it knows the e-mail address).
    await eventually(
        lambda: notified(owner, client_id),
        until=lambda n: "EMAIL" in n["messageChannels"],
        timeout=WAIT,
    )
    # Judo does not tell the client: promoted by hand, no message.
    judo = (await owner(PROMOTE, {"c": client_id, "cat": quiet}))["promoteClient"]
    assert judo["userErrors"] == []
    # Karate does: automatically on the first visit, then by hand.
    assert (await owner(ASSIGN, {"c": client_id, "r": white}))["assignRank"]["userErrors"] == []
    entered = datetime.fromisoformat((await held_in(owner, client_id, told))["stepSince"])
    await visit(producer, owner.tenant, client_id, entered + timedelta(minutes=5), visit_id="k1")
    await eventually(
        lambda: held_in(owner, client_id, told),
        until=lambda r: r["rank"]["name"] == "Amarillo",
        timeout=WAIT,
    )
    by_hand = (await owner(PROMOTE, {"c": client_id, "cat": told}))["promoteClient"]
    assert by_hand["userErrors"] == []
    mails = await eventually(
        lambda: asyncio.to_thread(received_mail, email), until=lambda m: len(m) >= 2, timeout=WAIT
    )
    assert [m["subject"] for m in mails] == ["Dojo Sakura: ¡nuevo cinturón!"] * 2
    assert "Ya tienes Amarillo en Kárate." in mails[0]["body"]
    assert "Ya tienes Naranja en Kárate." in mails[1]["body"]
    records = await eventually(
        lambda: notified(owner, client_id),
        until=lambda n: [r["status"] for r in n["messages"]] == ["SENT", "SENT"],
        timeout=WAIT,
    )
    assert {r["templateKey"] for r in records["messages"]} == {"rank_promoted"}
    promoted = await eventually(
        lambda: ranks_tap.events(owner.tenant, "ranks.client_promoted.v1"),
        until=lambda e: len(e) >= 3,
        timeout=WAIT,
    )
    assert sorted((e.data["rank_name"], e.data["notify_client"]) for e in promoted) == [
        ("Amarillo", True),
        ("Azul", False),
        ("Naranja", True),
    ]
    # Judo's promotion came first on the client's partition: it was handled, and not mailed.
    assert len(received_mail(email)) == 2
