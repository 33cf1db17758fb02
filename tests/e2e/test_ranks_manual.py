"""R7-R9: manual assign/promote/demote with notes and history, what a client sees, the
report per category, another studio's clients, and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from plumbing.testing import SERVICE_PORTS, Graph, eventually

from ..journeys import codes, new_client

SETUP = "mutation { setRankProgram(enabled: true, terminology: RANKINGS) { userErrors { code } } }"
CATEGORY = """
mutation($n: String!, $auto: Boolean) {
  createRankCategory(input: {name: $n, autoPromote: $auto}) { category { id } }
}"""
ADD_RANK = """
mutation($c: ID!, $n: String!, $crit: PromotionCriteriaInput) {
  addRank(categoryId: $c, input: {name: $n, criteria: $crit}) { rank { id } }
}"""
CHANGE_FIELDS = """
clientRank { rank { name } nextRank { name } visitsInRank }
change { kind trigger fromRank { name } toRank { name } note actorId }
userErrors { field message code }"""
ASSIGN = f"""
mutation($c: ID!, $r: ID!, $note: String) {{
  assignRank(clientId: $c, rankId: $r, note: $note) {{ {CHANGE_FIELDS} }}
}}"""
PROMOTE = f"""
mutation($c: ID!, $cat: ID!, $note: String) {{
  promoteClient(clientId: $c, categoryId: $cat, note: $note) {{ {CHANGE_FIELDS} }}
}}"""
DEMOTE = f"""
mutation($c: ID!, $cat: ID!, $note: String) {{
  demoteClient(clientId: $c, categoryId: $cat, note: $note) {{ {CHANGE_FIELDS} }}
}}"""
HISTORY = """
query($id: ID!) {
  client(id: $id) {
    ranks { category { name } rank { name } }
    rankHistory { id kind trigger fromRank { name } toRank { name } note actorId at category { name } }
  }
}"""
REPORT = """
query($c: ID!, $f: RankReportFilter, $first: Int, $after: String) {
  rankReport(categoryId: $c, filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { client { id } rank { name } eligibleForPromotion visitsInRank
            autoPromotedAt lastChange { kind trigger } } }
  }
}"""


async def program(owner: Graph, auto: bool = False) -> tuple[str, list[str]]:
    await owner(SETUP)
    category_id = (await owner(CATEGORY, {"n": "Judo", "auto": auto}))["createRankCategory"][
        "category"
    ]["id"]
    ranks = []
    for name, crit in (("White", None), ("Yellow", {"minDaysInRank": 10}), ("Green", None)):
        added = await owner(ADD_RANK, {"c": category_id, "n": name, "crit": crit})
        ranks.append(added["addRank"]["rank"]["id"])
    return category_id, ranks


async def test_demotion_then_promotion_keeps_a_correct_history(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, _) = await program(owner)
    ana = await new_client(owner)
    operator = graphs(owner.tenant, "OPERATOR", subject="sensei-1")
    steps = [
        (ASSIGN, {"c": ana, "r": white, "note": "first class"}, "assignRank"),
        (PROMOTE, {"c": ana, "cat": category_id, "note": "great kata"}, "promoteClient"),
        (DEMOTE, {"c": ana, "cat": category_id, "note": "missed the exam"}, "demoteClient"),
        (PROMOTE, {"c": ana, "cat": category_id}, "promoteClient"),
    ]
    for query, variables, name in steps:
        done = (await operator(query, variables))[name]
        assert done["userErrors"] == [], done
    last = done
    assert last["clientRank"] == {
        "rank": {"name": "Yellow"},
        "nextRank": {"name": "Green"},
        "visitsInRank": 0,
    }
    assert last["change"] == {
        "kind": "PROMOTION",
        "trigger": "MANUAL",
        "fromRank": {"name": "White"},
        "toRank": {"name": "Yellow"},
        "note": None,
        "actorId": "sensei-1",
    }
    card = (await owner(HISTORY, {"id": ana}))["client"]
    assert card["ranks"] == [{"category": {"name": "Judo"}, "rank": {"name": "Yellow"}}]
    history = card["rankHistory"]
    assert [
        (h["kind"], h["trigger"], (h["fromRank"] or {}).get("name"), h["toRank"]["name"], h["note"])
        for h in history
    ] == [
        ("ASSIGNMENT", "MANUAL", None, "White", "first class"),
        ("PROMOTION", "MANUAL", "White", "Yellow", "great kata"),
        ("DEMOTION", "MANUAL", "Yellow", "White", "missed the exam"),
        ("PROMOTION", "MANUAL", "White", "Yellow", None),
    ]
    assert {h["actorId"] for h in history} == {"sensei-1"}
    assert len({h["id"] for h in history}) == 4
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    assert (
        await owner(HISTORY.replace("rankHistory", 'rankHistory(categoryId: "x")'), {"id": ana})
    )["client"]["rankHistory"] == []


async def test_manual_changes_refuse_what_makes_no_sense(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, green) = await program(owner)
    ana = await new_client(owner)
    no_rank = (await owner(PROMOTE, {"c": ana, "cat": category_id}))["promoteClient"]
    assert no_rank["userErrors"] == [
        {
            "field": None,
            "message": "the client holds no rank in Judo: assign one first",
            "code": "NO_RANK",
        }
    ]
    assert (await owner(ASSIGN, {"c": ana, "r": green}))["assignRank"]["userErrors"] == []
    assert codes((await owner(PROMOTE, {"c": ana, "cat": category_id}))["promoteClient"]) == [
        "HIGHEST"
    ]
    assert codes((await owner(ASSIGN, {"c": ana, "r": green}))["assignRank"]) == ["SAME_RANK"]
    await owner(ASSIGN, {"c": ana, "r": white})
    assert codes((await owner(DEMOTE, {"c": ana, "cat": category_id}))["demoteClient"]) == [
        "LOWEST"
    ]
    unknown_rank = (await owner(ASSIGN, {"c": ana, "r": "nope"}))["assignRank"]
    assert (codes(unknown_rank), unknown_rank["userErrors"][0]["field"]) == (
        ["UNKNOWN_RANK"],
        ["rankId"],
    )
    assert codes((await owner(PROMOTE, {"c": ana, "cat": "nope"}))["promoteClient"]) == [
        "UNKNOWN_CATEGORY"
    ]
    assert codes(
        (await owner(ASSIGN, {"c": ana, "r": white, "note": "x" * 1001}))["assignRank"]
    ) == ["BAD_NOTE"]
    me = graphs(owner.tenant, "CLIENT", client_id=ana)
    body = await me.raw(PROMOTE, {"c": ana, "cat": category_id})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    partner = graphs(owner.tenant, "PARTNER")
    body = await partner.raw(ASSIGN, {"c": ana, "r": white})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_client_sees_only_its_own_rank_and_history(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, _) = await program(owner)
    ana, ben = await new_client(owner, "Ana"), await new_client(owner, "Ben")
    for someone in (ana, ben):
        await owner(ASSIGN, {"c": someone, "r": white})
    await owner(PROMOTE, {"c": ana, "cat": category_id, "note": "well done"})
    as_ana = graphs(owner.tenant, "CLIENT", client_id=ana)
    mine = (await as_ana("{ me { id ranks { rank { name } } rankHistory { kind note } } }"))["me"]
    assert mine == {
        "id": ana,
        "ranks": [{"rank": {"name": "Yellow"}}],
        "rankHistory": [
            {"kind": "ASSIGNMENT", "note": None},
            {"kind": "PROMOTION", "note": "well done"},
        ],
    }
    other = await as_ana.raw(HISTORY, {"id": ben})
    seen = (other.get("data") or {}).get("client")
    assert seen is None or (seen["ranks"], seen["rankHistory"]) == ([], [])
    body = await as_ana.raw(REPORT, {"c": category_id})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_report_filters_and_pages(owner: Graph) -> None:
    category_id, (white, yellow, _) = await program(owner, auto=True)
    people = [await new_client(owner, n) for n in ("Ana", "Ben", "Cai", "Dan", "Eva")]
    for someone in people[:4]:
        await owner(ASSIGN, {"c": someone, "r": white})
    await owner(ASSIGN, {"c": people[4], "r": yellow})
    started = datetime.now(UTC)
    # Seniority: White -> Yellow needs 10 days; the job promotes the four White holders.
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"http://127.0.0.1:{SERVICE_PORTS['ranks']}/_dev/jobs/seniority",
            json={"as_of": (started + timedelta(days=11)).isoformat()},
            headers=owner.headers(),
        )
    assert response.json()["result"]["changed"] == 4
    await owner(DEMOTE, {"c": people[0], "cat": category_id, "note": "back to basics"})
    everyone = (await owner(REPORT, {"c": category_id}))["rankReport"]
    assert everyone["totalCount"] == 5
    rows = {e["node"]["client"]["id"]: e["node"] for e in everyone["edges"]}
    assert rows[people[0]]["rank"]["name"] == "White"
    assert rows[people[0]]["lastChange"] == {"kind": "DEMOTION", "trigger": "MANUAL"}
    assert rows[people[1]]["lastChange"] == {"kind": "PROMOTION", "trigger": "AUTOMATIC"}
    assert rows[people[4]]["lastChange"] == {"kind": "ASSIGNMENT", "trigger": "MANUAL"}
    yellow_only = (await owner(REPORT, {"c": category_id, "f": {"rankId": yellow}}))["rankReport"]
    assert yellow_only["totalCount"] == 4
    auto = (
        await owner(REPORT, {"c": category_id, "f": {"autoPromotedSince": started.isoformat()}})
    )["rankReport"]
    # Ana was promoted automatically too, then demoted: she no longer holds that rank.
    assert sorted(e["node"]["client"]["id"] for e in auto["edges"]) == sorted(people[1:4])
    later = (started + timedelta(days=12)).isoformat()
    none = await owner(REPORT, {"c": category_id, "f": {"autoPromotedSince": later}})
    assert none["rankReport"]["totalCount"] == 0
    # Pages of two, in a stable order, covering everyone once.
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await owner(REPORT, {"c": category_id, "first": 2, "after": after}))["rankReport"]
        seen += [e["node"]["client"]["id"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == sorted(people)
    # Backward from the end, two at a time: the same order.
    back_query = """query($c: ID!, $before: String) { rankReport(categoryId: $c, last: 2,
      before: $before) { edges { node { client { id } } } pageInfo { hasPreviousPage startCursor } } }"""
    back: list[str] = []
    before = None
    while True:
        page = (await owner(back_query, {"c": category_id, "before": before}))["rankReport"]
        back = [e["node"]["client"]["id"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == seen
    body = await owner.raw(REPORT, {"c": "nope"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await owner.raw(REPORT, {"c": category_id, "after": "%%%"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_CURSOR"
    body = await owner.raw(REPORT, {"c": category_id, "first": 1000})
    assert body["errors"][0]["extensions"]["code"] == "BAD_PAGE_SIZE"


async def test_another_studio_never_sees_ranks(owner: Graph, graphs: Any) -> None:
    category_id, (white, _, _) = await program(owner)
    ana = await new_client(owner)
    await owner(ASSIGN, {"c": ana, "r": white, "note": "private"})
    stranger = graphs(owner.tenant + "-other", "OWNER")
    await stranger(SETUP)
    body = await stranger.raw(HISTORY, {"id": ana})
    seen = (body.get("data") or {}).get("client")
    assert seen is None or (seen["ranks"], seen["rankHistory"]) == ([], [])
    body = await stranger.raw(REPORT, {"c": category_id})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await stranger("{ rankCategories { id } }"))["rankCategories"] == []
    refused = (await stranger(PROMOTE, {"c": ana, "cat": category_id}))["promoteClient"]
    assert codes(refused) == ["UNKNOWN_CATEGORY"]
    # Owner's own view is untouched.
    assert len((await owner(HISTORY, {"id": ana}))["client"]["rankHistory"]) == 1


async def test_an_erased_client_is_forgotten(owner: Graph) -> None:
    category_id, (white, _, _) = await program(owner)
    ana = await new_client(owner)
    await owner(ASSIGN, {"c": ana, "r": white})
    erased = await owner(
        "mutation($id: ID!) { eraseClient(id: $id) { userErrors { code } } }", {"id": ana}
    )
    assert erased["eraseClient"]["userErrors"] == []

    async def total() -> int:
        count: int = (await owner(REPORT, {"c": category_id}))["rankReport"]["totalCount"]
        return count

    await eventually(total, until=lambda n: n == 0, timeout=60)
    # Neither an erased client nor an id no card ever had takes a rank.
    for stranger in (ana, "nope"):
        refused = (await owner(ASSIGN, {"c": stranger, "r": white}))["assignRank"]
        assert codes(refused) == ["UNKNOWN_CLIENT"]
    assert await total() == 0
    rows = await owner.raw(
        "query($c: ID!) { rankReport(categoryId: $c) { edges { node { client { id } } } } }",
        {"c": category_id},
    )
    assert "errors" not in rows and rows["data"]["rankReport"]["edges"] == []


SIGN_OFF = """
mutation($c: ID!, $cat: ID!, $s: String!) {
  signOffSkill(clientId: $c, categoryId: $cat, skill: $s) {
    clientRank { rank { name } skillsSignedOff eligibleForPromotion }
    change { kind trigger toRank { name } }
    userErrors { field message code }
  }
}"""


async def test_skills_signed_off_by_staff_complete_the_criteria(owner: Graph) -> None:
    await owner(SETUP)
    category_id = (await owner(CATEGORY, {"n": "Judo", "auto": True}))["createRankCategory"][
        "category"
    ]["id"]
    white = (await owner(ADD_RANK, {"c": category_id, "n": "White", "crit": None}))["addRank"]
    yellow = await owner(
        ADD_RANK, {"c": category_id, "n": "Yellow", "crit": {"skills": ["O-goshi", "Ukemi"]}}
    )
    assert yellow["addRank"]["rank"]["id"]
    ana = await new_client(owner)
    await owner(ASSIGN, {"c": ana, "r": white["rank"]["id"]})
    first = (await owner(SIGN_OFF, {"c": ana, "cat": category_id, "s": "Ukemi"}))["signOffSkill"]
    assert first == {
        "clientRank": {
            "rank": {"name": "White"},
            "skillsSignedOff": ["Ukemi"],
            "eligibleForPromotion": False,
        },
        "change": None,
        "userErrors": [],
    }
    unknown = (await owner(SIGN_OFF, {"c": ana, "cat": category_id, "s": "Kick"}))["signOffSkill"]
    assert unknown["userErrors"] == [
        {
            "field": ["skill"],
            "message": "the next rank asks for no skill named Kick",
            "code": "UNKNOWN_SKILL",
        }
    ]
    last = (await owner(SIGN_OFF, {"c": ana, "cat": category_id, "s": "O-goshi"}))["signOffSkill"]
    assert last["clientRank"]["rank"] == {"name": "Yellow"}
    assert last["change"] == {
        "kind": "PROMOTION",
        "trigger": "AUTOMATIC",
        "toRank": {"name": "Yellow"},
    }
    assert last["clientRank"]["skillsSignedOff"] == []


async def test_changing_criteria_never_takes_an_earned_rank_away(owner: Graph) -> None:
    category_id, (white, yellow, _) = await program(owner)
    ana = await new_client(owner)
    await owner(ASSIGN, {"c": ana, "r": white})
    await owner(PROMOTE, {"c": ana, "cat": category_id})
    changed = await owner(
        "mutation($id: ID!) { updateRank(id: $id, input: {criteria: {minVisits: 500, minDaysInRank: 900}}) "
        "{ userErrors { code } } }",
        {"id": yellow},
    )
    assert changed["updateRank"]["userErrors"] == []
    card = (await owner(HISTORY, {"id": ana}))["client"]
    assert card["ranks"] == [{"category": {"name": "Judo"}, "rank": {"name": "Yellow"}}]
    assert [h["kind"] for h in card["rankHistory"]] == ["ASSIGNMENT", "PROMOTION"]
