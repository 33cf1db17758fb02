"""P3: every operation of the live schema, as every role, of another studio and of the
same studio: zero cross-tenant (or cross-client) reads or writes, and every forbidden
call refused as documented in docs/security.md.

An unsigned call to a subgraph is refused whatever its token; test_sweep_subgraphs.py
sweeps the subgraphs called directly, signed as the gateway signs. The callers hold tokens
obtained as people and partners obtain them through the gateway (signed_in.py): staff by
invitation and password, clients by a mailed one-time code, a partner by exchanging its
API key; none is minted."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    IntrospectionQuery,
    build_client_schema,
    get_introspection_query,
)
from plumbing.testing import (
    GATEWAY_URL,
    ROOT,
    SERVICE_PORTS,
    Graph,
    eventually,
    subgraph_url,
    unique_tenant,
)

from .operations import Operation, _selection, build
from .signed_in import client_signed_in, partner_with_key, signed_in

ROLES = ["OWNER", "ADMIN", "OPERATOR", "CLIENT", "PARTNER"]
MARKS = {"✓": "allow", "✗": "deny", "self": "self"}
ROW = re.compile(r"^\|\s*(query|mutation) (\w+)\s*\|(.+)\|\s*$")


def permission_table() -> dict[tuple[str, str], dict[str, str]]:
    table: dict[tuple[str, str], dict[str, str]] = {}
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        match = ROW.match(line)
        if match:
            cells = [c.strip() for c in match.group(3).split("|")]
            assert len(cells) == len(ROLES), f"bad row in docs/security.md: {line}"
            table[(match.group(1), match.group(2))] = {
                r: MARKS[c] for r, c in zip(ROLES, cells, strict=True)
            }
    return table


async def api_schema(graph: Graph) -> GraphQLSchema:
    data = await graph(get_introspection_query())
    return build_client_schema(cast(IntrospectionQuery, data))


class World:
    """A victim studio A with a client X (and W), an attacker studio B with client Y."""

    def __init__(self) -> None:
        marker = uuid.uuid4().hex[:10]
        self.name = f"Zorrovictim{marker}"
        self.email = f"victim-{marker}@example.com"
        self.tenant_a = unique_tenant("victim")
        self.tenant_b = unique_tenant("attacker")
        self.graphs: list[Graph] = []
        # The studios' tooling: it only invites the staff, who then sign in (`staff`).
        self.tooling_a = self.graph(self.tenant_a, "OWNER")
        self.tooling_b = self.graph(self.tenant_b, "OWNER")
        self.owner_a = self.owner_b = self.tooling_a
        self.staff_b: dict[str, Graph] = {}
        self.x = self.w = self.y = ""
        # The clients W (of A) and Y (of B), signed in to the app (`sign_in_clients`).
        self.client_a: Graph = self.tooling_a
        self.client_b: Graph = self.tooling_b
        # B's partner, with an API key of every scope exchanged for its token.
        self.partner_b: Graph = self.tooling_b

    async def sign_in_staff(self) -> None:
        """OWNER, ADMIN and OPERATOR of the attacker's studio and the victim studio's
        owner, each a signed-in person (signed_in.py)."""
        self.owner_a = await signed_in(self.tooling_a, "OWNER")
        self.graphs.append(self.owner_a)
        for role in ("OWNER", "ADMIN", "OPERATOR"):
            self.staff_b[role] = await signed_in(self.tooling_b, role)
            self.graphs.append(self.staff_b[role])
        self.owner_b = self.staff_b["OWNER"]
        self.partner_b = await partner_with_key(self.owner_b)
        self.graphs.append(self.partner_b)

    async def sign_in_clients(self, w_email: str, y_email: str) -> None:
        """W and Y, each signed in with the code mailed to their card (signed_in.py)."""
        self.client_a = await client_signed_in(self.tenant_a, w_email)
        self.client_b = await client_signed_in(self.tenant_b, y_email)
        self.graphs += [self.client_a, self.client_b]

    def graph(self, tenant: str, role: str, **kwargs: Any) -> Graph:
        graph = Graph(tenant, [role], subject=f"sweep-{role.lower()}", **kwargs)
        self.graphs.append(graph)
        return graph

    async def create(self, graph: Graph, first: str, email: str | None = None) -> str:
        data = await graph(
            "mutation($i: ClientInput!) { createClient(input: $i) { client { id } userErrors { code } } }",
            {"i": {"firstName": first, "lastName": "Sweep", "email": email}},
        )
        return str(data["createClient"]["client"]["id"])

    def leaks(self, text: str) -> bool:
        return self.name in text or self.email in text


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    world = World()
    await world.sign_in_staff()
    world.x = await world.create(world.owner_a, world.name, world.email)
    marker = uuid.uuid4().hex[:10]
    w_email, y_email = f"other-{marker}@app.test", f"attacker-{marker}@app.test"
    world.w = await world.create(world.owner_a, "Other", w_email)
    world.y = await world.create(world.owner_b, "Attacker", y_email)
    await world.sign_in_clients(w_email, y_email)
    yield world
    for graph in world.graphs:
        await graph.close()


async def card(world: World, schema: GraphQLSchema) -> str:
    client_type = schema.type_map["Client"]
    assert isinstance(client_type, GraphQLObjectType)
    data = await world.owner_a(
        f"query($id: ID!) {{ client(id: $id) {_selection(client_type, 1)} }}", {"id": world.x}
    )
    return json.dumps(data, sort_keys=True)


async def run(graph: Graph, operation: Operation) -> tuple[str, list[str]]:
    response = await graph.post(operation.document, operation.variables)
    assert response.status_code < 500, (operation.name, response.text[:300])
    body = response.json()
    codes = [str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []]
    return response.text, codes


async def test_every_operation_is_documented(world: World) -> None:
    schema = await api_schema(world.owner_b)
    operations = {(op.kind, op.name) for op in build(schema, {"default": world.x})}
    documented = set(permission_table())
    assert sorted(operations - documented) == [], "add these operations to docs/security.md"
    assert sorted(documented - operations) == [], "these rows of docs/security.md name no operation"


@pytest.mark.slow
async def test_no_role_of_another_studio_or_other_client_reads_or_writes_what_is_not_theirs(
    world: World,
) -> None:
    schema = await api_schema(world.owner_b)
    table = permission_table()
    # Every context has heard of the victim before the snapshot (loyalty marks the
    # account `known` once it applied the card's creation).
    before = await eventually(
        lambda: card(world, schema), until=lambda text: '"known": true' in text, timeout=30
    )
    ids = {"default": world.x}
    operations = [op for op in build(schema, ids) if not op.needs_upload]
    # Staff and clients are signed-in people; the PARTNER exchanged its API key.
    others = {"CLIENT": world.client_b, "PARTNER": world.partner_b}
    callers = {role: world.staff_b.get(role) or others[role] for role in ROLES}
    client_of_a = world.client_a
    wrong: list[str] = []
    for operation in operations:
        expected = table.get((operation.kind, operation.name), {})
        for role, caller in callers.items():
            text, codes = await run(caller, operation)
            if world.leaks(text):
                wrong.append(f"{role} of another studio read the victim through {operation.name}")
            mark = expected.get(role)
            if mark == "deny" and "FORBIDDEN" not in codes:
                wrong.append(f"{role} was not refused {operation.kind} {operation.name}: {codes}")
            if mark == "allow" and "FORBIDDEN" in codes:
                wrong.append(f"{role} was refused {operation.kind} {operation.name}")
        text, _ = await run(client_of_a, operation)
        if world.leaks(text):
            wrong.append(
                f"another CLIENT of the same studio read the victim through {operation.name}"
            )
    await asyncio.sleep(2)  # let any event a stray write might have caused arrive
    after = await card(world, schema)
    assert wrong == []
    assert after == before, "the victim's card changed during the sweep"


async def test_an_id_of_another_studio_is_simply_unknown(world: World) -> None:
    data = await world.owner_b(
        "query($id: ID!) { client(id: $id) { id firstName } }", {"id": world.x}
    )
    assert data["client"] is None
    async with httpx.AsyncClient() as http:
        direct = await http.post(
            GATEWAY_URL.replace(":4000", ":4101"),
            json={"query": "{ studio { name } }"},
        )
    assert direct.status_code == 401  # a subgraph never serves a request without a token


@pytest.mark.parametrize("context", list(SERVICE_PORTS))
async def test_a_subgraph_refuses_an_unsigned_call_whatever_its_token(
    world: World, context: str
) -> None:
    """A valid OWNER token sent straight to a subgraph's port gets nothing."""
    unsigned = world.graph(world.tenant_a, "OWNER", url=subgraph_url(context), signed=False)
    response = await unsigned.post("{ __typename }")
    assert response.status_code == 401, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [
        "GATEWAY_SIGNATURE_REQUIRED"
    ]
    assert world.name not in response.text
