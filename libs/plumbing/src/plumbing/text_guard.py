"""The GraphQL door of `plumbing.text`: every string argument of an operation, nested
inputs included, is checked once before any resolver runs; a refusal is `BAD_TEXT` with
the argument's path in `extensions.field` (e.g. `["input", "firstName"]`). One of
`plumbing.gql.schema_extensions`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)
from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension

from plumbing.errors import BadInput
from plumbing.text import BAD_TEXT, bad_text


def _fields(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    if selections is None:
        return
    for node in selections.selections:
        if isinstance(node, FieldNode):
            yield node
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen | {node.name.value})


def refused_argument(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> BadInput | None:
    """The refusal of the first argument holding refused text, if any."""
    for field in _fields(operation.selection_set, fragments):
        if field.name.value.startswith("_"):
            continue  # `_entities`: keys and fields other subgraphs hold, not a caller's text
        for argument in field.arguments or ():
            value = value_from_ast_untyped(argument.value, dict(variables or {}))
            found = bad_text(value, (argument.name.value,))
            if found:
                path, problem = found
                shown = ".".join(path)
                params = {"field": shown}
                return BadInput(
                    f"{shown} {problem}", code=BAD_TEXT, params=params, field=list(path)
                )
    return None


class TextGuard(SchemaExtension):
    """Refuses an operation whose arguments hold refused text, before it executes."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            name = context.operation_name
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                if name is not None and (definition.name is None or definition.name.value != name):
                    continue
                refusal = refused_argument(definition, fragments, context.variables)
                if refusal is not None:
                    context.result = ExecutionResult(data=None, errors=[refusal])
                    break
        yield
