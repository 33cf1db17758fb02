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
from plumbing.studio import StudioSettings, studio_settings
from strawberry.types import Info

from ranks.adapters.programs import Program
from ranks.adapters.tenant_storage import TenantStorage, tenant_storage
from ranks.domain import categories, model
from ranks.domain.member import Member
from ranks.graphql.types import (
    Client,
    ClientRank,
    PromotionCriteria,
    Rank,
    RankCategory,
    RankChange,
    RankReportConnection,
    RankReportEdge,
    RankReportFilter,
    RankReportRow,
    Stripe,
)
from ranks.service_layer.rank_changes import members_by_ids


def store_of(ctx: RequestContext) -> TenantStorage:
    if "storage" not in ctx.cache:
        if ctx.storage is None:  # pragma: no cover - wiring error
            raise RuntimeError("the request context was built without storage")
        ctx.cache["storage"] = tenant_storage(ctx.storage, ctx.db, ctx.tenant)
    found: TenantStorage = ctx.cache["storage"]
    return found


async def program_of(ctx: RequestContext) -> Program:
    """The program as queries show it, looked up once per request."""
    if "program" not in ctx.cache:
        ctx.cache["program"] = await store_of(ctx).programs.shown()
    program: Program = ctx.cache["program"]
    return program


async def settings_of(ctx: RequestContext) -> StudioSettings:
    if "studio" not in ctx.cache:
        ctx.cache["studio"] = await studio_settings(ctx.db, ctx.tenant)
    settings: StudioSettings = ctx.cache["studio"]
    return settings


def client_rank(
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
        row = client_rank(program, category, holding, now, zone)
        if row is not None:
            out.append(row)
    return out


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
) -> RankReportConnection:
    ctx = require(info, *STAFF)
    size = page_size(first, default=50)
    after_id = decode_cursor(after)
    program = await program_of(ctx)
    category = program.category(str(category_id))
    if category is None:
        raise NotFound("unknown category", code="NOT_FOUND")
    store = store_of(ctx)
    rows = await store.roster.rows(category.id)
    wanted_rank = str(filter.rank_id) if filter and filter.rank_id else None
    eligible_only = bool(filter and filter.eligible_only)
    auto_since = bounds.aware_or_none(
        filter.auto_promoted_since if filter else None, "autoPromotedSince"
    )
    positions = {r.id: i for i, r in enumerate(category.ranks)}
    kept = [
        row
        for row in rows
        if row.rank_id in positions
        and (wanted_rank is None or row.rank_id == wanted_rank)
        and (not eligible_only or row.eligible)
        and (
            auto_since is None
            or (row.auto_promoted_at is not None and row.auto_promoted_at >= auto_since)
        )
    ]
    kept.sort(key=lambda r: r.client_id)
    start = 0
    if after_id is not None:
        start = next((i for i, r in enumerate(kept) if r.client_id > after_id), len(kept))
    page = kept[start : start + size]
    members = await members_by_ids(store.members, [r.client_id for r in page])
    edges = []
    for row in page:
        member = members.get(row.client_id)
        holding = member.holdings.get(category.id) if member else None
        last = model.last_change(member.history, category.id) if member else None
        edges.append(
            RankReportEdge(
                cursor=encode_cursor(row.client_id),
                node=RankReportRow(
                    client=Client(id=strawberry.ID(row.client_id)),
                    rank=Rank.of(category, category.rank(row.rank_id)),
                    since=row.since,
                    visits_in_rank=holding.visits_in_rank if holding else 0,
                    eligible_for_promotion=row.eligible,
                    last_change=RankChange.of(program, last) if last else None,
                    auto_promoted_at=row.auto_promoted_at,
                    stripes=row.stripes,
                    eligible_for_stripe=row.stripe_eligible,
                ),
            )
        )
    return RankReportConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + size < len(kept),
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(kept),
    )
