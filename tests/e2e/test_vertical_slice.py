"""P1/P2: one client created through the gateway reaches every service, and one query
answers with what each service owns."""

from __future__ import annotations

from typing import Any

from plumbing.testing import Graph, eventually

CREATE = """
mutation($input: ClientInput!) {
  createClient(input: $input) {
    client { id firstName lastName email phone status source }
    userErrors { field message code }
  }
}
"""

CARD = """
query($id: ID!) {
  client(id: $id) {
    firstName
    ranks { rank { name } }
    loyalty { balance balanceValue { amount currency } }
    activity { hasApp }
    timeline { edges { node { kind summary source } } }
  }
}
"""


async def test_a_created_client_is_answered_by_all_five_services(owner: Graph) -> None:
    await owner(
        'mutation { updateStudio(input: {name: "Dojo Sakura", currency: "EUR", timeZone: "Europe/Madrid"}) { userErrors { code } } }'
    )
    data = await owner(
        CREATE,
        {
            "input": {
                "firstName": "Ana",
                "lastName": "López",
                "email": " Ana@Example.com ",
                "phone": "+34 612 345 678",
            }
        },
    )
    created = data["createClient"]
    assert created["userErrors"] == []
    client = created["client"]
    assert client["email"] == "ana@example.com"
    assert client["phone"] == "+34612345678"
    assert (client["status"], client["source"]) == ("ACTIVE", "MANUAL")

    async def card() -> dict[str, Any]:
        result: dict[str, Any] = (await owner(CARD, {"id": client["id"]}))["client"]
        return result

    # Every part is there once its owner's consumer has caught up (under a whole test
    # suite's load that can take a while).
    answered = await eventually(card, until=lambda c: bool(c["timeline"]["edges"]), timeout=60)
    assert answered["firstName"] == "Ana"  # clients
    assert answered["ranks"] == []  # ranks: no rank held yet
    assert answered["loyalty"] == {
        "balance": 0,
        "balanceValue": {"amount": "0.00", "currency": "EUR"},
    }
    assert answered["activity"] == {"hasApp": False}  # crm
    [entry] = answered["timeline"]["edges"]
    assert entry["node"]["kind"] == "CLIENT_CREATED"
    assert entry["node"]["source"] == "CLIENTS"  # never a service's internal name
    assert "Ana López" in entry["node"]["summary"]


async def test_requests_without_a_valid_token_are_refused(owner: Graph) -> None:
    anonymous = Graph(owner.tenant, ["OWNER"], token="")
    forged = Graph(owner.tenant, ["OWNER"], token=owner.token[:-4] + "AAAA")
    try:
        for caller in (anonymous, forged):
            response = await caller.post("{ studio { name } }")
            body = response.json()
            assert body.get("data") is None
            assert body["errors"], body
    finally:
        await anonymous.close()
        await forged.close()


async def test_another_studio_never_sees_the_client(owner: Graph, graphs: Any) -> None:
    created = await owner(CREATE, {"input": {"firstName": "Luca", "lastName": "Bianchi"}})
    client_id = created["createClient"]["client"]["id"]
    stranger = graphs(owner.tenant + "-other", "OWNER")
    data = await stranger("query($id: ID!) { client(id: $id) { id } }", {"id": client_id})
    assert data["client"] is None
