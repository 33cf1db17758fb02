"""Every root operation of the composed API schema, as a runnable document.

The security sweep runs each one as every role of another studio and of the same
studio; the list comes from the live schema, so a new operation is covered (and must be
documented in docs/security.md) without anyone remembering to add it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)

SCALAR_VALUES: dict[str, Any] = {
    "String": "sweep",
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "Date": "2025-01-15",
    "DateTime": "2025-01-15T10:00:00+00:00",
    "Decimal": "10.00",
    "JSON": "{}",
}


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" | "mutation"
    name: str
    document: str
    variables: dict[str, Any]
    needs_upload: bool


def _value(type_: GraphQLInputType, ids: dict[str, str], arg_name: str, depth: int = 0) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, ids, arg_name, depth)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, ids, arg_name, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 3:
            return None
        return {
            name: _value(field.type, ids, name, depth + 1)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull)
            or name in ("clientId", "firstName", "lastName")
        }
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        return ids.get(arg_name, ids["default"])
    if type_.name == "Upload":
        return None
    return SCALAR_VALUES.get(type_.name, "sweep")


def _selection(type_: GraphQLOutputType, depth: int) -> str:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType)
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(_required(a) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth > 0:
            sub = _selection(field.type, depth - 1)
            if sub:
                parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }"


def _type_ref(type_: GraphQLInputType) -> str:
    return str(type_)


def build(schema: GraphQLSchema, ids: dict[str, str], depth: int = 2) -> list[Operation]:
    operations: list[Operation] = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, field in sorted(root.fields.items()):
            operations.append(_operation(kind, name, field, ids, depth))
    return operations


def _operation(
    kind: str, name: str, field: GraphQLField, ids: dict[str, str], depth: int
) -> Operation:
    variables: dict[str, Any] = {}
    declared: list[str] = []
    passed: list[str] = []
    needs_upload = False
    for arg_name, arg in field.args.items():
        if not _required(arg) and not _interesting(arg_name):
            continue
        if get_named_type(arg.type).name == "Upload":
            needs_upload = True
        variables[arg_name] = _value(arg.type, ids, arg_name)
        declared.append(f"${arg_name}: {_type_ref(arg.type)}")
        passed.append(f"{arg_name}: ${arg_name}")
    header = f"{kind} Sweep" + (f"({', '.join(declared)})" if declared else "")
    call = name + (f"({', '.join(passed)})" if passed else "")
    document = f"{header} {{ {call} {_selection(field.type, depth)} }}"
    return Operation(kind, name, document, variables, needs_upload)


def _required(arg: GraphQLArgument) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def _interesting(arg_name: str) -> bool:
    # Optional arguments that point at data: pass them so the sweep aims at the victim.
    return arg_name in {"clientId", "categoryId", "branchId"}
