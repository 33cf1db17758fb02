"""GraphQL pieces every subgraph shares: context, permissions, common types, cursors."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import (
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext, Info

from plumbing.auth import Principal, Role
from plumbing.clock import Clock
from plumbing.error_codes import UserErrorCode, error_code
from plumbing.error_masking import error_masking
from plumbing.errors import BadInput, Forbidden
from plumbing.i18n import DEFAULT as DEFAULT_LANGUAGE
from plumbing.i18n import Catalog, Speaking, translate
from plumbing.live_shared import SharedEventExecution
from plumbing.logs import log_graphql_error
from plumbing.mongo import Doc
from plumbing.outbox import Outbox
from plumbing.scalars import SCALAR_OVERRIDES
from plumbing.settings import ServiceSettings
from plumbing.storage import Aggregates, Repository, Storage
from plumbing.tenant_collection import TenantCollection
from plumbing.text_guard import TextGuard

S = TypeVar("S")

strawberry.enum(Role)  # the contract's `enum Role`, shared by every subgraph that names roles


@strawberry.federation.type(
    shareable=True,
    description="One parameter of a message: `code` and `params` are what a frontend "
    "translates itself; `message` is the same in the request's language.",
)
class MessageParam:
    name: str
    value: str


@strawberry.federation.type(shareable=True)
class UserError:
    field: list[str] | None
    message: str = strawberry.field(
        description="The refusal in the request's language (`Accept-Language`, else the "
        "signed-in person's, else the studio's): es, it or en."
    )
    code: UserErrorCode
    params: list[MessageParam] = strawberry.field(
        default_factory=list,
        description="The values the message names (a maximum, a name...), by name, so that "
        "`code` with `params` says all the message says.",
    )

    def __post_init__(self) -> None:
        # Use cases answer codes as strings; the contract's enum is checked here, once.
        if not isinstance(self.code, UserErrorCode):
            self.code = error_code(self.code)
        # The sentence in the request's language (`plumbing.i18n`); the call site's
        # English words stand where its context wrote no template.
        named = _field_name(self.field)
        values = {**({"field": named} if named else {}), **{p.name: p.value for p in self.params}}
        self.message = translate(self.code.value, values, fallback=self.message)


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Whether the list holds edges before this page (paging forward: this "
        "page started after a cursor; paging backward with `last`: items precede it).",
    )
    start_cursor: str | None = None

    @classmethod
    def of(cls, cursors: Sequence[str], *, has_next: bool, after: str | None) -> PageInfo:
        """The page info of a page paged forward with `first`/`after`."""
        return cls(
            has_next_page=has_next,
            end_cursor=cursors[-1] if cursors else None,
            has_previous_page=bool(after),
            start_cursor=cursors[0] if cursors else None,
        )


@strawberry.federation.type(shareable=True)
class Money:
    amount: Decimal
    currency: str


def _field_name(path: Sequence[str] | None) -> str:
    """The field a refusal is about, as templates name it: the last name of its path
    (`input.lines.0.amount` -> `amount`)."""
    names = [p for p in path or () if not p.isdigit()]
    return names[-1] if names else ""


def user_error(message: str, code: str, *path: str, **params: object) -> UserError:
    """A refusal: `message` is the English sentence of the call site, `params` what it
    names (they also fill the context's template in the request's language)."""
    return UserError(
        field=list(path) or None,
        message=message,
        code=error_code(code),
        params=message_params(params),
    )


def message_params(params: Mapping[str, object]) -> list[MessageParam]:
    return [MessageParam(name=k, value=str(v)) for k, v in params.items() if v is not None]


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
    storage: Storage | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    # The language the request is answered in (`plumbing.i18n.negotiate`), and the
    # service's own catalog of messages: the `Speaking` extension holds them for the
    # operation.
    language: str = DEFAULT_LANGUAGE
    messages: Catalog = field(default_factory=dict)

    @property
    def tenant(self) -> str:
        return self.principal.tenant

    def repository(self, aggregates: Aggregates[S]) -> Repository[S]:
        """The caller's tenant's aggregates of this kind, behind the storage port."""
        if self.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("the request context was built without storage")
        return self.storage.repository(aggregates, self.principal.tenant)

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


CLIENTS_READ = "clients:read"


def may_read_client(info: Info[Any, Any], client_id: str) -> bool:
    """Whether the caller may read a client's card and everything other services add to
    it (points, ranks, activity, timeline, messages), as the root `client` field decides:
    staff may; a PARTNER may with the `clients:read` scope and is refused (FORBIDDEN)
    without it; a CLIENT may read only their own card (False for any other).

    Entity references (`_entities`) and the fields a subgraph adds to `Client` check
    this, so a subgraph reached with a narrow token answers what the gateway would."""
    principal = context_of(info).principal
    if principal.is_staff:
        return True
    if principal.has(Role.CLIENT) and principal.client_id == client_id:
        return True
    if principal.has(Role.PARTNER):
        if not principal.allows(CLIENTS_READ):
            raise Forbidden(f"this partner key lacks the scope {CLIENTS_READ}")
        return True
    return False


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


def encode_position(*parts: str) -> str:
    """An opaque cursor for a position in a list ordered by several keys (a name, then
    an id): every character of every part round-trips exactly (a separator character
    inside a name cannot split it, as `name\\0id` did)."""
    return encode_cursor(json.dumps(list(parts)))


def decode_position(cursor: str | None, arity: int) -> tuple[str, ...] | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    try:
        parts = json.loads(raw)
    except ValueError:
        parts = None
    if (
        not isinstance(parts, list)
        or len(parts) != arity
        or not all(isinstance(p, str) for p in parts)
    ):
        raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR")
    return tuple(parts)


def page_size(
    first: int | None, *, default: int = 20, maximum: int = 200, name: str = "first"
) -> int:
    """How many items a page holds: `first` (or `last`, named by `name`), refused outside
    0..maximum."""
    if first is None:
        return default
    if first < 0:
        raise BadInput(
            f"{name} must be zero or more", code="BAD_PAGE_SIZE", params={"maximum": maximum}
        )
    if first > maximum:
        raise BadInput(
            f"{name} must be at most {maximum}", code="BAD_PAGE_SIZE", params={"maximum": maximum}
        )
    return first


def _depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """Strawberry's depth limiter, counting as the gateway does: it counts a root field as
    depth 0 where the gateway (graphql-armor) counts 1, so one level less here refuses
    exactly what the gateway refuses (13 nested fields when the limit is 12)."""
    [rule] = QueryDepthLimiter(max_depth=max_depth - 1).validation_rules

    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            report = context.on_error

            def refuse(error: GraphQLError) -> None:
                params = {"maximum": str(max_depth)}
                message = translate(
                    "QUERY_TOO_DEEP", params, fallback=f"Query depth limit of {max_depth} exceeded"
                )
                extensions = {"code": "QUERY_TOO_DEEP", "params": params}
                report(GraphQLError(message, error.nodes, extensions=extensions))

            # The limiter reports from its constructor through `on_error`, the callback
            # graphql-core's context was built with (it assigns it over the method too).
            context.on_error = refuse  # type: ignore[method-assign]
            try:
                rule(context)
            finally:
                context.on_error = report  # type: ignore[method-assign]
            super().__init__(context)

    return MaxDepth


# The gateway sends the root fields of one operation that go to the same subgraph in one
# request, each renamed `_v<n>_<name>` (`_v3_funnels: funnels`, `_v0__entities:
# _entities`). Those renames are not the caller's aliases: counted, a query the gateway
# accepted with 15 aliases and a few more root fields would be refused here.
_BATCH_RENAME = re.compile(r"_v\d+_(?P<name>\w+)")


def _aliases(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> int:
    if selections is None:
        return 0
    count = 0
    for node in selections.selections:
        if isinstance(node, FieldNode):
            if node.alias is not None:
                renamed = _BATCH_RENAME.fullmatch(node.alias.value)
                count += not (renamed and renamed["name"] == node.name.value)
            count += _aliases(node.selection_set, fragments, seen)
        elif isinstance(node, InlineFragmentNode):
            count += _aliases(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                count += _aliases(fragment.selection_set, fragments, seen | {node.name.value})
    return count


def _alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            found = sum(
                _aliases(d.selection_set, fragments)
                for d in definitions
                if isinstance(d, OperationDefinitionNode)
            )
            if found > max_aliases:
                context.report_error(
                    GraphQLError(
                        translate(
                            "TOO_MANY_ALIASES",
                            fallback=f"{found} aliases found. Allowed: {max_aliases}",
                        ),
                        extensions={
                            "code": "TOO_MANY_ALIASES",
                            "params": {"found": str(found), "maximum": str(max_aliases)},
                        },
                    )
                )

    return MaxAliases


@functools.cache
def limit_rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias rules for these limits, built once: the validation cache is
    keyed by the rule classes, so a new class per request would never hit it."""
    return (_depth_rule(max_depth), _alias_rule(max_aliases))


