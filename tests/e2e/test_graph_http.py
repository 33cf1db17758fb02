"""The gateway over HTTP as frontends and their libraries use it (P1): the
GraphQL-over-HTTP audit, trusted documents by hash with the answer persisted-query links
expect for an unknown one, compressed answers, a too-large batch answered per operation,
and a GraphiQL page that says where the token goes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
from plumbing.testing import GATEWAY_URL, ROOT, Graph

GRAPH = ROOT / "web" / "graph"
MANIFEST = GRAPH / "src" / "generated" / "persisted-documents.json"


def trusted(operation: str) -> str:
    """The trusted-documents key of the named operation."""
    manifest: dict[str, str] = json.loads(MANIFEST.read_text())
    return next(k for k, doc in manifest.items() if f"query {operation}" in doc)


async def post(owner: Graph, body: object, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(
            GATEWAY_URL,
            content=json.dumps(body).encode(),
            headers={**owner.headers(), "content-type": "application/json", **headers},
        )


def test_the_graphql_over_http_audit_passes(owner: Graph) -> None:
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, str(GRAPH / "audit.mjs"), GATEWAY_URL, owner.token or ""],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(GRAPH),
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) > 50
    assert [r for r in results if r["status"] != "ok"] == []


async def test_a_trusted_document_runs_by_its_hash_alone(owner: Graph) -> None:
    key = trusted("Inbox")
    for body in (
        {"documentId": key, "variables": {"first": 1}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": key.split(":")[1]}}},
    ):
        answer = (await post(owner, body)).json()
        # The trusted documents ask for __typename everywhere (a normalized cache needs it).
        assert answer["data"]["staffNotifications"] == [], answer


async def test_an_unknown_hash_asks_for_the_document_as_persisted_query_links_expect(
    owner: Graph,
) -> None:
    apollo = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    response = await post(owner, apollo)
    assert response.status_code == 200
    assert response.json()["errors"][0] == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND", "params": {}},
    }
    # The link then sends the document with its hash: a whole document is still allowed.
    again = await post(owner, {**apollo, "query": "{ studio { name } }"})
    assert "studio" in again.json()["data"]


async def test_answers_are_compressed_for_a_caller_that_accepts_it(owner: Graph) -> None:
    query = {"query": "{ clients(first: 50) { edges { node { id firstName lastName } } } }"}
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            GATEWAY_URL,
            content=json.dumps(query).encode(),
            headers={
                **owner.headers(),
                "content-type": "application/json",
                "accept-encoding": "gzip",
            },
        )
    assert response.headers["content-encoding"] == "gzip"
    assert "clients" in response.json()["data"]  # httpx undid the gzip


async def test_a_batch_over_the_limit_gets_one_coded_answer_per_operation(owner: Graph) -> None:
    batch = [{"query": "{ __typename }"}] * 6
    response = await post(owner, batch)
    assert response.status_code == 413
    answers = response.json()
    assert len(answers) == 6
    assert {a["errors"][0]["extensions"]["code"] for a in answers} == {"BATCH_TOO_LARGE"}
    within = await post(owner, batch[:5])
    assert [a["data"] for a in within.json()] == [{"__typename": "Query"}] * 5


async def test_graphiql_says_where_the_token_goes() -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        page = await http.get(GATEWAY_URL, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Bearer &lt;token&gt;" in page.text or "Bearer <token>" in page.text
    assert "make up" in page.text
