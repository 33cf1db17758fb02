"""Staff's changes to one client by hand (R7, stripes): the mutations' shared path."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

import strawberry
from plumbing.gql import RequestContext

from ranks.domain import categories, model
from ranks.domain.program import Program
from ranks.graphql.reads import client_rank, settings_of, store_of
from ranks.graphql.refusals import manual_refused
from ranks.graphql.types import Client, ClientRankPayload, RankChange
from ranks.service_layer import rank_changes
from ranks.service_layer.programs import current_program


async def by_category(
    ctx: RequestContext,
    client_id: strawberry.ID,
    category_id: strawberry.ID,
    kind: model.ChangeKind,
    note: str | None,
) -> ClientRankPayload:
    program = await current_program(store_of(ctx).programs)
    category = program.category(str(category_id))
    if category is None:
        return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CATEGORY"), program)
    return await change_by_hand(ctx, program, category, str(client_id), kind, None, note)


async def stripe_by_hand(
    ctx: RequestContext,
    client_id: strawberry.ID,
    category_id: strawberry.ID,
    kind: model.ChangeKind,
    note: str | None,
) -> ClientRankPayload:
    program = await current_program(store_of(ctx).programs)
    category = program.category(str(category_id))
    if category is None:
        return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CATEGORY"), program)
    if not program.enabled:
        return await manual_refused(ctx, categories.RankRefused("PROGRAM_DISABLED"), program)
    now = ctx.now()
    store = store_of(ctx)
    return await _applied(
        ctx,
        str(client_id),
        program,
        category,
        now,
        rank_changes.change_stripe_by_hand(
            store.members,
            store.cards,
            store.roster,
            program,
            category,
            str(client_id),
            kind,
            actor_id=ctx.principal.subject,
            note=note,
            now=now,
        ),
    )


async def change_by_hand(
    ctx: RequestContext,
    program: Program,
    category: categories.Category,
    client_id: str,
    kind: model.ChangeKind,
    rank_id: str | None,
    note: str | None,
) -> ClientRankPayload:
    if not program.enabled:
        return await manual_refused(ctx, categories.RankRefused("PROGRAM_DISABLED"), program)
    now = ctx.now()
    store = store_of(ctx)
    return await _applied(
        ctx,
        client_id,
        program,
        category,
        now,
        rank_changes.change_by_hand(
            store.members,
            store.cards,
            store.roster,
            program,
            category,
            client_id,
            kind,
            rank_id=rank_id,
            actor_id=ctx.principal.subject,
            note=note,
            now=now,
        ),
    )


async def _applied(
    ctx: RequestContext,
    client_id: str,
    program: Program,
    category: categories.Category,
    now: datetime,
    change: Awaitable[rank_changes.ManualResult],
) -> ClientRankPayload:
    """The payload of a change by hand, or its refusal."""
    try:
        done = await change
    except categories.RankRefused as exc:
        return await manual_refused(ctx, exc, program)
    except rank_changes.UnknownClient:
        return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CLIENT"), program)
    zone = (await settings_of(ctx)).zone
    return ClientRankPayload(
        client_rank=client_rank(client_id, program, category, done.holding, now, zone),
        change=RankChange.of(program, done.change),
        client=Client(id=strawberry.ID(client_id)),
        user_errors=[],
    )
