"""Staff's changes to one client by hand (R7, stripes): the mutations' shared path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from plumbing.gql import RequestContext
from plumbing.mongo import Doc
from plumbing.repeats import RepeatRefused, key_error, once_for

from ranks.adapters.members import change_doc, change_of, holding_doc, holding_of
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
    idempotency_key: str | None = None,
) -> ClientRankPayload:
    program = await current_program(store_of(ctx).programs)
    category = program.category(str(category_id))
    if category is None:
        return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CATEGORY"), program)
    return await change_by_hand(
        ctx, program, category, str(client_id), kind, None, note, idempotency_key
    )


async def stripe_by_hand(
    ctx: RequestContext,
    client_id: strawberry.ID,
    category_id: strawberry.ID,
    kind: model.ChangeKind,
    note: str | None,
    idempotency_key: str | None = None,
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
        kind,
        idempotency_key,
        lambda: rank_changes.change_stripe_by_hand(
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
    idempotency_key: str | None = None,
    since: datetime | None = None,
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
        kind,
        idempotency_key,
        lambda: rank_changes.change_by_hand(
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
            since=since,
        ),
    )


async def _applied(
    ctx: RequestContext,
    client_id: str,
    program: Program,
    category: categories.Category,
    now: datetime,
    kind: model.ChangeKind,
    idempotency_key: str | None,
    change: Callable[[], Awaitable[rank_changes.ManualResult]],
) -> ClientRankPayload:
    """The payload of a change by hand, or its refusal. With an idempotency key the change
    happens once, and a repeat answers the first payload (the holding and the change as
    they were then)."""

    async def run() -> tuple[ClientRankPayload, Doc | None]:
        try:
            done = await change()
        except categories.RankRefused as exc:
            return await manual_refused(ctx, exc, program), None
        except rank_changes.UnknownClient:
            refused = categories.RankRefused("UNKNOWN_CLIENT")
            return await manual_refused(ctx, refused, program), None
        record = {"holding": holding_doc(done.holding), "change": change_doc(done.change)}
        payload = await _payload(ctx, client_id, program, category, now, done.holding, done.change)
        return payload, record

    async def replay(record: Doc) -> ClientRankPayload:
        holding, made = holding_of(record["holding"]), change_of(record["change"])
        return await _payload(ctx, client_id, program, category, ctx.now(), holding, made)

    try:
        return await once_for(ctx, idempotency_key, f"rank:{kind.value}", run, replay)
    except RepeatRefused as exc:
        return ClientRankPayload(client_rank=None, change=None, user_errors=[key_error(exc)])


async def _payload(
    ctx: RequestContext,
    client_id: str,
    program: Program,
    category: categories.Category,
    now: datetime,
    holding: model.Holding,
    made: model.Change,
) -> ClientRankPayload:
    zone = (await settings_of(ctx)).zone
    return ClientRankPayload(
        client_rank=client_rank(client_id, program, category, holding, now, zone),
        change=RankChange.of(program, made),
        client=Client(id=strawberry.ID(client_id)),
        user_errors=[],
    )
