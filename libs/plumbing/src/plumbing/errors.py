"""Errors a caller may see. Anything else is masked as INTERNAL_SERVER_ERROR.

Each carries `extensions.code` and `extensions.params` (the values its message names, by
name), and its message in the request's language (`plumbing.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError

from plumbing.i18n import translate


class PublicError(GraphQLError):
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        **extensions: Any,
    ) -> None:
        code = code or self.code
        values = {k: str(v) for k, v in (params or {}).items() if v is not None}
        super().__init__(
            translate(code, values, fallback=message),
            extensions={"code": code, "params": values, **extensions},
        )


class Unauthorized(PublicError):
    code = "UNAUTHENTICATED"


class Forbidden(PublicError):
    code = "FORBIDDEN"


class NotFound(PublicError):
    code = "NOT_FOUND"


class BadInput(PublicError):
    code = "BAD_USER_INPUT"