class _Limits(SchemaExtension):
    """The gateway's depth and alias limits, enforced again by the subgraph itself
    (`GRAPHQL_MAX_DEPTH`, `GRAPHQL_MAX_ALIASES`)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            rules = limit_rules(
                context.settings.graphql_max_depth, context.settings.graphql_max_aliases
            )
        else:  # executed without a request (a test of the schema alone): the defaults
            fields = ServiceSettings.model_fields
            rules = limit_rules(
                fields["graphql_max_depth"].default, fields["graphql_max_aliases"].default
            )
        self.execution_context.validation_rules = (*self.execution_context.validation_rules, *rules)
        yield


class SubgraphSchema(strawberry.federation.Schema):
    """A subgraph's schema: the graph's own `DateTime`, `Date` and `Decimal`
    (`plumbing.scalars`); errors are logged as events, an expected refusal (FORBIDDEN,
    BAD_USER_INPUT, an invalid document…) as one line with its code, and only an
    unexpected exception with its traceback (strawberry's default logs a traceback for
    every error, refusals included)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["scalar_overrides"] = {**SCALAR_OVERRIDES, **(kwargs.get("scalar_overrides") or {})}
        kwargs.setdefault("execution_context_class", SharedEventExecution)
        super().__init__(*args, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        operation = execution_context.operation_name if execution_context else None
        for error in errors:
            log_graphql_error(error, operation=operation)


def schema_extensions() -> list[Any]:
    """The extensions every subgraph schema runs with.

    Parsing and validating a document took about half of a small request's time
    (profiled: `validate` 43 % of the clients subgraph under load); the gateway sends
    the same few documents with different variables, so both are cached by document.
    """
    # Factories: a fresh extension per request, the caches themselves live at module level.
    return [
        # First, so that it holds the language around every other extension's work.
        Speaking,
        error_masking,
        _Limits,
        TextGuard,
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
