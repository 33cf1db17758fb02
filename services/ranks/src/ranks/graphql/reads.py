"""Read side of the subgraph: the client's ranks and history, and the report (R8-R9)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from plumbing import bounds
from plumbing.auth import STAFF
from plumbing.errors import NotFound
from plumbing.gql import (
    PageInfo,
    RequestContext,
    context_of,
    decode_cursor,
    encode_cursor,
    may_read_client,
    page_size,
    require,
)
from plumbing.i18n import current_language
from plumbing.node_ids import global_id, key_of
from plumbing.studio import StudioSettings
from strawberry.types import Info

from ranks.adapters.tenant_storage import TenantStorage, request_storage
from ranks.domain import categories, model
from ranks.domain.member import Member
from ranks.domain.program import Program
from ranks.graphql.types import (
    Client,
    ClientRank,
    PromotionCriteria,
    Rank,
    RankCategory,
    RankChange,
    RankProgram,
    RankReportConnection,
    RankReportEdge,
    RankReportFilter,
    RankReportRow,
    Stripe,
)
from ranks.service_layer import reports
from ranks.service_layer.programs import shown_program


def store_of(ctx: RequestContext) -> TenantStorage:
    return request_storage(ctx)


async def program_of(ctx: RequestContext) -> Program:
    """The program as queries show it, looked up once per request."""
    if "program" not in ctx.cache:
        ctx.cache["program"] = await shown_program(store_of(ctx).programs)
    program: Program = ctx.cache["program"]
    return program


async def settings_of(ctx: RequestContext) -> StudioSettings:
    if "studio" not in ctx.cache:
        ctx.cache["studio"] = await store_of(ctx).settings()
    settings: StudioSettings = ctx.cache["studio"]
    return settings


def client_rank(
    client_id: str,
    program: Program,
    category: categories.Category,
    holding: model.Holding,
    now: datetime,
    zone: Any,
) -> ClientRank | None:
    try:
        rank = category.rank(holding.rank_id)
        nxt = category.next_after(holding.rank_id)
    except categories.RankRefused:
        return None
    step = model.next_step(category, holding)
    eligible = model.eligible_step(category, holding, now, zone)
    return ClientRank(
        id=strawberry.ID(global_id("ClientRank", client_id, category.id)),
        category=RankCategory.of(category),
        rank=Rank.of(category, rank),
        since=holding.since,
        visits_in_rank=holding.visits_in_rank,
        days_in_rank=model.days_between(holding.since, now, zone),
        eligible_for_promotion=eligible is not None and not eligible.is_stripe,
        next_rank=Rank.of(category, nxt) if nxt else None,
        skills_signed_off=list(holding.skills),
        stripes=holding.stripes,
        next_stripe=Stripe(number=step.stripe, criteria=PromotionCriteria.of(step.criteria))
        if step is not None and step.is_stripe
        else None,
        eligible_for_stripe=eligible is not None and eligible.is_stripe,
        step_since=holding.step_since,
        visits_in_step=holding.visits,
        days_in_step=model.days_between(holding.step_since, now, zone),
    )


async def _member(ctx: RequestContext, client_id: str) -> Member | None:
    key = f"member:{client_id}"
    if key not in ctx.cache:
        ctx.cache[key] = (await store_of(ctx).members.load(client_id)).state
    member: Member | None = ctx.cache[key]
    return member


async def client_ranks(info: Info[Any, Any], client_id: str) -> list[ClientRank]:
    ctx = context_of(info)
    if not may_read_client(info, client_id):
        return []
    member = await _member(ctx, client_id)
    if member is None:
        return []
    program = await program_of(ctx)
    zone = (await settings_of(ctx)).zone
    now = ctx.now()
    out = []
    for category in program.categories:
        holding = member.holdings.get(category.id)
        if holding is None or category.archived:
            continue
        row = client_rank(client_id, program, category, holding, now, zone)
        if row is not None:
            out.append(row)
    return out


async def client_rank_by_id(info: Info[Any, Any], id: strawberry.ID) -> ClientRank:
    """`node(id)` of a ClientRank: the client's rank in the category, if they hold one."""
    key = key_of(str(id), "ClientRank", 2)
    held = await client_ranks(info, key[0]) if key else []
    found = next((r for r in held if key and r.category.id == key[1]), None)
    if found is None:
        # Coded, not a bare null: the gateway reads a null entity as a server error.
        raise NotFound("the client holds no rank in that category", params={"id": id})
    return found


async def program_by_id(info: Info[Any, Any], id: strawberry.ID) -> RankProgram | None:
    ctx = context_of(info)
    if key_of(str(id), "RankProgram", 1) != (ctx.tenant,):
        return None
    return RankProgram.of(await program_of(ctx), current_language())


ClientRank.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: client_rank_by_id(info, id)
)
RankProgram.resolve_reference = classmethod(  # type: ignore[attr-defined]
    lambda cls, info, id: program_by_id(info, id)
)


async def client_history(
    info: Info[Any, Any], client_id: str, category_id: strawberry.ID | None
) -> list[RankChange]:
    ctx = context_of(info)
    if not may_read_client(info, client_id):
        return []
    member = await _member(ctx, client_id)
    if member is None:
        return []
    program = await program_of(ctx)
    out = []
    for change in member.history:
        if category_id is not None and change.category_id != str(category_id):
            continue
        found = RankChange.of(program, change)
        if found is not None:
            out.append(found)
    return out


async def rank_report(
    info: Info[Any, Any],
    category_id: strawberry.ID,
    filter: RankReportFilter | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> RankReportConnection:
    ctx = require(info, *STAFF)
    # Backward: the `last` rows before `before` (the last rows without it); `first` has
    # a default, so `last` wins.
    backward = last is not None
    size = page_size(last, default=50, name="last") if backward else page_size(first, default=50)
    after_id = decode_cursor(after)
    program = await program_of(ctx)
    category = program.category(str(category_id))
    if category is None:
        raise NotFound("unknown category", code="NOT_FOUND", params={"id": category_id})
    store = store_of(ctx)
    page = await reports.rank_report(
        store.roster,
        store.shown,
        category,
        rank_id=str(filter.rank_id) if filter and filter.rank_id else None,
        eligible_only=bool(filter and filter.eligible_only),
        auto_promoted_since=bounds.aware_or_none(
            filter.auto_promoted_since if filter else None, "autoPromotedSince"
        ),
        after=after_id,
        size=size,
        before=decode_cursor(before),
        from_end=backward,
    )
    edges = [
        RankReportEdge(
            cursor=encode_cursor(line.row.client_id),
            node=RankReportRow(
                client=Client(id=strawberry.ID(line.row.client_id)),
                rank=Rank.of(category, category.rank(line.row.rank_id)),
                since=line.row.since,
                visits_in_rank=line.holding.visits_in_rank if line.holding else 0,
                eligible_for_promotion=line.row.eligible,
                last_change=RankChange.of(program, line.last_change) if line.last_change else None,
                auto_promoted_at=line.row.auto_promoted_at,
                stripes=line.row.stripes,
                eligible_for_stripe=line.row.stripe_eligible,
            ),
        )
        for line in page.lines
    ]
    return RankReportConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
        ),
        total_count=page.total,
    )
