"""Limits at the edge (security review, findings 7, 8 and 9).

- Each subgraph bounds the request body, the selection depth and the aliases itself, with
  the gateway's defaults (depth 12, 15 aliases; 1 MiB, or 21 MiB for a multipart upload),
  so a request that reaches it past the gateway is held to the same limits.
- The gateway refuses an operation whose estimated cost is above GATEWAY_MAX_COST before
  any subgraph is called (COST_ESTIMATED_TOO_EXPENSIVE); the console's and the tools'
  queries stay well under it.
- Browsers may call the gateway only from the allowed origins, without credentials, with
  preflights cached and `x-request-id` readable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from plumbing.testing import GATEWAY_URL, Graph, signed_like_the_gateway, subgraph_url
from studio_admin.cli import EXPORT_QUERY

MIB = 1024 * 1024


async def codes_of(graph: Graph, query: str, variables: dict[str, Any] | None = None) -> list[str]:
    body = await graph.raw(query, variables)
    return [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []]


# --- the subgraphs' own limits ---------------------------------------------------------


def nested_categories(depth: int) -> str:
    """`rankCategories { ranks { category { ranks { … id } } } }`, `depth` fields deep."""
    names = ["rankCategories", *(["ranks", "category"] * depth)][: depth - 1]
    return "{ " + " { ".join(names) + " { id" + " }" * len(names) + " }"


async def test_a_subgraph_refuses_a_selection_deeper_than_the_gateway_allows(owner: Graph) -> None:
    ranks = Graph(owner.tenant, ["OWNER"], url=subgraph_url("ranks"), token=owner.token)
    try:
        assert await codes_of(ranks, nested_categories(12)) == []
        assert await codes_of(ranks, nested_categories(13)) == ["QUERY_TOO_DEEP"]
        # The gateway counts the same way, and says so with the same code.
        assert await codes_of(owner, nested_categories(13)) == ["QUERY_TOO_DEEP"]
    finally:
        await ranks.close()


async def test_a_subgraph_refuses_more_aliases_than_the_gateway_allows(owner: Graph) -> None:
    loyalty = Graph(owner.tenant, ["OWNER"], url=subgraph_url("loyalty"), token=owner.token)

    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: loyaltyProgram {{ enabled }}" for i in range(count)) + " }"

    try:
        assert await codes_of(loyalty, aliased(15)) == []
        assert await codes_of(loyalty, aliased(16)) == ["TOO_MANY_ALIASES"]
        assert await codes_of(owner, aliased(16)) == ["TOO_MANY_ALIASES"]
    finally:
        await loyalty.close()


async def test_what_the_gateway_accepts_passes_the_subgraph_limits(owner: Graph) -> None:
    """The gateway sends the root fields bound for one subgraph in one request, each renamed
    `_v<n>_<field>`: 15 aliases and three more root fields of crm are 15 aliases there."""
    aliases = " ".join(f"a{i}: tasks(first: {i + 1}) {{ id }}" for i in range(15))
    query = f'{{ {aliases} funnels {{ id }} crmSummary(date: "2026-01-01") {{ bookedFromApp }} tasks {{ id }} }}'
    assert await codes_of(owner, query) == []


async def test_a_subgraph_refuses_a_body_over_its_limit(owner: Graph) -> None:
    url = subgraph_url("clients")
    padding = "x" * (MIB + 10)
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": padding}}).encode()
    headers = signed_like_the_gateway(
        "POST", url, {**owner.headers(), "content-type": "application/json"}, body
    )

    async def streamed() -> AsyncIterator[bytes]:  # no content-length: counted as it comes
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    async with httpx.AsyncClient(timeout=30) as http:
        declared = await http.post(url, content=body, headers=headers)
        chunked = await http.post(url, content=streamed(), headers=headers)
    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_an_upload_larger_than_a_json_body_still_passes(owner: Graph) -> None:
    """Multipart bodies have their own, larger limit (the 20 MB CSV import)."""
    made = await owner(
        'mutation { createClient(input: {firstName: "Big", lastName: "File"}) { client { id } } }'
    )
    operations = {
        "query": 'mutation($c: ID!, $f: Upload!) { uploadDocument(clientId: $c, type: "scan", '
        "file: $f) { client { documents { sizeBytes } } userErrors { code } } }",
        "variables": {"c": made["createClient"]["client"]["id"], "f": None},
    }
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            GATEWAY_URL,
            headers={**owner.headers(), "graphql-preflight": "1"},
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
            files={"0": ("scan.pdf", b"%PDF-1.4\n" + b"0" * (3 * MIB), "application/pdf")},
        )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["uploadDocument"]["client"]["documents"][0]["sizeBytes"] > 3 * MIB


# --- cost ------------------------------------------------------------------------------

# Four lists of 200 under each of 15 × 200 clients: millions of rows in one request.
NODE = (
    "id loyalty { ledger(first: 200) { edges { node { id } } } } "
    "timeline(first: 200) { edges { node { id } } } "
    "activity { pastBookings(first: 200) { id } } messages(first: 200) { id }"
)
EXPENSIVE = (
    "{ "
    + " ".join(f"a{i}: clients(first: 200) {{ edges {{ node {{ {NODE} }} }} }}" for i in range(15))
    + " }"
)
README_QUERY = (
    "{ studio { name timeZone } clients(first: 3) { totalCount edges { node { id firstName "
    "lastName ranks { rank { name } } loyalty { balance } activity { hasApp } } } } }"
)
CARD = """query($id: ID!) { client(id: $id) {
  id firstName middleName lastName email phone birthDate gender language status source
  address { line1 city postalCode country } preferredBranchId weightKg weightHistory { kg at }
  onlineBookingBlocked notes { text at } customFields { field { label type } value }
  forms { name completedAt } documents { fileName downloadUrl }
  dislikedServices { serviceName comment }
  communicationPreferences { category channel enabled changedAt }
  ranks { rank { name } since visitsInRank eligibleForPromotion }
  loyalty { balance balanceValue { amount currency } }
  activity { upcomingBookings { id startsAt } memberships { plan status } giftCards { code }
    hasApp }
  timeline(first: 10) { edges { node { kind summary at } } }
} }"""


async def test_an_operation_estimated_too_expensive_is_refused(owner: Graph) -> None:
    response = await owner.post(EXPENSIVE)
    body = response.json()
    assert response.status_code == 200
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    cost = error["extensions"]["cost"]
    assert cost["estimated"] > 2_000_000 > cost["max"]
    assert body.get("data") is None


async def test_a_mutation_too_expensive_to_answer_is_not_applied(owner: Graph) -> None:
    """The whole operation is estimated before it starts: nothing half done."""
    marker = f"Costly{uuid.uuid4().hex[:8]}"
    ledgers = " ".join(
        f"l{i}: loyalty {{ ledger(first: 200) {{ edges {{ node {{ value {{ amount }} }} }} }} }}"
        for i in range(14)
    )
    deep = "ranks { rank { category { ranks { category { ranks { id } } } } } }"
    mutation = (
        f'mutation {{ createClient(input: {{firstName: "{marker}", lastName: "Cost"}}) '
        f"{{ client {{ id {ledgers} {deep} timeline(first: 200) {{ edges {{ node {{ id }} }} }} }} }} }}"
    )
    assert await codes_of(owner, mutation) == ["COST_ESTIMATED_TOO_EXPENSIVE"]
    found = await owner(
        "query($f: ClientFilter) { clients(filter: $f) { totalCount } }", {"f": {"search": marker}}
    )
    assert found["clients"]["totalCount"] == 0


@pytest.mark.parametrize("name", ["readme", "card", "export"])
async def test_the_console_and_tool_queries_stay_under_the_cost_limit(
    owner: Graph, name: str
) -> None:
    made = await owner(
        'mutation { createClient(input: {firstName: "Cheap", lastName: "Card"}) { client { id } } }'
    )
    query, variables = {
        "readme": (README_QUERY, {}),
        "card": (CARD, {"id": made["createClient"]["client"]["id"]}),
        "export": (EXPORT_QUERY, {"id": made["createClient"]["client"]["id"]}),
    }[name]
    body = await owner.raw(query, variables)
    assert "errors" not in body, body
    cost = body["extensions"]["cost"]  # shown outside production
    assert cost["estimated"] <= cost["max"] / 4, cost


# --- CORS ------------------------------------------------------------------------------

CONSOLE = "http://localhost:5173"


async def preflight(origin: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.options(
            GATEWAY_URL,
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )


@pytest.mark.parametrize("origin", [CONSOLE, "http://127.0.0.1:5173"])
async def test_the_console_origin_may_call_the_gateway(owner: Graph, origin: str) -> None:
    before = await preflight(origin)
    assert before.status_code == 204
    assert before.headers["access-control-allow-origin"] == origin
    assert {"authorization", "content-type"} <= {
        h.strip() for h in before.headers["access-control-allow-headers"].split(",")
    }
    assert int(before.headers["access-control-max-age"]) >= 60
    assert "access-control-allow-credentials" not in before.headers
    async with httpx.AsyncClient(timeout=10) as http:
        actual = await http.post(
            GATEWAY_URL,
            json={"query": "{ __typename }"},
            headers={**owner.headers(), "origin": origin},
        )
    assert actual.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()
    assert "origin" in actual.headers["vary"].lower()
    assert "access-control-allow-credentials" not in actual.headers


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "null", "http://localhost:5174", "http://localhost:5173.evil.example"],
)
async def test_any_other_origin_gets_no_cors_headers(owner: Graph, origin: str) -> None:
    before = await preflight(origin)
    async with httpx.AsyncClient(timeout=10) as http:
        actual = await http.post(
            GATEWAY_URL,
            json={"query": "{ __typename }"},
            headers={**owner.headers(), "origin": origin},
        )
    for response in (before, actual):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]
