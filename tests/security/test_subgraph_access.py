"""Only the gateway reaches a subgraph, and redemption has a partner scope of its own
(security review, finding 7).

A subgraph answers only requests the gateway signed (`x-gateway-signature`, an HMAC with
GATEWAY_SIGNING_SECRET over the time, the method, the path, the token and the body): a
valid token alone, an old signature, or a signature made for another request or another
token gets nothing. Health, readiness and metrics stay open to probes and scrapers. The
clients service's routes the gateway passes on (partner-token exchange, document
downloads) are signed by it too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from plumbing.auth import SIGNATURE_HEADER, mint_token, sign_request
from plumbing.testing import (
    GATEWAY_URL,
    SERVICE_PORTS,
    Graph,
    eventually,
    gateway_signing_secret,
    jwt_secret,
    signed_like_the_gateway,
    subgraph_url,
    unique_tenant,
)

QUERY = b'{"query": "{ __typename }"}'
EXCHANGE = GATEWAY_URL.removesuffix("/graphql") + "/auth/partner-token"
REDEEM = """
mutation($c: ID!, $n: String!) {
  redeemPoints(clientId: $c, invoiceNumber: $n, amount: "1.00", channel: IN_STUDIO) {
    entries { kind points } account { balance } userErrors { code }
  }
}"""


def owner_token() -> str:
    return mint_token(jwt_secret(), tenant=unique_tenant("signed"), roles=["OWNER"])


async def post(url: str, headers: dict[str, str], body: bytes = QUERY) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(
            url, content=body, headers={"content-type": "application/json", **headers}
        )


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.mark.parametrize("context", list(SERVICE_PORTS))
async def test_a_request_signed_like_the_gateway_is_answered(context: str) -> None:
    headers = {"authorization": f"Bearer {owner_token()}"}
    url = subgraph_url(context)
    response = await post(url, signed_like_the_gateway("POST", url, headers, QUERY))
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__typename": "Query"}}


def forged(kind: str, url: str, token: str) -> dict[str, str]:
    """A signature that does not fit the request, in one way each."""
    authorization = f"Bearer {token}"
    target = httpx.URL(url).raw_path.decode()
    secret = gateway_signing_secret()
    sign: Callable[..., str] = sign_request
    values = {
        "another secret": sign(
            "x" * 48, method="POST", target=target, authorization=authorization, body=QUERY
        ),
        "too old": sign(
            secret,
            method="POST",
            target=target,
            authorization=authorization,
            body=QUERY,
            now=time.time() - 120,
        ),
        # A signed request replayed with another document.
        "another body": sign(
            secret, method="POST", target=target, authorization=authorization, body=b"{}"
        ),
        # A signed request replayed with the attacker's own token.
        "another token": sign(
            secret, method="POST", target=target, authorization="Bearer other", body=QUERY
        ),
        "another path": sign(
            secret, method="POST", target="/metrics", authorization=authorization, body=QUERY
        ),
        "malformed": "v1=abc",
    }
    return {"authorization": authorization, SIGNATURE_HEADER: values[kind]}


@pytest.mark.parametrize(
    "kind",
    ["another secret", "too old", "another body", "another token", "another path", "malformed"],
)
async def test_a_signature_that_does_not_fit_the_request_is_refused(kind: str) -> None:
    url = subgraph_url("clients")
    response = await post(url, forged(kind, url, owner_token()))
    assert response.status_code == 403, response.text
    assert code_of(response) == "GATEWAY_SIGNATURE_INVALID"


@pytest.mark.parametrize("context", list(SERVICE_PORTS))
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
async def test_probes_and_scrapes_need_no_signature(context: str, path: str) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"http://127.0.0.1:{SERVICE_PORTS[context]}{path}")
    assert response.status_code == 200


async def test_the_routes_the_gateway_passes_on_answer_only_through_it() -> None:
    base = f"http://127.0.0.1:{SERVICE_PORTS['clients']}"
    async with httpx.AsyncClient(timeout=10) as http:
        exchange = await http.post(
            f"{base}/auth/partner-token", headers={"authorization": "ApiKey pk.x"}
        )
        download = await http.get(f"{base}/documents/t/c/d?expires=1&signature=x")
        through = await http.post(EXCHANGE, headers={"authorization": "ApiKey pk.x.y.z"})
    assert (exchange.status_code, code_of(exchange)) == (401, "GATEWAY_SIGNATURE_REQUIRED")
    assert (download.status_code, code_of(download)) == (401, "GATEWAY_SIGNATURE_REQUIRED")
    # Through the gateway the clients service itself answers (an unknown key here).
    assert through.status_code == 401 and "partner key" in through.json()["error"]


@pytest.mark.parametrize("context", ["clients", "notifications"])
async def test_a_subscription_stream_answers_only_the_gateway(context: str) -> None:
    """The SSE transport of subscriptions sits behind the same signature check."""
    url = subgraph_url(context) + "?query=subscription%7B__typename%7D"
    headers = {"authorization": f"Bearer {owner_token()}", "accept": "text/event-stream"}
    async with httpx.AsyncClient(timeout=10) as http:
        unsigned = await http.get(url, headers=headers)
        forged = await http.get(
            url, headers={**headers, SIGNATURE_HEADER: f"t={int(time.time())},v1=00"}
        )
    assert (unsigned.status_code, code_of(unsigned)) == (401, "GATEWAY_SIGNATURE_REQUIRED")
    assert (forged.status_code, code_of(forged)) == (403, "GATEWAY_SIGNATURE_INVALID")


# --- redemption has its own partner scope ----------------------------------------------


async def client_with_points(owner: Graph) -> str:
    await owner(
        "mutation { configureLoyaltyProgram(input: {enabled: true}) { userErrors { code } } }"
    )
    made = await owner(
        'mutation { createClient(input: {firstName: "Pay", lastName: "Points"}) { client { id } } }'
    )
    client_id = str(made["createClient"]["client"]["id"])

    async def grant() -> list[Any]:
        payload = (
            await owner(
                'mutation($c: ID!) { grantPoints(clientId: $c, points: 500, note: "gift") '
                "{ userErrors { code } } }",
                {"c": client_id},
            )
        )["grantPoints"]
        errors: list[Any] = payload["userErrors"]
        return errors

    await eventually(grant, until=lambda errors: errors == [], timeout=30)
    return client_id


@pytest.mark.parametrize(
    ("scopes", "refused"),
    [
        (["ingest:app"], True),
        (["ingest:sales", "clients:read", "clients:write", "ingest:bookings"], True),
        (["loyalty:redeem"], False),
        (["LOYALTY_REDEEM"], False),  # the graph's PartnerScope spelling
        (None, False),  # the studio's own tooling: every partner scope
    ],
)
async def test_a_partner_redeems_points_only_with_the_redeem_scope(
    owner: Graph, graphs: Any, scopes: list[str] | None, refused: bool
) -> None:
    client_id = await client_with_points(owner)
    partner = graphs(owner.tenant, "PARTNER", subject="partner:pos", scopes=scopes)
    body = await partner.raw(REDEEM, {"c": client_id, "n": f"INV-{time.time_ns()}"})
    codes = [e["extensions"]["code"] for e in body.get("errors") or []]
    if refused:
        assert codes == ["FORBIDDEN"], body
        balance = await owner(
            "query($id: ID!) { client(id: $id) { loyalty { balance } } }", {"id": client_id}
        )
        assert balance["client"]["loyalty"]["balance"] == 500
    else:
        assert codes == [], body
        assert body["data"]["redeemPoints"]["userErrors"] == []
        assert body["data"]["redeemPoints"]["entries"][0]["kind"] == "REDEEM"


async def test_a_redeem_key_pays_with_points_but_reads_no_card_or_history(
    owner: Graph, graphs: Any
) -> None:
    created = await owner(
        'mutation { createPartnerKey(name: "Till", scopes: [LOYALTY_REDEEM]) '
        "{ secret partnerKey { scopes } userErrors { code } } }"
    )
    assert created["createPartnerKey"]["partnerKey"]["scopes"] == ["LOYALTY_REDEEM"]
    async with httpx.AsyncClient(timeout=10) as http:
        exchanged = await http.post(
            EXCHANGE, headers={"authorization": f"ApiKey {created['createPartnerKey']['secret']}"}
        )
    assert exchanged.status_code == 200, exchanged.text
    till = graphs(owner.tenant, "PARTNER", token=exchanged.json()["access_token"])
    client_id = await client_with_points(owner)

    paid = await till(REDEEM, {"c": client_id, "n": "TILL-1"})
    assert paid["redeemPoints"]["userErrors"] == []
    assert paid["redeemPoints"]["account"]["balance"] < 500

    card = await till.raw("query($id: ID!) { client(id: $id) { firstName } }", {"id": client_id})
    history = await till.raw(
        REDEEM.replace("account { balance }", "account { ledger { edges { node { note } } } }"),
        {"c": client_id, "n": "TILL-2"},
    )
    for body in (card, history):
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert "gift" not in json.dumps(body)
