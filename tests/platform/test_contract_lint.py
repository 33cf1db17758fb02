"""Lint of the public contract (`gateway/schema.graphql`): the conventions a frontend's
codegen and normalized cache rely on, checked on every type rather than by example.

- every mutation answers a payload object with `userErrors`, whose `code` is an enum;
- no field or argument named status, kind or state is a free string;
- every connection has `pageInfo: PageInfo!`, and `PageInfo` pages both ways.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
    is_list_type,
    is_non_null_type,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = build_schema((ROOT / "gateway" / "schema.graphql").read_text())

STATE_NAMES = {"status", "kind", "state"}
# Words a billing partner chooses, reported as they are (as on Kafka); the graph shows
# them in its own enums (`Membership.status`, `Credit.status`) with OTHER for the rest.
PARTNER_WORDS = {
    "Credit.kind",
    "CreditInput.kind",
    "CreditInput.status",
    "MembershipInput.status",
}


def _named(type_name: str) -> GraphQLNamedType:
    found = SCHEMA.get_type(type_name)
    assert found is not None, type_name
    return found


def test_every_mutation_answers_a_payload_with_coded_user_errors() -> None:
    mutation = SCHEMA.mutation_type
    assert mutation is not None
    wrong = []
    for name, field in mutation.fields.items():
        payload = get_named_type(field.type)
        errors = (
            payload.fields.get("userErrors") if isinstance(payload, GraphQLObjectType) else None
        )
        if errors is None:
            wrong.append(f"{name}: {payload} has no userErrors")
            continue
        if not (is_non_null_type(errors.type) and is_list_type(errors.type.of_type)):
            wrong.append(f"{name}: {payload}.userErrors is not a non-null list")
        error = get_named_type(errors.type)
        assert isinstance(error, GraphQLObjectType)
        code = error.fields.get("code")
        if code is None or not isinstance(get_named_type(code.type), GraphQLEnumType):
            wrong.append(f"{name}: {error}.code is not an enum")
    assert not wrong, "\n".join(wrong)


def test_no_status_or_kind_is_a_free_string() -> None:
    wrong = []
    for type_ in SCHEMA.type_map.values():
        if type_.name.startswith("__") or not isinstance(
            type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            continue
        for name, field in type_.fields.items():
            places = [(f"{type_.name}.{name}", name, field.type)]
            places += [
                (f"{type_.name}.{name}({arg})", arg, value.type)
                for arg, value in getattr(field, "args", {}).items()
            ]
            for where, leaf, of_type in places:
                named = get_named_type(of_type)
                if (
                    leaf in STATE_NAMES
                    and isinstance(named, GraphQLScalarType)
                    and named.name in {"String", "ID"}
                    and where not in PARTNER_WORDS
                ):
                    wrong.append(where)
    assert not wrong, wrong


def test_every_connection_pages_both_ways() -> None:
    page_info = _named("PageInfo")
    assert isinstance(page_info, GraphQLObjectType)
    assert {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"} <= set(page_info.fields)
    for flag in ("hasNextPage", "hasPreviousPage"):
        assert is_non_null_type(page_info.fields[flag].type), flag
    connections = [t for n, t in SCHEMA.type_map.items() if n.endswith("Connection")]
    assert connections
    for connection in connections:
        assert isinstance(connection, GraphQLObjectType)
        assert str(connection.fields["pageInfo"].type) == "PageInfo!", connection.name
        edge = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        assert str(edge.fields["cursor"].type) == "String!", edge.name
        assert "node" in edge.fields, edge.name


def test_user_error_codes_cover_the_refusals_the_platform_documents() -> None:
    codes = _named("UserErrorCode")
    assert isinstance(codes, GraphQLEnumType)
    for code in ("BAD_TEXT", "BAD_IDEMPOTENCY_KEY", "REPEAT_IN_PROGRESS", "NOT_FOUND", "INVALID"):
        assert code in codes.values, code
