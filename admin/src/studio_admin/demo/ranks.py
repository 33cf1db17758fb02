"""Demo data of the ranks context: belt tracking on, three categories with ordered belts
(the karate white belt with stripes), and the demo clients holding belts with a short
history (R1-R3, R7, stripes). One client came with a belt earned elsewhere 40 days ago
(R5): the seniority job promotes her at its next run (the consumer runs it at start and
every 15 minutes; `studioctl run-job seniority` runs it now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
mutation($c: ID!, $r: ID!, $n: String, $s: DateTime) {
  assignRank(clientId: $c, rankId: $r, note: $n, since: $s) { clientRank { rank { name } } userErrors { message code } }
}"""
PROMOTE = """
mutation($c: ID!, $cat: ID!, $n: String) {
  promoteClient(clientId: $c, categoryId: $cat, note: $n) { clientRank { rank { name } } userErrors { message code } }
}"""
UPDATE_RANK = """
mutation($id: ID!, $i: RankInput!) {
  updateRank(id: $id, input: $i) { rank { id name } userErrors { message code } }
}"""
AWARD_STRIPE = """
mutation($c: ID!, $cat: ID!, $n: String) {
  awardStripe(clientId: $c, categoryId: $cat, note: $n) { clientRank { stripes } userErrors { message code } }
}"""

# Stripes of a belt, in order: (min visits, min days), each counted since the previous
# stripe (or since entering the belt). The belt after it counts from the last stripe.
STRIPES: dict[tuple[str, str], list[tuple[int | None, int | None]]] = {
    ("Karate", "Blanco"): [(4, None), (4, None), (4, 14), (4, 14)],
}

# name, settings, belts (name, min visits, min days since the previous step)
CATEGORIES: list[tuple[str, dict[str, Any], list[tuple[str, int | None, int | None]]]] = [
    (
        "Karate",
        {"autoPromote": True, "notifyClient": True},
        [
            ("Blanco", None, None),  # four stripes first (STRIPES)
            ("Amarillo", 6, 14),
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
    (
        # Time only (Antigüedad): each level after the days in the one before.
        "Defensa personal",
        {"autoPromote": True, "notifyClient": True},
        [("Nivel 1", None, None), ("Nivel 2", None, 30), ("Nivel 3", None, 120)],
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

# client, category, belt, days ago it was earned (elsewhere), note: dated assignments
# (R5), due for the next belt as soon as the seniority job runs.
DATED_HOLDERS = [
    ("Carmen Ruiz", "Defensa personal", "Nivel 1", 40, "Nivel 1 aprobado en su anterior escuela"),
]

# (client, category): stripes awarded by hand on the belt held, note
STRIPE_HOLDERS: dict[tuple[str, str], tuple[int, str]] = {
    ("Daniel Sánchez", "Karate"): (2, "Buena guardia y constancia"),
}


def _stripes_input(category: str, belt: str) -> list[dict[str, Any]]:
    return [
        {"criteria": {"minVisits": visits, "minDaysInRank": days}}
        for visits, days in STRIPES.get((category, belt), [])
    ]


def fill(graph: Graph, state: DemoState) -> None:
    graph.mutate(
        "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { message code } } }"
    )
    existing = {
        c["name"]: c
        for c in graph("{ rankCategories { id name ranks { id name stripes { number } } } }")[
            "rankCategories"
        ]
    }
    ids: dict[str, str] = {}
    belts: dict[tuple[str, str], str] = {}
    for name, settings, ranks in CATEGORIES:
        striped: set[str] = set()
        if name in existing:  # a previous, interrupted run already made it
            ids[name] = existing[name]["id"]
            have = {r["name"]: r["id"] for r in existing[name]["ranks"]}
            striped = {r["name"] for r in existing[name]["ranks"] if r["stripes"]}
        else:
            ids[name] = graph.mutate(CATEGORY, {"input": {"name": name, **settings}})["category"][
                "id"
            ]
            have = {}
        for belt, visits, days in ranks:
            stripes = _stripes_input(name, belt)
            if belt not in have:
                criteria = {"minVisits": visits, "minDaysInRank": days}
                have[belt] = graph.mutate(
                    ADD_RANK,
                    {"c": ids[name], "i": {"name": belt, "criteria": criteria, "stripes": stripes}},
                )["rank"]["id"]
            elif stripes and belt not in striped:  # made before belts had stripes
                graph.mutate(UPDATE_RANK, {"id": have[belt], "i": {"stripes": stripes}})
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
        awarded, stripe_note = STRIPE_HOLDERS.get((client, category), (0, ""))
        for _ in range(awarded):
            graph.mutate(AWARD_STRIPE, {"c": client_id, "cat": ids[category], "n": stripe_note})
    for client, category, belt, days_ago, note in DATED_HOLDERS:
        client_id = state.client_ids.get(client)
        if client_id is None:
            continue
        since = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
        answer = graph(
            ASSIGN, {"c": client_id, "r": belts[(category, belt)], "n": note, "s": since}
        )
        errors = answer["assignRank"]["userErrors"]
        if errors and errors[0]["code"] not in ("SAME_RANK", "SINCE_NOT_ALLOWED"):
            raise RuntimeError(f"assigning {belt} to {client}: {errors}")
