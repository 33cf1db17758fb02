"""Demo data of the loyalty context: the program of the seed (a point is worth 0.01 EUR,
5 % back, card payments do not earn, a reminder 30 days before points expire), a
fixed-points service, automations, points for each new karate belt, and a few points
movements on the demo clients, all through the public graph."""

from __future__ import annotations

import time
from typing import Any

from studio_admin.demo.state import DemoState
from studio_admin.graph import Graph, GraphError

PROGRAM = """
mutation($input: LoyaltyProgramInput!) {
  configureLoyaltyProgram(input: $input) { userErrors { field message code } }
}"""
RULE = """
mutation($s: ID!, $n: String!, $e: Boolean!, $f: Int) {
  setServiceEarnRule(serviceId: $s, serviceName: $n, excluded: $e, fixedPoints: $f) {
    rule { serviceId } userErrors { field message code }
  }
}"""
REWARD = """
mutation($r: ID!, $p: Int!, $d: Int) {
  setPromotionReward(rankId: $r, points: $p, expiryDays: $d) { userErrors { field message code } }
}"""
AUTOMATION = """
mutation($input: PointsAutomationInput!) {
  createPointsAutomation(input: $input) { automation { id } userErrors { field message code } }
}"""
PAUSE = """
mutation($id: ID!) {
  updatePointsAutomation(id: $id, input: {active: false, points: 250}) {
    userErrors { field message code }
  }
}"""
# The automations (L7); the last one made, then edited and paused (a summer pause).
AUTOMATIONS: list[tuple[dict[str, Any], bool]] = [
    ({"trigger": "BIRTHDAY", "points": 500, "expiryDays": 60}, False),
    ({"trigger": "REFERRAL_FIRST_PURCHASE", "points": 1000, "expiryDays": 180}, False),
    ({"trigger": "VISIT_COUNT", "points": 200, "expiryDays": 90, "visitCount": 10}, False),
    ({"trigger": "VISIT_COUNT", "points": 300, "expiryDays": 90, "visitCount": 25}, True),
]
GRANT = """
mutation($c: ID!, $p: Int!, $n: String!) {
  grantPoints(clientId: $c, points: $p, note: $n) { userErrors { field message code } }
}"""
DEDUCT = """
mutation($c: ID!, $p: Int!, $n: String!) {
  deductPoints(clientId: $c, points: $p, note: $n) { userErrors { field message code } }
}"""
REDEEM = """
mutation($c: ID!, $i: String!, $a: Decimal!, $b: ID) {
  redeemPoints(clientId: $c, invoiceNumber: $i, amount: $a, channel: IN_STUDIO, branchId: $b) {
    userErrors { field message code }
  }
}"""

# (category, belt, points, expiry days): points granted once on reaching the belt (B4).
# The demo's first promotions happen before these are set, so they earn nothing: a
# reward never pays back for promotions before it.
PROMOTION_REWARDS = [
    ("Karate", "Amarillo", 300, 180),
    ("Karate", "Naranja", 500, 180),
    ("Karate", "Verde", 750, 365),
    ("Karate", "Azul", 1000, 365),
    ("Karate", "Marrón", 1500, 365),
    ("Karate", "Negro", 3000, 730),
]

GIFTS = [
    ("Ana García", 1500, "Regalo de bienvenida"),
    ("Javier Martínez", 800, "Cumpleaños"),
    ("Marco Rossi", 2500, "Cliente fiel: 50 clases"),
    ("Giulia Bianchi", 300, "Recomendó a una amiga"),
]


def _on_card(graph: Graph, query: str, variables: dict[str, Any]) -> None:
    """A card created a moment ago reaches the loyalty service shortly after: retry."""
    for _ in range(30):
        try:
            graph.mutate(query, variables)
            return
        except GraphError as exc:
            if "CLIENT_NOT_FOUND" not in str(exc):
                raise
            time.sleep(1.0)
    raise GraphError(f"the loyalty service never heard of client {variables['c']}")


def fill(graph: Graph, state: DemoState) -> None:
    centro = state.branch_ids.get("Centro")
    graph.mutate(
        PROGRAM,
        {
            "input": {
                "enabled": True,
                "pointValue": "0.01",
                "earnPercent": "5",
                "expiryDays": 365,
                "nonEarningPaymentMethods": ["CARD"],
                "receiptBranchIds": [centro] if centro else [],
                "expiryReminderDays": 30,
            }
        },
    )
    belts = {
        (category["name"], rank["name"]): rank["id"]
        for category in graph("{ rankCategories { name ranks { id name } } }")["rankCategories"]
        for rank in category["ranks"]
    }
    for category, belt, points, days in PROMOTION_REWARDS:
        rank_id = belts.get((category, belt))
        if rank_id:
            graph.mutate(REWARD, {"r": rank_id, "p": points, "d": days})
    graph(RULE, {"s": "svc-private-lesson", "n": "Clase particular", "e": False, "f": 300})
    graph(RULE, {"s": "svc-trial", "n": "Clase de prueba", "e": True, "f": None})
    for automation, paused in AUTOMATIONS:
        made = graph(AUTOMATION, {"input": automation})["createPointsAutomation"]
        errors = made["userErrors"]
        if errors and errors[0]["code"] != "DUPLICATE_AUTOMATION":  # made by an earlier run
            raise GraphError(str(errors))
        if paused and made["automation"]:
            graph.mutate(PAUSE, {"id": made["automation"]["id"]})
    for name, points, note in GIFTS:
        client = state.client_ids.get(name)
        if client:
            _on_card(graph, GRANT, {"c": client, "p": points, "n": note})
    marco = state.client_ids.get("Marco Rossi")
    if marco:
        _on_card(graph, REDEEM, {"c": marco, "i": "DEMO-0001", "a": "5.00", "b": centro})
    javier = state.client_ids.get("Javier Martínez")
    if javier:
        _on_card(graph, DEDUCT, {"c": javier, "p": 100, "n": "Corrección de un error de caja"})
