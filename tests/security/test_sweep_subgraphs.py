"""The sweep of the subgraphs themselves (security review, finding 7): called directly and
signed as the gateway signs, a subgraph gives every role, and partner keys of one narrow
scope each, exactly what the gateway gives them.

- Root operations: each subgraph's own operations, sent through the gateway and straight
  to the subgraph, are refused (FORBIDDEN) to the same callers.
- Entity references and the fields a subgraph adds to `Client`: `_entities` on a subgraph
  answers what `client(id)` through the gateway answers, field for field (nothing where the
  gateway shows nothing; the same values where it shows them).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from plumbing.testing import SERVICE_PORTS, Graph, eventually, subgraph_url, unique_tenant

from .operations import build
from .test_sweep import api_schema, run

# Callers: every role, and partner keys of one narrow scope each.
CALLERS: dict[str, tuple[str, list[str] | None]] = {
    "OWNER": ("OWNER", None),
    "ADMIN": ("ADMIN", None),
    "OPERATOR": ("OPERATOR", None),
    "CLIENT": ("CLIENT", None),
    "PARTNER": ("PARTNER", None),
    "PARTNER clients:read": ("PARTNER", ["clients:read"]),
    "PARTNER clients:write": ("PARTNER", ["clients:write"]),
    "PARTNER ingest:app": ("PARTNER", ["ingest:app"]),
    "PARTNER loyalty:redeem": ("PARTNER", ["loyalty:redeem"]),
}
NARROW = ["PARTNER clients:write", "PARTNER ingest:app", "PARTNER loyalty:redeem"]

# What each subgraph says about a client: its own fields of `Client`.
CLIENT_FIELDS = {
    "clients": "firstName lastName email phone notes { text } documents { fileName }",
    "ranks": "ranks { rank { name } since } rankHistory { kind trigger }",
    "loyalty": (
        "loyalty { balance expiringLots { points } "
        "ledger(first: 5) { edges { node { kind points note } } } }"
    ),
    "crm": (
        "activity { hasApp pastBookings { id } upcomingBookings { id } } "
        "timeline(first: 5) { edges { node { kind summary } } }"
    ),
    "notifications": "messages(first: 5) { templateKey status } messageChannels(category: SERVICE)",
}


@dataclass
class Studio:
    tenant: str = field(default_factory=lambda: unique_tenant("entities"))
    graphs: list[Graph] = field(default_factory=list)
    x: str = ""  # the client looked at
    w: str = ""  # another client of the same studio

    def graph(self, role: str, scopes: list[str] | None = None, **kwargs: Any) -> Graph:
        graph = Graph(
            self.tenant, [role], subject=f"entities-{role.lower()}", scopes=scopes, **kwargs
        )
        self.graphs.append(graph)
        return graph


async def accepted(owner: Graph, document: str, variables: dict[str, Any], root: str) -> None:
    """Run a write until the service has heard of the client (it learns from events)."""

    async def attempt() -> dict[str, Any]:
        payload: dict[str, Any] = (await owner(document, variables))[root]
        return payload

    await eventually(
        attempt,
        until=lambda p: not p.get("userErrors") and p.get("accepted", True) is not False,
        timeout=30,
    )


@pytest.fixture(scope="module")
async def studio() -> AsyncIterator[Studio]:
    studio = Studio()
    try:
        await seed(studio)
        yield studio
    finally:
        for graph in studio.graphs:
            await graph.close()


async def seed(studio: Studio) -> None:
    """Client X has something in every subgraph: a card with a note, points, a rank, a
    visit."""
    owner = studio.graph("OWNER")
    create = "mutation($i: ClientInput!) { createClient(input: $i) { client { id } } }"
    made = await owner(
        create, {"i": {"firstName": "Xena", "lastName": "Entities", "email": "x@example.com"}}
    )
    studio.x = made["createClient"]["client"]["id"]
    made = await owner(create, {"i": {"firstName": "Will", "lastName": "Entities"}})
    studio.w = made["createClient"]["client"]["id"]
    await owner(
        'mutation($c: ID!) { addClientNote(clientId: $c, text: "staff only") { client { id } } }',
        {"c": studio.x},
    )
    await accepted(
        owner,
        'mutation($c: ID!) { grantPoints(clientId: $c, points: 50, note: "sweep gift") '
        "{ userErrors { code } } }",
        {"c": studio.x},
        "grantPoints",
    )
    await owner(
        "mutation { setRankProgram(enabled: true, terminology: BELTS) { userErrors { code } } }"
    )
    category = await owner(
        'mutation { createRankCategory(input: {name: "Karate"}) { category { id } } }'
    )
    category_id = category["createRankCategory"]["category"]["id"]
    rank = await owner(
        'mutation($c: ID!) { addRank(categoryId: $c, input: {name: "White"}) { rank { id } } }',
        {"c": category_id},
    )
    await accepted(
        owner,
        "mutation($c: ID!, $r: ID!) { assignRank(clientId: $c, rankId: $r) { userErrors { code } } }",
        {"c": studio.x, "r": rank["addRank"]["rank"]["id"]},
        "assignRank",
    )
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    await accepted(
        owner,
        "mutation($c: ID!, $at: DateTime!) { recordVisit(clientId: $c, attendedAt: $at) "
        "{ accepted userErrors { code } } }",
        {"c": studio.x, "at": at},
        "recordVisit",
    )


def blank(value: Any) -> bool:
    """Shows nothing about the client: null, empty, zero, false (ids and type names aside)."""
    if isinstance(value, dict):
        return all(blank(v) for k, v in value.items() if k not in {"id", "__typename"})
    if isinstance(value, list):
        return not value
    return value in (None, 0, False, "")


def codes(body: dict[str, Any]) -> list[str]:
    return [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []]


async def through_gateway(caller: Graph, client_id: str, selection: str) -> tuple[Any, list[str]]:
    body = await caller.raw(
        f"query($id: ID!) {{ client(id: $id) {{ id {selection} }} }}", {"id": client_id}
    )
    return (body.get("data") or {}).get("client"), codes(body)


async def as_entity(caller: Graph, client_id: str, selection: str) -> tuple[Any, list[str]]:
    document = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        f"{{ ... on Client {{ id {selection} }} }} }}"
    )
    body = await caller.raw(document, {"r": [{"__typename": "Client", "id": client_id}]})
    entities = (body.get("data") or {}).get("_entities") or [None]
    return entities[0], codes(body)


@pytest.mark.parametrize("context", list(CLIENT_FIELDS))
async def test_entities_and_client_fields_answer_a_direct_caller_what_the_gateway_does(
    studio: Studio, context: str
) -> None:
    selection = CLIENT_FIELDS[context]
    callers = {
        **{label: (role, scopes, studio.x) for label, (role, scopes) in CALLERS.items()},
        "CLIENT of another card": ("CLIENT", None, studio.w),
    }
    wrong: list[str] = []
    seen: dict[str, Any] = {}
    for label, (role, scopes, own_card) in callers.items():
        extra: dict[str, Any] = {"client_id": own_card} if role == "CLIENT" else {}
        through = studio.graph(role, scopes, **extra)
        direct = studio.graph(role, scopes, url=subgraph_url(context), token=through.token)
        gateway_view, gateway_codes = await through_gateway(through, studio.x, selection)
        direct_view, direct_codes = await as_entity(direct, studio.x, selection)
        seen[label] = direct_view
        if blank(gateway_view) != blank(direct_view) or (
            not blank(gateway_view) and gateway_view != direct_view
        ):
            wrong.append(
                f"{label}: gateway {json.dumps(gateway_view)} {gateway_codes}, "
                f"{context} directly {json.dumps(direct_view)} {direct_codes}"
            )
        if label in NARROW and "FORBIDDEN" not in direct_codes:
            wrong.append(f"{label} was not refused {context}'s part of the card: {direct_codes}")
    assert wrong == []
    if context != "notifications":  # messages go out later, and not to every caller
        assert not blank(seen["OWNER"]), f"the studio has nothing in {context} to compare"
    assert blank(seen["CLIENT of another card"])


@pytest.mark.slow
@pytest.mark.parametrize("context", list(SERVICE_PORTS))
async def test_every_subgraph_operation_called_directly_is_refused_as_through_the_gateway(
    context: str,
) -> None:
    """Each root operation of one subgraph, built from that subgraph's own schema, sent
    through the gateway and straight to the subgraph: a caller is refused (FORBIDDEN) on
    one path exactly when it is on the other.

    A studio of its own: mutations run twice here and may change what they touch."""
    studio = Studio(tenant=unique_tenant("direct"))
    try:
        owner = studio.graph("OWNER")
        created = await owner(
            "mutation($i: ClientInput!) { createClient(input: $i) { client { id } } }",
            {"i": {"firstName": "Direct", "lastName": "Sweep"}},
        )
        client_id = created["createClient"]["client"]["id"]
        schema = await api_schema(
            studio.graph("OWNER", url=subgraph_url(context), token=owner.token)
        )
        operations = [
            op
            for op in build(schema, {"default": client_id})
            if not op.needs_upload and not op.name.startswith("_")
        ]
        assert operations, f"{context} has no operations"
        wrong: list[str] = []
        for label, (role, scopes) in CALLERS.items():
            extra: dict[str, Any] = {"client_id": client_id} if role == "CLIENT" else {}
            through = studio.graph(role, scopes, **extra)
            direct = studio.graph(role, scopes, url=subgraph_url(context), token=through.token)
            for operation in operations:
                _, gateway_codes = await run(through, operation)
                _, direct_codes = await run(direct, operation)
                assert not {"GATEWAY_SIGNATURE_REQUIRED", "GATEWAY_SIGNATURE_INVALID"} & set(
                    direct_codes
                )
                if ("FORBIDDEN" in gateway_codes) != ("FORBIDDEN" in direct_codes):
                    wrong.append(
                        f"{label} {operation.kind} {operation.name}: gateway "
                        f"{gateway_codes}, {context} directly {direct_codes}"
                    )
        assert wrong == []
    finally:
        for graph in studio.graphs:
            await graph.close()
