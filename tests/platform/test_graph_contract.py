"""The public schema's contract for frontends with normalized caches
(docs/contract.md), read from gateway/schema.graphql and gateway/supergraph.graphql:
objects with an identity have a global `id`, `Node` is served, and no field that can be
refused or fail is non-null where its error would take its siblings down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)

ROOT = Path(__file__).resolve().parents[2]
API = build_schema((ROOT / "gateway" / "schema.graphql").read_text())

# Objects without an identity of their own: values inside the object that holds them
# (a normalized cache stores them with it), pages and edges, reports' rows. (A mutation's
# `…Payload` is an answer, not an object: it holds the objects that changed.)
VALUE_TYPES = {
    "Address", "BookingBlock", "BookingCheck", "BookingCheckRefusal", "Bucket", "CountWithClients", "CustomFieldValue",
    "Demographics", "HeatCell", "ImportRowError", "MessageParam", "Money", "OccupancyPoint",
    "PageInfo",
    "PointsEarnedRow", "PointsExpiry", "Prerequisite", "PromotionCriteria",
    "PromotionReward", "RankLabels", "RankReportRow", "Stripe", "UserError",
    "WeightReading", "ClientCardChange", "ClientCardUpdate", "StaffInboxUpdate",
    "ImportJobUpdate", "ImportProgress", "CrmTodayUpdate", "FactOutcome", "FactOutcomeUpdate",
    "StudioAccess", "ConsentRecord", "PushDevice", "AppointmentReminderSettings",
}  # fmt: skip

# Fields a caller may be refused by role or scope (FORBIDDEN), each checked to be
# nullable so that the refusal stays on the field.
ROLE_RESTRICTED = [
    "Query.partnerKeys", "Query.clients", "Query.customFieldDefinitions", "Query.importJob",
    "Query.clientExport", "Query.client", "Query.bookingCheck", "Query.crmSummary",
    "Query.tasks", "Query.funnels", "Query.serviceEarnRules", "Query.pointsAutomations",
    "Query.pointsEarnedReport", "Query.notificationTemplates", "Query.staffNotifications",
    "Query.rankReport", "Query.node",
    "Client.loyalty", "Client.activity", "Client.timeline", "Client.messages",
    "Client.messageChannels", "Client.ranks", "Client.rankHistory", "LoyaltyAccount.ledger",
    "Mutation.createPartnerKey", "Mutation.revokePartnerKey", "Mutation.updateStudio",
    "Mutation.eraseClient", "Mutation.createClient", "Mutation.recordPurchase",
    "Mutation.grantPoints", "Mutation.redeemPoints", "Mutation.promoteClient",
    "Mutation.assignRank", "Mutation.sendClientMessage", "Mutation.createTask",
    "Query.forms", "Query.services", "Query.professionals", "Query.staff",
    "Mutation.setDocumentVisibility", "Mutation.resetNotificationTemplate",
    "Mutation.createFunnel", "Mutation.createPointsAutomation",
]  # fmt: skip

NODE_TYPES = {
    "Client", "LoyaltyAccount", "ClientRank", "ClientActivity", "CommunicationPreference",
    "CrmSummary", "RankProgram", "LoyaltyProgram",
}  # fmt: skip


def objects(schema: GraphQLSchema) -> dict[str, GraphQLObjectType]:
    roots = {"Query", "Mutation", "Subscription"}
    return {
        name: t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__") and name not in roots
    }


def test_every_object_with_an_identity_has_an_id() -> None:
    missing = [
        name
        for name, t in objects(API).items()
        if name not in VALUE_TYPES
        and not name.endswith("Payload")  # a mutation's answer: it holds what changed
        and not name.endswith(("Connection", "Edge"))  # a page of a list, and its entries
        and str(t.fields.get("id") and t.fields["id"].type) != "ID!"
    ]
    assert missing == [], f"give these an `id: ID!` or list them as VALUE_TYPES: {missing}"
    stale = sorted(VALUE_TYPES - set(objects(API)))
    assert stale == [], f"VALUE_TYPES names types the schema no longer has: {stale}"


def test_node_is_served_and_implemented() -> None:
    node = API.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    assert str(node.fields["id"].type) == "ID!"
    implementing = {t.name for t in API.get_implementations(node).objects}
    assert implementing == NODE_TYPES
    query = API.query_type
    assert query is not None
    assert str(query.fields["node"].type) == "Node"
    assert {a: str(v.type) for a, v in query.fields["node"].args.items()} == {"id": "ID!"}
    assert str(query.fields["nodes"].type) == "[Node]!"
    assert {a: str(v.type) for a, v in query.fields["nodes"].args.items()} == {"ids": "[ID!]!"}


def test_payloads_return_the_client_they_changed() -> None:
    for payload in ("LedgerPayload", "ClientRankPayload", "ClientPayload", "FunnelPayload"):
        t = API.type_map[payload]
        assert isinstance(t, GraphQLObjectType)
        assert str(t.fields["client"].type) == "Client", payload


# Mutations about a client whose effect arrives through events a moment later: the
# payload says the fact was accepted (`IngestPayload`); the card is read again after.
LATER = {
    "recordBooking", "recordVisit", "recordAppEvent", "recordGiftCard", "sendClientMessage",
    "setMembershipNextPayment",
}  # fmt: skip


def _named(t: Any) -> Any:
    while hasattr(t, "of_type"):
        t = t.of_type
    return t


def test_every_mutation_returns_what_it_changed_and_the_client_it_is_about() -> None:
    """A payload holds something besides `userErrors`; a mutation that names a client
    (`clientId`, or a client's `id`) answers that `Client`, on the payload or on what it
    changed (`TaskPayload.task.client`), so a normalized cache updates the card."""
    mutation = API.mutation_type
    assert mutation is not None
    empty, without_client = [], []
    for name, f in mutation.fields.items():
        payload = _named(f.type)
        assert isinstance(payload, GraphQLObjectType), name
        changed = {k: _named(v.type) for k, v in payload.fields.items() if k != "userErrors"}
        if not changed:
            empty.append(name)
        about_client = "clientId" in f.args or name in {"updateClient", "eraseClient"}
        if not about_client or name in LATER:
            continue
        reaches = "client" in changed or any(
            isinstance(t, GraphQLObjectType)
            and str(t.fields.get("client") and t.fields["client"].type) == "Client"
            for t in changed.values()
        )
        if not reaches:
            without_client.append(name)
    assert empty == [], f"these payloads return nothing but userErrors: {empty}"
    assert without_client == [], f"these payloads do not return the client: {without_client}"
    stale = sorted(LATER - set(mutation.fields))
    assert stale == [], f"LATER names mutations the schema no longer has: {stale}"


def test_role_restricted_fields_are_nullable() -> None:
    non_null = []
    for path in ROLE_RESTRICTED:
        type_name, field = path.split(".")
        t = API.type_map[type_name]
        assert isinstance(t, GraphQLObjectType)
        assert field in t.fields, f"{path} is not in the schema"
        if isinstance(t.fields[field].type, GraphQLNonNull):
            non_null.append(path)
    assert non_null == [], f"a refusal of these takes their siblings down: {non_null}"


def test_every_root_field_is_nullable() -> None:
    """A root field's error (refused, a subgraph down or slow) stays on that field.
    `nodes` is `[Node]!` as Relay specifies: each item is nullable instead."""
    non_null = [
        f"{root.name}.{name}"
        for root in (API.query_type, API.mutation_type)
        if root is not None
        for name, f in root.fields.items()
        if isinstance(f.type, GraphQLNonNull) and name != "nodes"
    ]
    assert non_null == [], f"make these nullable: {non_null}"


def test_fields_another_subgraph_adds_to_an_entity_are_nullable() -> None:
    """`Client.loyalty` comes from loyalty: when loyalty fails or refuses, the card from
    clients must still arrive (non-null, its null would erase the whole card). The
    subgraph that resolves most of an entity's fields owns it; the others' are nullable."""
    supergraph = build_schema(
        (ROOT / "gateway" / "supergraph.graphql").read_text(), assume_valid_sdl=True
    )
    non_null = []
    for name, t in objects(supergraph).items():
        if t.ast_node is None or len(_graphs(t.ast_node.directives, "join__type")) < 2:
            continue
        by_graph: dict[str, list[str]] = {}
        for field, f in t.fields.items():
            for graph in _graphs(f.ast_node.directives if f.ast_node else (), "join__field"):
                by_graph.setdefault(graph, []).append(field)
        if not by_graph:
            continue
        owner = max(by_graph, key=lambda g: len(by_graph[g]))
        for graph, fields in by_graph.items():
            non_null += [
                f"{name}.{field}"
                for field in fields
                if graph != owner and isinstance(t.fields[field].type, GraphQLNonNull)
            ]
    assert non_null == [], f"make these nullable: {non_null}"


def _graphs(directives: Any, name: str) -> list[str]:
    return [
        str(getattr(arg.value, "value", ""))
        for d in directives or ()
        if d.name.value == name
        for arg in d.arguments
        if arg.name.value == "graph"
    ]


# The lists a screen pages through (issue: "capped lists without cursors"), by the field
# that pages them: each a connection, both directions.
PAGED_LISTS = [
    "Query.clients", "Query.tasksConnection", "Query.staffNotificationsConnection",
    "Client.messagesConnection", "ClientActivity.pastBookingsConnection",
    "CountWithClients.clientsConnection",
]  # fmt: skip


def test_every_connection_pages_both_ways() -> None:
    """Every connection takes `first`/`after` and `last`/`before`, and the lists a screen
    pages through are connections."""
    one_way, not_connections = [], []
    paged = set()
    for type_name, t in objects(API).items() | {("Query", API.query_type)}:
        assert t is not None
        for name, f in t.fields.items():
            returned = _named(f.type)
            if not str(returned).endswith("Connection"):
                continue
            path = f"{type_name}.{name}"
            paged.add(path)
            if not {"first", "after", "last", "before"} <= set(f.args):
                one_way.append(path)
            page_info = returned.fields["pageInfo"].type
            assert str(page_info) == "PageInfo!", path
    for path in PAGED_LISTS:
        if path not in paged:
            not_connections.append(path)
    assert one_way == [], f"page these backward too (last/before): {one_way}"
    assert not_connections == [], f"these lists are not connections: {not_connections}"
    info = API.type_map["PageInfo"]
    assert isinstance(info, GraphQLObjectType)
    assert set(info.fields) == {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
