"""GraphQL pieces every subgraph shares: context, permissions, common types, cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from graphql import GraphQLError
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.types import Info

from plumbing.auth import Principal, Role
from plumbing.clock import Clock
from plumbing.errors import BadInput, Forbidden
from plumbing.mongo import Doc, TenantCollection
from plumbing.outbox import Outbox
from plumbing.settings import ServiceSettings

strawberry.enum(Role)  # the contract's `enum Role`, shared by every subgraph that names roles


@strawberry.federation.type(shareable=True)
class UserError:
    field: list[str] | None
    message: str
    code: str


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.federation.type(shareable=True)
class Money:
    amount: Decimal
    currency: str


def user_error(message: str, code: str, *path: str) -> UserError:
    return UserError(field=list(path) or None, message=message, code=code)


@dataclass
class RequestContext:
    """What a resolver may use. Built per request, after the token was verified."""

    request: Request
    response: Response | None
    principal: Principal
    db: AsyncDatabase[Doc]
    outbox: Outbox
    clock: Clock
    settings: ServiceSettings
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def collection(self, name: str) -> TenantCollection:
        return TenantCollection(self.db[name], self.principal.tenant)

    def loader(self, name: str, factory: Callable[[], Any]) -> Any:
        """One DataLoader per request and name (entity references are batched)."""
        if name not in self.cache:
            self.cache[name] = factory()
        return self.cache[name]

    def now(self) -> datetime:
        return self.clock.now()


def context_of(info: Info[Any, Any]) -> RequestContext:
    ctx = info.context
    if not isinstance(ctx, RequestContext):  # pragma: no cover - wiring error
        raise RuntimeError("resolver called without a RequestContext")
    return ctx


def require(info: Info[Any, Any], *roles: Role) -> RequestContext:
    """The caller must hold one of `roles`; returns the context for convenience."""
    ctx = context_of(info)
    if not ctx.principal.has(*roles):
        needed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(f"this operation needs one of the roles: {needed}")
    return ctx


def require_scope(info: Info[Any, Any], scope: str) -> RequestContext:
    """Partners may only do what their key allows.

    Staff pass. A PARTNER token exchanged from an API key carries the key's scopes and is
    held to them; a PARTNER token without a `scopes` claim (minted by the studio's own
    tooling) has every partner scope.
    """
    ctx = context_of(info)
    principal = ctx.principal
    if principal.is_staff:
        return ctx
    if not principal.has(Role.PARTNER):
        raise Forbidden("this operation is for staff and partners")
    if principal.scopes and scope not in principal.scopes:
        raise Forbidden(f"this partner key lacks the scope {scope}")
    return ctx


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.b64decode(padded.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR") from None


def page_size(first: int | None, *, default: int = 20, maximum: int = 200) -> int:
    if first is None:
        return default
    if first < 0:
        raise BadInput("first must be zero or more", code="BAD_PAGE_SIZE")
    if first > maximum:
        raise BadInput(f"first must be at most {maximum}", code="BAD_PAGE_SIZE")
    return first


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        # Validation, parsing and input-coercion errors (and our PublicErrors) describe
        # the caller's request: shown as they are.
        return False
    return True


def _with_code(error: GraphQLError) -> GraphQLError:
    """A caller's error with a code: a variable whose value does not fit its type
    (`Variable '$at' got invalid value 'yesterday'`, an unknown enum value, a malformed
    date) is BAD_USER_INPUT, like the other errors a caller can fix."""
    if (error.extensions or {}).get("code") or not error.message.startswith("Variable '$"):
        return error
    return GraphQLError(
        message=error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": "BAD_USER_INPUT"},
    )


class _Masking(MaskErrors):
    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [_with_code(e) for e in super()._process_errors(errors)]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        unavailable = isinstance(error.original_error, PyMongoError)
        return GraphQLError(
            message=(
                "the database is briefly unavailable; try again"
                if unavailable
                else "Internal server error"
            ),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "SERVICE_UNAVAILABLE" if unavailable else "INTERNAL_SERVER_ERROR"},
        )


def error_masking() -> MaskErrors:
    """Unexpected exceptions reach logs, never callers (no stack traces, no internals)."""
    return _Masking(should_mask_error=_should_mask, error_message="Internal server error")


def schema_extensions() -> list[Any]:
    """The extensions every subgraph schema runs with.

    Parsing and validating a document took about half of a small request's time
    (profiled: `validate` 43 % of the clients subgraph under load); the gateway sends
    the same few documents with different variables, so both are cached by document.
    """
    # Factories: a fresh extension per request, the caches themselves live at module level.
    return [
        error_masking,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
