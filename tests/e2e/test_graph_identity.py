"""The graph's contract for normalized caches (docs/contract.md): global ids,
`node(id)` and `nodes(ids)` through the gateway, mutation payloads that return the client
they changed, and a refused field that leaves its siblings' data alone."""

from __future__ import annotations

from typing import Any

from plumbing.testing import Graph, eventually

from ..journeys import new_client

SETUP_RANKS = """
mutation {
  setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } }
  createRankCategory(input: {name: "Judo"}) { category { id } }
}"""
ADD_RANK = """
mutation($c: ID!) { addRank(categoryId: $c, input: {name: "White"}) { rank { id } } }"""
ASSIGN = """
mutation($c: ID!, $r: ID!) {
  assignRank(clientId: $c, rankId: $r) {
    clientRank { id rank { name } }
    client { id ranks { id rank { name } } }
    userErrors { code }
  }
}"""
GRANT = """
mutation($c: ID!) {
  grantPoints(clientId: $c, points: 40, note: "welcome") {
    account { id balance }
    client { id loyalty { id balance } }
    userErrors { code }
  }
}"""
CARD = """
query($id: ID!) {
  client(id: $id) {
    id
    loyalty { id balance }
    activity { id }
    ranks { id }
    communicationPreferences { id category channel }
  }
  loyaltyProgram { id }
  rankProgram { id }
}"""
NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Client { firstName }
    ... on LoyaltyAccount { balance }
    ... on ClientRank { rank { name } }
    ... on CommunicationPreference { category channel enabled }
    ... on LoyaltyProgram { enabled }
    ... on RankProgram { terminology }
  }
}"""
NODES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on Client { firstName }
    ... on LoyaltyAccount { balance }
    ... on ClientRank { rank { name } }
  }
}"""


async def _ranked_client(owner: Graph) -> tuple[str, dict[str, Any]]:
    made = await owner(SETUP_RANKS)
    category = made["createRankCategory"]["category"]["id"]
    rank = (await owner(ADD_RANK, {"c": category}))["addRank"]["rank"]["id"]
    ana = await new_client(owner, "Ana", "Node")

    async def assign() -> dict[str, Any]:
        return dict((await owner(ASSIGN, {"c": ana, "r": rank}))["assignRank"])

    # ranks learns of the card from the clients service's event.
    assigned = await eventually(assign, until=lambda a: a["userErrors"] == [])
    return ana, assigned


async def _granted(owner: Graph, client_id: str) -> dict[str, Any]:
    async def grant() -> dict[str, Any]:
        return dict((await owner(GRANT, {"c": client_id}))["grantPoints"])

    # loyalty learns of the card from the clients service's event.
    return await eventually(grant, until=lambda g: g["userErrors"] == [])


