"""`node(id)` and `nodes(ids)`: any object with a global id, fetched again by that id.

The clients subgraph answers both for the whole graph. It decodes the id's type, checks
that the object is the caller's to see (a client of the caller's studio the caller may
read, or the caller's own studio), and returns either the object itself (a client, a
communication preference) or a reference the gateway completes from the subgraph that
owns the type (`@key(fields: "id")`: a loyalty account from loyalty, a client's rank
from ranks…). An id of another studio, an unknown client or a malformed id answers null,
never another tenant's data. See docs/contract.md.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry
from plumbing.errors import BadInput
from plumbing.gql import context_of, may_read_client
from plumbing.node_ids import parse_global_id
from strawberry.types import Info

from clients.graphql.types import Client, Node

MAX_NODES = 100


@strawberry.federation.type(keys=["id"])
class LoyaltyAccount(Node):  # A client's points (loyalty).
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class ClientActivity(Node):  # A client's bookings and sales (crm).
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class ClientRank(Node):  # A client's rank in a category (ranks).
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class LoyaltyProgram(Node):  # The studio's points program (loyalty).
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class RankProgram(Node):  # The studio's rank program (ranks).
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class CrmSummary(Node):  # A day or month at a glance (crm).
    id: strawberry.ID


# The types above are references only: their fields, and their descriptions, come from
# the subgraph named beside each.

# Objects of one client: the first part of their key is the client's id.
_OF_A_CLIENT: dict[str, tuple[int, type[Node]]] = {
    "LoyaltyAccount": (1, LoyaltyAccount),
    "ClientActivity": (1, ClientActivity),
    "ClientRank": (2, ClientRank),
}
# Objects of one studio: the first part of their key is the studio (the tenant).
_OF_THE_STUDIO: dict[str, tuple[int, type[Node]]] = {
    "LoyaltyProgram": (1, LoyaltyProgram),
    "RankProgram": (1, RankProgram),
    "CrmSummary": (4, CrmSummary),
}
STUB_TYPES = [t for _, t in (*_OF_A_CLIENT.values(), *_OF_THE_STUDIO.values())]


async def _client(info: Info[Any, Any], client_id: str) -> Client | None:
    """The card as the root `client` field shows it (a partner needs `clients:read`)."""
    from clients.graphql.schema import load_client  # the root fields import this module

    if not may_read_client(info, client_id):
        return None
    return await load_client(context_of(info), client_id)


async def resolve_node(info: Info[Any, Any], id: str) -> Node | None:
    parsed = parse_global_id(id)
    if parsed is None:  # not a typed id: a client's own id
        return await _client(info, id)
    type_name, parts = parsed
    if type_name == "CommunicationPreference" and len(parts) == 3:
        client = await _client(info, parts[0])
        found = [p for p in client.communication_preferences() if p.id == id] if client else []
        return found[0] if found else None
    if type_name in _OF_A_CLIENT:
        arity, stub = _OF_A_CLIENT[type_name]
        if len(parts) != arity or await _client(info, parts[0]) is None:
            return None
        return stub(id=strawberry.ID(id))
    if type_name in _OF_THE_STUDIO:
        arity, stub = _OF_THE_STUDIO[type_name]
        if len(parts) != arity or parts[0] != context_of(info).tenant:
            return None
        return stub(id=strawberry.ID(id))
    return None


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this global id, or null when there is none the caller "
        "may see (an id of another studio is null too)."
    )
    async def node(self, info: Info[Any, Any], id: strawberry.ID) -> Node | None:
        return await resolve_node(info, str(id))

    @strawberry.field(
        description=f"The objects with these ids, in the same order (at most {MAX_NODES}); "
        "null for each one there is none of, or the caller may not see (its error beside it).",
        graphql_type=list[Node | None],
    )
    def nodes(self, info: Info[Any, Any], ids: list[strawberry.ID]) -> list[Awaitable[Node | None]]:
        if len(ids) > MAX_NODES:
            raise BadInput(
                f"at most {MAX_NODES} ids at once",
                code="TOO_MANY_IDS",
                params={"maximum": MAX_NODES},
            )
        # One awaitable per id: an id the caller may not see fails on its own item.
        return [resolve_node(info, str(i)) for i in ids]
