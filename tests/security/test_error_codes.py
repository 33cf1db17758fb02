"""Every error a caller can fix carries a code (`extensions.code`), whichever layer found
it: the gateway (token, variables against the schema) or a subgraph (values its scalars
refuse, such as an impossible date)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from plumbing.auth import mint_token
from plumbing.testing import GATEWAY_URL, jwt_secret, unique_tenant

TOKEN = mint_token(jwt_secret(), tenant=unique_tenant("codes"), roles=["OWNER"])
CREATE = "mutation($i: ClientInput!) { createClient(input: $i) { client { id } } }"
SUMMARY = "query($d: Date!) { crmSummary(date: $d) { bookedFromApp } }"
TASKS = "query($n: Int) { tasks(first: $n) { id } }"
VISIT = (
    "mutation($c: ID!, $s: ID!, $at: DateTime!) { recordVisit(clientId: $c, sessionId: $s, "
    "attendedAt: $at) { accepted } }"
)
NAMES = {"firstName": "Ana", "lastName": "Codes"}


async def post(body: dict[str, Any], authorization: str | None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(GATEWAY_URL, json=body, headers=headers)


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer not.a.token", 401), ("Basic dXNlcjpwYXNz", 401)],
)
async def test_a_missing_or_bad_token_is_unauthenticated(
    authorization: str | None, status: int
) -> None:
    response = await post({"query": "{ __typename }"}, authorization)
    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (CREATE, {"i": {**NAMES, "gender": "OTHER"}}),  # not a Gender (the gateway checks)
        (TASKS, {"n": "ten"}),  # not an Int (the gateway checks)
        (CREATE, {"i": {**NAMES, "birthDate": "1990-13-45"}}),  # no such date (the subgraph)
        (SUMMARY, {"d": "2026-02-30"}),
        (VISIT, {"c": "c1", "s": "s1", "at": "yesterday"}),  # not a DateTime (the subgraph)
    ],
)
async def test_a_variable_its_type_refuses_is_bad_user_input(
    query: str, variables: dict[str, Any]
) -> None:
    response = await post({"query": query, "variables": variables}, f"Bearer {TOKEN}")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
