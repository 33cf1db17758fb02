"""P3: partner API keys — created and revoked by OWNER/ADMIN, stored hashed, scoped, and
exchanged through the gateway for short-lived PARTNER tokens; scopes read the same
whether a token spells them `ingest:sales` or as the graph's `INGEST_SALES`."""

from __future__ import annotations

from typing import Any

import httpx
from plumbing.testing import GATEWAY_URL, MONGO_URL, Graph
from pymongo import AsyncMongoClient

# Partners need only the gateway's address: it passes the exchange on to the clients service.
EXCHANGE = GATEWAY_URL.removesuffix("/graphql") + "/auth/partner-token"
CREATE_KEY = """
mutation($n: String!, $s: [PartnerScope!]!) {
  createPartnerKey(name: $n, scopes: $s) { secret partnerKey { id name scopes revokedAt } userErrors { code field } }
}
"""


async def exchange(key: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(EXCHANGE, headers={"authorization": f"ApiKey {key}"})


async def test_a_key_is_exchanged_for_a_scoped_partner_token_until_revoked(
    owner: Graph, graphs: Any
) -> None:
    created = (
        await owner(CREATE_KEY, {"n": "Booking system", "s": ["CLIENTS_WRITE", "INGEST_BOOKINGS"]})
    )["createPartnerKey"]
    assert created["userErrors"] == []
    secret, key = created["secret"], created["partnerKey"]
    assert key["scopes"] == ["CLIENTS_WRITE", "INGEST_BOOKINGS"]

    response = await exchange(secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    partner = graphs(owner.tenant, "PARTNER", token=body["access_token"])

    lead = await partner(
        'mutation { createClient(input: {firstName: "Lead", lastName: "Web"}) { client { id source status } userErrors { code } } }'
    )
    assert lead["createClient"]["client"]["source"] == "PARTNER"
    assert lead["createClient"]["client"]["status"] == "LEAD"
    refused = await partner.raw("{ clients { totalCount } }")  # the key has no clients:read
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Only the hash is stored, and the list never shows the secret again.
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGO_URL)
    try:
        stored = await mongo["clients"]["partner_keys"].find_one(
            {"_id": f"{owner.tenant}:{key['id']}"}
        )
    finally:
        await mongo.close()
    assert stored is not None and secret.split(".")[-1] not in str(stored)
    listed = await owner("{ partnerKeys { id name revokedAt } }")
    assert listed["partnerKeys"] == [{"id": key["id"], "name": "Booking system", "revokedAt": None}]

    revoked = await owner(
        "mutation($id: ID!) { revokePartnerKey(id: $id) { partnerKey { revokedAt } userErrors { code } } }",
        {"id": key["id"]},
    )
    assert revoked["revokePartnerKey"]["partnerKey"]["revokedAt"]
    after = await exchange(secret)
    assert after.status_code == 401 and "revoked" in after.json()["error"]


async def test_bad_keys_and_callers_are_refused(owner: Graph, graphs: Any) -> None:
    for bad in ("nonsense", "pk.bad.bad.bad", "pk.ZGVtbw.01aaaa.wrongsecret", "pk.%%%.x.y"):
        response = await exchange(bad)
        assert response.status_code == 401, bad
    operator = graphs(owner.tenant, "OPERATOR")
    denied = await operator.raw(CREATE_KEY, {"n": "x", "s": ["INGEST_SALES"]})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    empty = (await owner(CREATE_KEY, {"n": " ", "s": []}))["createPartnerKey"]
    assert {e["code"] for e in empty["userErrors"]} == {"INVALID_NAME", "REQUIRED"}
    assert empty["secret"] is None


async def test_scopes_spelled_as_the_graph_names_them_are_understood(
    owner: Graph, graphs: Any
) -> None:
    readers = graphs(owner.tenant, "PARTNER", scopes=["CLIENTS_READ"])
    assert (await readers("{ clients { totalCount } }"))["clients"]["totalCount"] == 0
    refused = await readers.raw(
        'mutation { createClient(input: {firstName: "No", lastName: "Scope"}) { client { id } } }'
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
