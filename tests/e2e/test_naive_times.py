"""A `DateTime` without an offset, sent to EVERY argument that takes one (the list is
read from gateway/schema.graphql, nested inputs included), is refused with `NAIVE_TIME`
and never answers a server error: the same rule in every service (docs/contract.md,
"Time")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    build_schema,
)
from plumbing.testing import Graph

from ..journeys import new_client

API = build_schema((Path(__file__).resolve().parents[2] / "gateway" / "schema.graphql").read_text())
NAIVE = "2026-01-01T10:00:00"
# A valid value of each scalar, for the arguments around the one under test.
SAMPLES = {
    "ID": "x",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "1.00",
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T10:00:00Z",
}
# How each object with a DateTime argument is reached from the root: a wrapper around the
# field's selection, with the variables it needs (`$c`: a client of the studio).
REACHED_BY = {
    "LoyaltyAccount": ("query($c: ID!{vars}) {{ client(id: $c) {{ loyalty {{ {field} }} }} }}"),
}


def _inner(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _time_paths(
    t: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str]
) -> list[tuple[str, ...]]:
    inner = _inner(t)
    if isinstance(inner, GraphQLScalarType) and inner.name == "DateTime":
        return [path]
    if isinstance(inner, GraphQLInputObjectType) and inner.name not in seen:
        return [
            p
            for name, f in inner.fields.items()
            for p in _time_paths(f.type, (*path, name), seen | {inner.name})
        ]
    return []


def time_arguments(schema: GraphQLSchema) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every `(type, field, path to a DateTime inside one argument)` of the schema."""
    found = []
    for type_name, t in sorted(schema.type_map.items()):
        if not isinstance(t, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, f in t.fields.items():
            for arg_name, arg in f.args.items():
                for path in _time_paths(arg.type, (arg_name,), frozenset()):
                    found.append((type_name, field_name, path))
    return found


def sample(t: GraphQLInputType, naive_at: tuple[str, ...] | None) -> Any:
    """A valid value of `t`, except the DateTime at `naive_at` (a path inside it)."""
    if naive_at == ():
        return NAIVE
    if isinstance(t, GraphQLNonNull):
        return sample(t.of_type, naive_at)
    if isinstance(t, GraphQLList):
        return [sample(t.of_type, naive_at)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLScalarType):
        return SAMPLES[t.name]
    assert isinstance(t, GraphQLInputObjectType)
    value = {}
    for name, f in t.fields.items():
        inside = naive_at[1:] if naive_at and naive_at[0] == name else None
        if inside is not None or (
            isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ):
            value[name] = sample(f.type, inside)
    return value


def operation(type_name: str, field_name: str, path: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The operation that sends a naive time at `path` of `type_name.field_name`, every
    other argument it requires given a valid value."""
    t = API.type_map[type_name]
    assert isinstance(t, GraphQLObjectType)
    f = t.fields[field_name]
    declared, passed, variables = [], [], {}
    for arg_name, arg in f.args.items():
        if arg_name != path[0] and not isinstance(arg.type, GraphQLNonNull):
            continue
        declared.append(f"${arg_name}: {arg.type}")
        passed.append(f"{arg_name}: ${arg_name}")
        variables[arg_name] = sample(arg.type, path[1:] if arg_name == path[0] else None)
    selection = "" if isinstance(_inner(f.type), GraphQLScalarType) else " { __typename }"
    field = f"{field_name}({', '.join(passed)}){selection}"
    vars_ = ", ".join(declared)
    if type_name == "Query":
        return f"query({vars_}) {{ {field} }}", variables
    if type_name == "Mutation":
        return f"mutation({vars_}) {{ {field} }}", variables
    template = REACHED_BY[type_name]
    return template.format(vars=f", {vars_}" if vars_ else "", field=field), variables


CASES = time_arguments(API)


def test_the_list_is_read_from_the_schema() -> None:
    """Every DateTime argument is under test, and the ones reached through an object
    have a way in (`REACHED_BY`)."""
    assert len(CASES) >= 16
    assert {
        ("Mutation", "createTask", ("dueAt",)),
        ("Query", "rankReport", ("filter", "autoPromotedSince")),
    } <= set(CASES)
    roots = {"Query", "Mutation"}
    assert {t for t, _, _ in CASES} - roots <= set(REACHED_BY)


@pytest.mark.parametrize(
    ("type_name", "field_name", "path"), CASES, ids=[f"{t}.{f}.{'.'.join(p)}" for t, f, p in CASES]
)
async def test_a_time_without_offset_is_naive_time_never_a_server_error(
    owner: Graph, type_name: str, field_name: str, path: tuple[str, ...]
) -> None:
    query, variables = operation(type_name, field_name, path)
    if type_name not in {"Query", "Mutation"}:
        variables["c"] = await new_client(owner, "Nadia", "Naive")
    answer = await owner.raw(query, variables)
    errors = answer.get("errors") or []
    found = [e.get("extensions", {}).get("code") for e in errors]
    assert "NAIVE_TIME" in found, (query, variables, answer)
    assert "INTERNAL_SERVER_ERROR" not in found, answer
    assert all("Unexpected error" not in e.get("message", "") for e in errors), answer
