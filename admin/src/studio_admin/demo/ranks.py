"""Demo data of the ranks context: belt tracking on, two categories with ordered belts,
and the demo clients holding belts with a short history (R1-R3, R7)."""

from __future__ import annotations

from typing import Any

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph

CATEGORY = """
mutation($input: RankCategoryInput!) {
  createRankCategory(input: $input) { category { id name } userErrors { message code } }
}"""
ADD_RANK = """
mutation($c: ID!, $i: RankInput!) {
  addRank(categoryId: $c, input: $i) { rank { id name } userErrors { message code } }
}"""
ASSIGN = """
mutation($c: ID!, $r: ID!, $n: String) {
  assignRank(clientId: $c, rankId: $r, note: $n) { clientRank { rank { name } } userErrors { message code } }
}"""
PROMOTE = """
mutation($c: ID!, $cat: ID!, $n: String) {
  promoteClient(clientId: $c, categoryId: $cat, note: $n) { clientRank { rank { name } } userErrors { message code } }
}"""

# name, settings, belts (name, min visits, min days in the previous belt)
CATEGORIES: list[tuple[str, dict[str, Any], list[tuple[str, int | None, int | None]]]] = [
    (
        "Karate",
        {"autoPromote": True},
        [
            ("Blanco", None, None),
            ("Amarillo", 12, 30),
            ("Naranja", 20, 60),
            ("Verde", 30, 90),
            ("Azul", 40, 120),
            ("Marrón", 50, 180),
            ("Negro", None, None),  # given by an exam only
        ],
    ),
    (
        "Judo infantil",
        {
            "autoPromote": False,
            "notifyOnEligibility": True,
            "notifyRoles": ["OWNER", "OPERATOR"],
            "notifyClient": True,
        },
        [("Blanco", None, None), ("Blanco-amarillo", 10, None), ("Amarillo", 16, 45)],
    ),
]

# client, category, belt assigned, how many manual promotions after it, note
HOLDERS = [
    ("Ana García", "Karate", "Naranja", 1, "Kata Heian Sandan impecable"),
    ("Javier Martínez", "Karate", "Marrón", 0, "Viene de otro dojo con cinturón marrón"),
    ("Marco Rossi", "Karate", "Blanco", 1, "Primer examen aprobado"),
    ("Giulia Bianchi", "Karate", "Verde", 0, None),
    ("Daniel Sánchez", "Karate", "Blanco", 0, None),
    ("Pablo Navarro", "Karate", "Amarillo", 0, None),
    ("Lucía Fernández", "Judo infantil", "Blanco", 1, "Muy constante en clase"),
    ("Alex Romero", "Judo infantil", "Blanco", 0, None),
]


def fill(graph: Graph, state: DemoState) -> None:
    graph.mutate(
        "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { message code } } }"
    )
    existing = {
        c["name"]: c
        for c in graph("{ rankCategories { id name ranks { id name } } }")["rankCategories"]
    }
    ids: dict[str, str] = {}
    belts: dict[tuple[str, str], str] = {}
    for name, settings, ranks in CATEGORIES:
        if name in existing:  # a previous, interrupted run already made it
            ids[name] = existing[name]["id"]
            have = {r["name"]: r["id"] for r in existing[name]["ranks"]}
        else:
            ids[name] = graph.mutate(CATEGORY, {"input": {"name": name, **settings}})["category"][
                "id"
            ]
            have = {}
        for belt, visits, days in ranks:
            if belt not in have:
                criteria = {"minVisits": visits, "minDaysInRank": days}
                have[belt] = graph.mutate(
                    ADD_RANK, {"c": ids[name], "i": {"name": belt, "criteria": criteria}}
                )["rank"]["id"]
            belts[(name, belt)] = have[belt]
    for client, category, belt, promotions, note in HOLDERS:
        client_id = state.client_ids.get(client)
        if client_id is None:
            continue
        answer = graph(
            ASSIGN,
            {"c": client_id, "r": belts[(category, belt)], "n": None if promotions else note},
        )
        errors = answer["assignRank"]["userErrors"]
        if errors and errors[0]["code"] != "SAME_RANK":
            raise RuntimeError(f"assigning {belt} to {client}: {errors}")
        if errors:
            continue  # already done by an earlier run
        for _ in range(promotions):
            graph.mutate(PROMOTE, {"c": client_id, "cat": ids[category], "n": note})