async def test_every_object_on_the_card_has_an_id_node_fetches_again(owner: Graph) -> None:
    ana, assigned = await _ranked_client(owner)
    rank_id = assigned["clientRank"]["id"]
    assert assigned["client"] == {"id": ana, "ranks": [{"id": rank_id, "rank": {"name": "White"}}]}

    granted = await _granted(owner, ana)
    account_id = granted["account"]["id"]
    assert granted["client"] == {"id": ana, "loyalty": {"id": account_id, "balance": 40}}

    card = await owner(CARD, {"id": ana})
    assert card["client"]["loyalty"] == {"id": account_id, "balance": 40}
    assert card["client"]["ranks"] == [{"id": rank_id}]
    preferences = card["client"]["communicationPreferences"]
    ids = [
        card["client"]["activity"]["id"],
        card["loyaltyProgram"]["id"],
        card["rankProgram"]["id"],
        *(p["id"] for p in preferences),
    ]
    assert len(set([*ids, ana, account_id, rank_id])) == len(ids) + 3
    # Stable: the same object has the same id on every read.
    assert (await owner(CARD, {"id": ana}))["client"]["communicationPreferences"] == preferences

    async def node(id: str) -> Any:
        return (await owner(NODE, {"id": id}))["node"]

    assert await node(ana) == {"__typename": "Client", "id": ana, "firstName": "Ana"}
    assert await node(account_id) == {
        "__typename": "LoyaltyAccount",
        "id": account_id,
        "balance": 40,
    }
    assert await node(rank_id) == {
        "__typename": "ClientRank",
        "id": rank_id,
        "rank": {"name": "White"},
    }
    sms = preferences[0]
    assert await node(sms["id"]) == {
        "__typename": "CommunicationPreference",
        "id": sms["id"],
        "category": sms["category"],
        "channel": sms["channel"],
        "enabled": True,
    }
    assert (await node(card["rankProgram"]["id"]))["terminology"] == "BELTS"
    assert (await node(card["loyaltyProgram"]["id"]))["__typename"] == "LoyaltyProgram"

    mixed = (await owner(NODES, {"ids": [rank_id, "no-such-id", ana, account_id]}))["nodes"]
    assert [n and n["__typename"] for n in mixed] == [
        "ClientRank",
        None,
        "Client",
        "LoyaltyAccount",
    ]
    assert mixed[3]["balance"] == 40

    # A well-formed id of a rank the client does not hold: null, with a coded error.
    unheld = await owner.raw(NODE, {"id": rank_id[:-2] + "xx"})
    assert unheld["data"] == {"node": None}


async def test_an_id_of_another_studio_is_null(owner: Graph, graphs: Any, tenant: str) -> None:
    ana, assigned = await _ranked_client(owner)
    account_id = (await _granted(owner, ana))["account"]["id"]
    theirs = await owner(CARD, {"id": ana})
    foreign = [
        ana,
        account_id,
        assigned["clientRank"]["id"],
        theirs["client"]["communicationPreferences"][0]["id"],
        theirs["loyaltyProgram"]["id"],
        theirs["rankProgram"]["id"],
    ]
    other = graphs(f"{tenant}-other", "OWNER")
    for id in foreign:
        answer = await other.raw(NODE, {"id": id})
        assert (answer["data"], answer.get("errors")) == ({"node": None}, None), (id, answer)
    answer = await other.raw(NODES, {"ids": foreign})
    assert (answer["data"], answer.get("errors")) == ({"nodes": [None] * len(foreign)}, None)


async def test_a_refused_field_keeps_its_siblings(owner: Graph, graphs: Any) -> None:
    operator = graphs(owner.tenant, "OPERATOR")
    answer = await operator.raw("{ studio { name } partnerKeys { id } }")
    assert answer["data"]["studio"]["name"]
    assert answer["data"]["partnerKeys"] is None
    [error] = answer["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["partnerKeys"], "FORBIDDEN")

    # Across subgraphs: the operator may not read the earn rules of loyalty's settings
    # (staff may), and a client may read neither; the studio still comes back.
    ana = await new_client(owner, "Ana", "Sibling")
    client = graphs(owner.tenant, "CLIENT", client_id=ana)
    answer = await client.raw(
        '{ studio { name } serviceEarnRules { serviceId } rankReport(categoryId: "x") '
        "{ totalCount } me { id } }"
    )
    assert answer["data"]["studio"]["name"]
    assert answer["data"]["me"] == {"id": ana}
    assert answer["data"]["serviceEarnRules"] is None
    assert answer["data"]["rankReport"] is None
    assert sorted((e["path"][0], e["extensions"]["code"]) for e in answer["errors"]) == [
        ("rankReport", "FORBIDDEN"),
        ("serviceEarnRules", "FORBIDDEN"),
    ]


async def test_too_many_ids_at_once_says_the_maximum_in_the_callers_language(
    graphs: Any, tenant: str
) -> None:
    italian = graphs(tenant, "OWNER", accept_language="it")
    body = await italian.raw(NODES, {"ids": [f"id-{n}" for n in range(101)]})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_IDS"
    assert error["extensions"]["params"] == {"maximum": "100"}
    assert error["message"] == "al massimo 100 id alla volta"
