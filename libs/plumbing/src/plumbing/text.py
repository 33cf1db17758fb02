"""Text a caller sends: no control characters, no bidi overrides.

A name holding U+202E (RIGHT-TO-LEFT OVERRIDE) shows reversed on a console, a NUL or an
escape character breaks exports and terminals. Every string argument of every operation,
nested inputs included, is checked once, before any resolver runs (`TextGuard`, one of
`plumbing.gql.schema_extensions`); a refusal is `BAD_TEXT` with the argument's path in
`extensions.field` (e.g. `["input", "firstName"]`).

Allowed: tab, line feed and carriage return (notes and bodies have lines). Refused: the
other C0 controls, DEL, the C1 controls, the bidi embeddings and overrides (U+202A-U+202E)
and isolates (U+2066-U+2069).
"""

from __future__ import annotations

import re
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

BAD_TEXT = "BAD_TEXT"
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str) -> str | None:
    """Why `value` is refused, or None."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    return f"holds the character U+{ord(found[0]):04X}, which text may not contain"


def bad_text(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The first refused string in a value (strings, lists, input objects) and why."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (path, problem) if problem else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = bad_text(item, (*path, str(key)))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = bad_text(item, (*path, str(index)))
            if found:
                return found
    return None


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
                return BadInput(f"{'.'.join(path)} {problem}", code=BAD_TEXT, field=list(path))
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
