"""What a caller sees of a failed operation: its own mistakes with a code and params, in
its language; anything unexpected masked (no stack traces, no internals). One of
`plumbing.gql.schema_extensions`."""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError
from pymongo.errors import PyMongoError
from strawberry.extensions import MaskErrors

from plumbing.i18n import invalid_argument, translate
from plumbing.scalars import InvalidScalar


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        # Validation, parsing and input-coercion errors (and our PublicErrors) describe
        # the caller's request: shown as they are.
        return False
    return True


_VARIABLE = re.compile(r"^Variable '\$(\w+)' (has|got) invalid value")


def _with_code(error: GraphQLError) -> GraphQLError:
    """A caller's error with a code: a variable whose value does not fit its type
    (`Variable '$at' got invalid value 'yesterday'`, an unknown enum value, a malformed
    date) is BAD_USER_INPUT, like the other errors a caller can fix, and a time without
    an offset NAIVE_TIME; a scalar's refusal keeps its own words. (The gateway, which
    names the variables it sends after the arguments they fill, words the message for
    the caller: gateway.config.ts.)"""
    if not error.message.startswith("Variable '$"):
        return error
    cause = error.original_error
    code = str((error.extensions or {}).get("code") or "BAD_USER_INPUT")
    message = error.message
    matched = _VARIABLE.match(message)
    params: dict[str, Any] = {}
    if isinstance(cause, InvalidScalar):
        code = str((cause.extensions or {}).get("code", code))
        params = dict((cause.extensions or {}).get("params") or {})
        if matched:  # the scalar's own words, without graphql-core's wrapping
            message = f"{matched[0]}: {cause.message}"
    if matched:
        argument = _GATEWAY_VARIABLE.sub("", matched[1])
        params = {"argument": argument, **params}
        opening = invalid_argument(argument)  # the gateway rewords the English one
        if opening is not None:
            message = f"{opening}: {cause.message}" if isinstance(cause, InvalidScalar) else opening
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code, "params": params},
    )


# The variables the gateway names after the field it fills (`$_recordPurchase_input`).
_GATEWAY_VARIABLE = re.compile(r"^_[A-Za-z0-9]+_(?=\w)")


class _Masking(MaskErrors):
    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [_with_code(e) for e in super()._process_errors(errors)]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        unavailable = isinstance(error.original_error, PyMongoError)
        code = "SERVICE_UNAVAILABLE" if unavailable else "INTERNAL_SERVER_ERROR"
        return GraphQLError(
            message=translate(code),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code, "params": {}},
        )


def error_masking() -> MaskErrors:
    """Unexpected exceptions reach logs, never callers (no stack traces, no internals)."""
    return _Masking(should_mask_error=_should_mask, error_message="Internal server error")
