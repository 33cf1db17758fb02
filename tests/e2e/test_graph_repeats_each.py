"""Repeats of EACH repeat-sensitive staff action (docs/contract.md, "Repeats"): two
submits at once and a retry after them, with one idempotency key, have the effect once
and answer the same. (promoteClient, sendClientMessage and grantPoints:
test_graph_repeats.py.)"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from loyalty.testing import configure, create_client
from plumbing.testing import Graph

from ..journeys import new_client, rank_category
from .test_ranks_stripes import stripes

CHANGE = """
clientRank { rank { name } stripes }
change { kind fromRank { name } toRank { name } fromStripes toStripes }
userErrors { field code }"""


def ranks_action(name: str, target: str) -> str:
    return f"""
mutation($c: ID!, $t: ID!, $key: String) {{
  {name}(clientId: $c, {target}: $t, idempotencyKey: $key) {{ {CHANGE} }}
}}"""


ASSIGN = ranks_action("assignRank", "rankId")
PROMOTE = ranks_action("promoteClient", "categoryId")
DEMOTE = ranks_action("demoteClient", "categoryId")
AWARD = ranks_action("awardStripe", "categoryId")
REMOVE = ranks_action("removeStripe", "categoryId")
HISTORY = "query($id: ID!) { client(id: $id) { rankHistory { kind } ranks { stripes } } }"
POINTS = """
mutation($c: ID!, $p: Int!, $key: String) {{
  {name}(clientId: $c, points: $p, note: "desk", idempotencyKey: $key) {{
    entries {{ id points }} account {{ balance }} client {{ id }} userErrors {{ field code }}
  }}
}}"""
ERASE = """
mutation($id: ID!, $key: String) {
  eraseClient(id: $id, idempotencyKey: $key) { client { id } userErrors { field code } }
}"""


async def twice_and_again(graph: Graph, query: str, variables: dict[str, Any]) -> list[Any]:
    """Two submits at once, then a retry: the three answers of the root field."""
    key = str(uuid.uuid4())
    sent = {**variables, "key": key}
    both = await asyncio.gather(graph(query, sent), graph(query, sent))
    again = await graph(query, sent)
    return [next(iter(a.values())) for a in (*both, again)]


def once(answers: list[Any]) -> Any:
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["userErrors"] == [], answers[0]
    return answers[0]


async def test_assign_demote_award_and_remove_happen_once(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, _) = await rank_category(
        owner,
        [("White", {"stripes": stripes({}, {}, {})}), ("Yellow", {}), ("Green", {})],
    )
    ana = await new_client(owner, "Ana", "Repeat")
    sensei = graphs(owner.tenant, "OPERATOR", subject="sensei-1")

    assigned = once(await twice_and_again(sensei, ASSIGN, {"c": ana, "t": white}))
    assert assigned["clientRank"] == {"rank": {"name": "White"}, "stripes": 0}

    awarded = once(await twice_and_again(sensei, AWARD, {"c": ana, "t": category_id}))
    assert (awarded["change"]["fromStripes"], awarded["change"]["toStripes"]) == (0, 1)
    await sensei(AWARD, {"c": ana, "t": category_id, "key": None})
    removed = once(await twice_and_again(sensei, REMOVE, {"c": ana, "t": category_id}))
    assert (removed["change"]["fromStripes"], removed["change"]["toStripes"]) == (2, 1)

    for _ in range(2):  # White -> Yellow -> Green, each with its own key
        once(await twice_and_again(sensei, PROMOTE, {"c": ana, "t": category_id}))
    demoted = once(await twice_and_again(sensei, DEMOTE, {"c": ana, "t": category_id}))
    assert demoted["clientRank"]["rank"] == {"name": "Yellow"}  # one step down, not two

    card = (await owner(HISTORY, {"id": ana}))["client"]
    assert [h["kind"] for h in card["rankHistory"]] == [
        "ASSIGNMENT",
        "STRIPE_AWARDED",
        "STRIPE_AWARDED",
        "STRIPE_REMOVED",
        "PROMOTION",
        "PROMOTION",
        "DEMOTION",
    ]


async def test_a_double_deduction_takes_the_points_once(owner: Graph) -> None:
    await configure(owner, pointValue="0.01", earnPercent="5")
    dora = await create_client(owner, "Dora")
    grant = POINTS.format(name="grantPoints")
    deduct = POINTS.format(name="deductPoints")
    once(await twice_and_again(owner, grant, {"c": dora, "p": 100}))
    taken = once(await twice_and_again(owner, deduct, {"c": dora, "p": 30}))
    assert taken["account"] == {"balance": 70}
    assert taken["client"] == {"id": dora}
    assert [e["points"] for e in taken["entries"]] == [-30]


async def test_a_double_erase_answers_the_first_result(owner: Graph) -> None:
    eli = await new_client(owner, "Eli", "Repeat")
    erased = once(await twice_and_again(owner, ERASE, {"id": eli}))
    assert erased == {"client": None, "userErrors": []}
    # Without the key, a second erase says what happened (it is not a repeat).
    plain = await owner(ERASE, {"id": eli, "key": None})
    assert [e["code"] for e in plain["eraseClient"]["userErrors"]] == ["ALREADY_ERASED"]
