"""The loyalty subgraph: program settings, the points account on the client card, and the
staff operations on it. Thin: input -> use case -> payload."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from plumbing import bounds
from plumbing.auth import STAFF
from plumbing.errors import BadInput
from plumbing.gql import (
    Money,
    PageInfo,
    SubgraphSchema,
    context_of,
    decode_cursor,
    encode_cursor,
    require,
    schema_extensions,
)
from plumbing.paging import page_info, window
from strawberry.types import Info

from loyalty.adapters.tenant_storage import request_stores
from loyalty.graphql.accounts import Client, program_view
from loyalty.graphql.mutations import Mutation
from loyalty.graphql.types import (
    LoyaltyAccount,
    LoyaltyProgram,
    PointsAutomation,
    ServiceEarnRule,
)
from loyalty.service_layer import views


@strawberry.type
class PointsEarnedRow:
    client: Client
    points: int
    value: Money


@strawberry.type
class PointsEarnedEdge:
    cursor: str
    node: PointsEarnedRow


@strawberry.type
class PointsEarnedConnection:
    edges: list[PointsEarnedEdge]
    page_info: PageInfo
    total_points: int


@strawberry.type
class Query:
    @strawberry.field(description="L1: the studio's points program (defaults until configured).")
    async def loyalty_program(self, info: Info[Any, Any]) -> LoyaltyProgram | None:
        return await program_view(context_of(info))

    @strawberry.field(description="L2: per-service points (fixed or excluded).")
    async def service_earn_rules(self, info: Info[Any, Any]) -> list[ServiceEarnRule] | None:
        ctx = require(info, *STAFF)
        program = await views.shown_program(request_stores(ctx))
        rules = sorted(program.rules.values(), key=lambda r: (r.service_name, r.service_id))
        return [ServiceEarnRule.of(r) for r in rules]

    @strawberry.field(description="L7: the automations that grant points on events.")
    async def points_automations(self, info: Info[Any, Any]) -> list[PointsAutomation] | None:
        ctx = require(info, *STAFF)
        return [PointsAutomation.of(d) for d in await views.automations(request_stores(ctx))]

    @strawberry.field(
        description="L9: points earned (EARN entries) per client with `from` <= time < `to`, "
        "optionally at one branch; most points first. `totalPoints` covers every row."
    )
    async def points_earned_report(
        self,
        info: Info[Any, Any],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        branch_id: strawberry.ID | None = None,
        first: int | None = 50,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PointsEarnedConnection | None:
        return await _points_earned_report(
            info, from_, to, branch_id, first, after, last=last, before=before
        )


async def _points_earned_report(
    info: Info[Any, Any],
    from_: datetime,
    to: datetime,
    branch_id: strawberry.ID | None = None,
    first: int | None = 50,
    after: str | None = None,
    *,
    last: int | None = None,
    before: str | None = None,
) -> PointsEarnedConnection:
    ctx = require(info, *STAFF)
    from_, to = bounds.aware(from_, "from"), bounds.aware(to, "to")
    if to <= from_:
        raise BadInput("`to` must be after `from`", code="BAD_RANGE")
    currency = await views.studio_currency(request_stores(ctx))
    rows, total = await views.points_earned(
        request_stores(ctx), from_, to, None if branch_id is None else str(branch_id)
    )

    def index_of(cursor: str | None, default: int) -> int:
        raw = decode_cursor(cursor)
        if raw is None:
            return default
        if not raw.isdigit():
            raise BadInput("the cursor is not one this API returned", code="BAD_CURSOR")
        return int(raw)

    # Cursors are positions in the report's order; backward: the `last` before `before`.
    start, end = index_of(after, -1) + 1, index_of(before, len(rows))
    low, high = window(len(rows), start, end, first, last, default=50)
    edges = [
        PointsEarnedEdge(
            cursor=encode_cursor(str(low + i)),
            node=PointsEarnedRow(
                client=Client(id=strawberry.ID(row.client_id)),
                points=bounds.shown(row.points),
                value=Money(amount=row.value, currency=currency),
            ),
        )
        for i, row in enumerate(rows[low:high])
    ]
    cursors = [e.cursor for e in edges]
    return PointsEarnedConnection(
        edges=edges,
        page_info=page_info(cursors, low, high, len(rows), after, last is not None),
        total_points=bounds.shown(total),
    )


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    types=[Client, LoyaltyAccount, LoyaltyProgram],
    extensions=schema_extensions(),
    federation_version="2.9",
)
