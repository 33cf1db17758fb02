"""R1-R3: the program (on/off, terminology, words in the studio's language), categories
and ordered ranks with criteria; what clients hold cannot be reordered or removed."""

from __future__ import annotations

from typing import Any

from plumbing.testing import Graph, eventually

from ..journeys import codes

SET_PROGRAM = """
mutation($on: Boolean!, $t: RankTerminology) {
  setRankProgram(enabled: $on, terminology: $t) {
    program { enabled terminology labels { singular plural tracking report } }
    userErrors { code message }
  }
}"""
PROGRAM = "{ rankProgram { enabled terminology labels { singular plural tracking report } } }"
CATEGORY = """
mutation($input: RankCategoryInput!) {
  createRankCategory(input: $input) {
    category { id name autoPromote notifyOnEligibility notifyRoles notifyClient archived serviceIds }
    userErrors { field message code }
  }
}"""
UPDATE_CATEGORY = """
mutation($id: ID!, $input: RankCategoryInput!) {
  updateRankCategory(id: $id, input: $input) {
    category { id name autoPromote archived notifyRoles }
    userErrors { field message code }
  }
}"""
ADD_RANK = """
mutation($c: ID!, $i: RankInput!, $p: Int) {
  addRank(categoryId: $c, input: $i, position: $p) {
    rank { id name position criteria { minVisits minDaysInRank } category { name } }
    userErrors { field message code }
  }
}"""
UPDATE_RANK = """
mutation($id: ID!, $i: RankInput!) {
  updateRank(id: $id, input: $i) {
    rank { id name position criteria { minVisits minDaysInRank } }
    userErrors { field message code }
  }
}"""
MOVE = """
mutation($id: ID!, $p: Int!) {
  moveRank(id: $id, position: $p) { rank { name position } userErrors { field message code } }
}"""
REMOVE = """
mutation($id: ID!) { removeRank(id: $id) { rank { name } userErrors { field message code } } }"""
CATEGORIES = """
query($all: Boolean) { rankCategories(includeArchived: $all) { name archived ranks { name position } } }"""
ASSIGN = """
mutation($c: ID!, $r: ID!) {
  assignRank(clientId: $c, rankId: $r) { clientRank { rank { name } } userErrors { code message } }
}"""


async def test_program_words_follow_the_choice_and_the_studio_language(
    owner: Graph, graphs: Any
) -> None:
    assert (await owner(PROGRAM))["rankProgram"] == {
        "enabled": False,
        "terminology": "BELTS",
        "labels": {
            "singular": "belt",
            "plural": "belts",
            "tracking": "Belt tracking",
            "report": "Belt report",
        },
    }
    # Turned off: nothing can be set up yet, and the refusal uses the chosen word.
    refused = await owner(CATEGORY, {"input": {"name": "Karate"}})
    assert refused["createRankCategory"] == {
        "category": None,
        "userErrors": [
            {
                "field": None,
                "message": "Belt tracking is turned off for this studio",
                "code": "PROGRAM_DISABLED",
            }
        ],
    }
    done = await owner(SET_PROGRAM, {"on": True, "t": "CHALLENGES"})
    assert done["setRankProgram"]["program"]["labels"]["tracking"] == "Challenges"
    await owner(
        'mutation { updateStudio(input: {name: "Dojo", language: "es"}) { userErrors { code } } }'
    )
    spanish = await eventually(
        lambda: owner(PROGRAM),
        until=lambda d: d["rankProgram"]["labels"]["singular"] == "desafío",
        timeout=60,  # the studio's language travels on clients.events
    )
    assert spanish["rankProgram"]["labels"] == {
        "singular": "desafío",
        "plural": "desafíos",
        "tracking": "Desafíos",
        "report": "Informe de desafíos",
    }
    await owner(SET_PROGRAM, {"on": True, "t": "BELTS"})
    category = (await owner(CATEGORY, {"input": {"name": "Karate"}}))["createRankCategory"]
    white = await owner(ADD_RANK, {"c": category["category"]["id"], "i": {"name": "Blanco"}})
    twice = await owner(ADD_RANK, {"c": category["category"]["id"], "i": {"name": "blanco"}})
    assert twice["addRank"]["userErrors"] == [
        {
            "field": ["input", "name"],
            "message": "esta categoría ya tiene un cinturón llamado blanco",
            "code": "DUPLICATE_RANK",
        }
    ]
    assert white["addRank"]["rank"]["position"] == 1
    # Only managers change the program; the terminology is kept when omitted.
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(SET_PROGRAM, {"on": False})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    kept = await owner(SET_PROGRAM, {"on": True})
    assert kept["setRankProgram"]["program"]["terminology"] == "BELTS"


async def test_categories_hold_their_settings_and_refuse_bad_input(
    owner: Graph, graphs: Any
) -> None:
    await owner(SET_PROGRAM, {"on": True, "t": "BELTS"})
    made = await owner(
        CATEGORY,
        {
            "input": {
                "name": "  Karate ",
                "autoPromote": True,
                "notifyOnEligibility": True,
                "notifyRoles": ["ADMIN", "OPERATOR"],
                "notifyClient": True,
            }
        },
    )
    category = made["createRankCategory"]["category"]
    assert made["createRankCategory"]["userErrors"] == []
    assert {k: v for k, v in category.items() if k != "id"} == {
        "name": "Karate",
        "autoPromote": True,
        "notifyOnEligibility": True,
        "notifyRoles": ["ADMIN", "OPERATOR"],
        "notifyClient": True,
        "archived": False,
        "serviceIds": [],
    }
    bad = [
        ({"name": ""}, "BAD_NAME"),
        ({"name": "x" * 81}, "BAD_NAME"),
        ({"name": "karate"}, "DUPLICATE_CATEGORY"),
        ({"name": "Judo", "notifyRoles": ["CLIENT"]}, "BAD_ROLE"),
        ({"autoPromote": True}, "BAD_NAME"),
    ]
    for given, code in bad:
        refused = (await owner(CATEGORY, {"input": given}))["createRankCategory"]
        assert (refused["category"], codes(refused)) == (None, [code]), given
    changed = await owner(
        UPDATE_CATEGORY, {"id": category["id"], "input": {"autoPromote": False, "archived": True}}
    )
    assert changed["updateRankCategory"]["category"]["autoPromote"] is False
    assert (await owner(CATEGORIES, {"all": False}))["rankCategories"] == []
    assert [c["name"] for c in (await owner(CATEGORIES, {"all": True}))["rankCategories"]] == [
        "Karate"
    ]
    unknown = await owner(UPDATE_CATEGORY, {"id": "nope", "input": {"name": "X"}})
    assert unknown["updateRankCategory"]["userErrors"][0]["field"] == ["id"]
    assert codes(unknown["updateRankCategory"]) == ["UNKNOWN_CATEGORY"]
    operator = graphs(owner.tenant, "OPERATOR")
    body = await operator.raw(CATEGORY, {"input": {"name": "Judo"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_ranks_are_ordered_with_criteria_and_held_ranks_stay_put(owner: Graph) -> None:
    await owner(SET_PROGRAM, {"on": True, "t": "BELTS"})
    category_id = (await owner(CATEGORY, {"input": {"name": "Karate"}}))["createRankCategory"][
        "category"
    ]["id"]

    async def add(name: str, criteria: dict[str, int] | None, position: int | None = None) -> Any:
        return (
            await owner(
                ADD_RANK,
                {"c": category_id, "i": {"name": name, "criteria": criteria}, "p": position},
            )
        )["addRank"]

    white = (await add("White", None))["rank"]
    orange = (await add("Orange", {"minVisits": 20, "minDaysInRank": 60}))["rank"]
    yellow = (await add("Yellow", {"minDaysInRank": 30}, 2))["rank"]
    assert (yellow["position"], yellow["criteria"]) == (2, {"minVisits": None, "minDaysInRank": 30})
    assert orange["criteria"] == {"minVisits": 20, "minDaysInRank": 60}
    assert orange["category"] == {"name": "Karate"}
    listed = (await owner(CATEGORIES, {"all": False}))["rankCategories"][0]["ranks"]
    assert listed == [
        {"name": "White", "position": 1},
        {"name": "Yellow", "position": 2},
        {"name": "Orange", "position": 3},
    ]
    for criteria, path in (
        ({"minVisits": 0}, "minVisits"),
        ({"minDaysInRank": -3}, "minDaysInRank"),
        ({"minVisits": 10_001}, "minVisits"),
    ):
        refused = await add("Green", criteria)
        assert refused["userErrors"][0]["field"] == ["input", "criteria", path]
        assert codes(refused) == ["BAD_CRITERION"]
    assert codes(await add("Green", None, 5)) == ["BAD_POSITION"]
    assert codes(await add("Green", None, 0)) == ["BAD_POSITION"]
    unknown = await owner(ADD_RANK, {"c": "nope", "i": {"name": "Green"}, "p": None})
    assert codes(unknown["addRank"]) == ["UNKNOWN_CATEGORY"]
    changed = await owner(UPDATE_RANK, {"id": yellow["id"], "i": {"criteria": {"minVisits": 12}}})
    assert changed["updateRank"]["rank"]["criteria"] == {"minVisits": 12, "minDaysInRank": None}

    # Nobody holds a rank yet: reordering is allowed.
    moved = await owner(MOVE, {"id": orange["id"], "p": 2})
    assert moved["moveRank"]["rank"] == {"name": "Orange", "position": 2}
    await owner(MOVE, {"id": orange["id"], "p": 3})
    # A client holds Yellow: moving it, or moving another rank across it, is refused.
    client_id = (
        await owner(
            'mutation { createClient(input: {firstName: "Eva", lastName: "Ruiz"}) { client { id } } }'
        )
    )["createClient"]["client"]["id"]
    assigned = await owner(ASSIGN, {"c": client_id, "r": yellow["id"]})
    assert assigned["assignRank"]["userErrors"] == []
    refused = (await owner(MOVE, {"id": yellow["id"], "p": 1}))["moveRank"]
    assert refused["userErrors"] == [
        {
            "field": None,
            "message": "clients hold the belt Yellow: assign them another belt first",
            "code": "RANK_HELD",
        }
    ]
    assert codes((await owner(MOVE, {"id": white["id"], "p": 3}))["moveRank"]) == ["RANK_HELD"]
    assert codes((await owner(REMOVE, {"id": yellow["id"]}))["removeRank"]) == ["RANK_HELD"]
    assert codes((await owner(MOVE, {"id": "nope", "p": 1}))["moveRank"]) == ["UNKNOWN_RANK"]
    # A rank nobody holds can go.
    removed = await owner(REMOVE, {"id": orange["id"]})
    assert removed["removeRank"] == {"rank": {"name": "Orange"}, "userErrors": []}
    listed = (await owner(CATEGORIES, {"all": False}))["rankCategories"][0]["ranks"]
    assert [r["name"] for r in listed] == ["White", "Yellow"]
