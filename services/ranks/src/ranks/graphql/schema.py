"""The ranks subgraph: belt/rank programs and the ranks part of the client card.
Thin: input -> use case -> payload. Refusals become `userErrors` in the studio's
language, with the studio's chosen word (belt, rank, challenge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from plumbing.auth import MANAGERS, STAFF
from plumbing.gql import (
    SubgraphSchema,
    context_of,
    require,
    schema_extensions,
)
from plumbing.i18n import current_language
from plumbing.repeats import REPEAT_KEY
from strawberry.types import Info

from ranks.domain import categories, model
from ranks.graphql.manual_changes import by_category, change_by_hand, stripe_by_hand
from ranks.graphql.reads import (
    client_rank,
    program_of,
    rank_report,
    settings_of,
    store_of,
)
from ranks.graphql.refusals import manual_refused, refusal
from ranks.graphql.types import (
    Client,
    ClientRank,
    ClientRankPayload,
    PromotionCriteriaInput,
    Rank,
    RankCategory,
    RankCategoryInput,
    RankCategoryPayload,
    RankChange,
    RankInput,
    RankPayload,
    RankProgram,
    RankProgramPayload,
    RankReportConnection,
    RankReportFilter,
    RankTerminology,
)
from ranks.service_layer import programs, rank_changes
from ranks.service_layer.programs import current_program


def criteria_of(value: PromotionCriteriaInput | None) -> categories.Criteria | None:
    if value is None:
        return None
    skills = tuple(s.strip() for s in value.skills or ())
    return categories.Criteria(value.min_visits, value.min_days_in_rank, skills)


def rank_input_changes(input: RankInput) -> programs.RankChanges:
    return programs.RankChanges(
        name=input.name,
        criteria=criteria_of(input.criteria),
        stripes=tuple(criteria_of(s.criteria) or categories.Criteria() for s in input.stripes)
        if input.stripes is not None
        else None,
    )


def category_changes(input: RankCategoryInput) -> programs.CategoryChanges:
    return programs.CategoryChanges(
        name=input.name,
        auto_promote=input.auto_promote,
        notify_on_eligibility=input.notify_on_eligibility,
        notify_roles=tuple(r.value for r in input.notify_roles)
        if input.notify_roles is not None
        else None,
        notify_client=input.notify_client,
        archived=input.archived,
        service_ids=tuple(str(s) for s in input.service_ids)
        if input.service_ids is not None
        else None,
    )


@strawberry.type
class Query:
    @strawberry.field(description="Whether the studio uses ranks, and the words it chose (R1).")
    async def rank_program(self, info: Info[Any, Any]) -> RankProgram | None:
        ctx = context_of(info)
        return RankProgram.of(await program_of(ctx), current_language())

    @strawberry.field
    async def rank_categories(
        self, info: Info[Any, Any], include_archived: bool | None = False
    ) -> list[RankCategory] | None:
        ctx = context_of(info)
        program = await program_of(ctx)
        return [
            RankCategory.of(c) for c in program.categories if include_archived or not c.archived
        ]

    @strawberry.field(
        description="Who holds which rank of a category, who is eligible, who was promoted "
        "automatically since when (R9). Ordered by client; staff only."
    )
    async def rank_report(
        self,
        info: Info[Any, Any],
        category_id: strawberry.ID,
        filter: RankReportFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> RankReportConnection | None:
        return await rank_report(info, category_id, filter, first, after, last, before)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Turn the feature on or off and choose its words (R1).")
    async def set_rank_program(
        self, info: Info[Any, Any], enabled: bool, terminology: RankTerminology | None = None
    ) -> RankProgramPayload | None:
        ctx = require(info, *MANAGERS)
        program = await programs.set_program(
            store_of(ctx).programs,
            store_of(ctx).studios,
            enabled,
            categories.Terminology(terminology.value) if terminology else None,
        )
        return RankProgramPayload(
            program=RankProgram.of(program, current_language()), user_errors=[]
        )

    @strawberry.mutation(description="R2: a category such as Karate, with its settings.")
    async def create_rank_category(
        self, info: Info[Any, Any], input: RankCategoryInput
    ) -> RankCategoryPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            category = await programs.create_category(
                store_of(ctx).programs, category_changes(input)
            )
        except categories.RankRefused as exc:
            return RankCategoryPayload(category=None, user_errors=await refusal(ctx, exc))
        return RankCategoryPayload(category=RankCategory.of(category), user_errors=[])

    @strawberry.mutation
    async def update_rank_category(
        self, info: Info[Any, Any], id: strawberry.ID, input: RankCategoryInput
    ) -> RankCategoryPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            category = await programs.update_category(
                store_of(ctx).programs, str(id), category_changes(input)
            )
        except categories.RankRefused as exc:
            errors = await refusal(ctx, exc)
            if exc.code == "UNKNOWN_CATEGORY":
                errors[0].field = ["id"]
            return RankCategoryPayload(category=None, user_errors=errors)
        return RankCategoryPayload(category=RankCategory.of(category), user_errors=[])

    @strawberry.mutation(
        description="R3: add a rank at `position` (1 = first; default: after the last)."
    )
    async def add_rank(
        self,
        info: Info[Any, Any],
        category_id: strawberry.ID,
        input: RankInput,
        position: int | None = None,
    ) -> RankPayload | None:
        ctx = require(info, *MANAGERS)
        changes = rank_input_changes(input)
        try:
            category, rank = await programs.add_rank(
                store_of(ctx).programs, str(category_id), changes, position
            )
        except categories.RankRefused as exc:
            return RankPayload(rank=None, user_errors=await refusal(ctx, exc))
        return RankPayload(rank=Rank.of(category, rank), user_errors=[])

    @strawberry.mutation(
        description="Rename a rank or change its criteria or stripes; ranks and stripes already "
        "earned are kept (fewer stripes than a client holds: STRIPES_HELD)."
    )
    async def update_rank(
        self, info: Info[Any, Any], id: strawberry.ID, input: RankInput
    ) -> RankPayload | None:
        ctx = require(info, *MANAGERS)
        changes = rank_input_changes(input)
        try:
            category, rank = await programs.update_rank(
                store_of(ctx).programs, store_of(ctx).roster, str(id), changes
            )
        except categories.RankRefused as exc:
            errors = await refusal(ctx, exc)
            if exc.code == "UNKNOWN_RANK":
                errors[0].field = ["id"]
            return RankPayload(rank=None, user_errors=errors)
        return RankPayload(rank=Rank.of(category, rank), user_errors=[])

    @strawberry.mutation(
        description="Move a rank to another position (1 = first). Refused (RANK_HELD) when a "
        "rank whose place would change is held by a client."
    )
    async def move_rank(
        self, info: Info[Any, Any], id: strawberry.ID, position: int
    ) -> RankPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            category, rank = await programs.move(
                store_of(ctx).programs, store_of(ctx).roster, str(id), position
            )
        except categories.RankRefused as exc:
            errors = await refusal(ctx, exc)
            if exc.code == "UNKNOWN_RANK":
                errors[0].field = ["id"]
            return RankPayload(rank=None, user_errors=errors)
        return RankPayload(rank=Rank.of(category, rank), user_errors=[])

    @strawberry.mutation(
        description="Remove a rank nobody holds. Refused (RANK_HELD) while a client holds it. "
        "Returns the removed rank."
    )
    async def remove_rank(self, info: Info[Any, Any], id: strawberry.ID) -> RankPayload | None:
        ctx = require(info, *MANAGERS)
        try:
            category, rank = await programs.remove(
                store_of(ctx).programs, store_of(ctx).roster, str(id)
            )
        except categories.RankRefused as exc:
            errors = await refusal(ctx, exc)
            if exc.code == "UNKNOWN_RANK":
                errors[0].field = ["id"]
            return RankPayload(rank=None, user_errors=errors)
        return RankPayload(rank=Rank.of(category, rank), user_errors=[])

    @strawberry.mutation(description="R7: give a client a rank by hand, with a note.")
    async def assign_rank(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        rank_id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
        since: Annotated[
            datetime | None,
            strawberry.argument(
                description="R5: when the client got this rank, for a first rank in the "
                "category earned before (another dojo, the studio's former system): time in "
                "rank counts from then. Not in the future; refused (SINCE_NOT_ALLOWED) when "
                "the client already holds a rank in the category."
            ),
        ] = None,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        program = await current_program(store_of(ctx).programs)
        found = program.rank(str(rank_id))
        if found is None or all(r.id != str(rank_id) for r in found[0].ranks):
            return await manual_refused(ctx, categories.RankRefused("UNKNOWN_RANK"), program)
        return await change_by_hand(
            ctx,
            program,
            found[0],
            str(client_id),
            model.ChangeKind.ASSIGNMENT,
            str(rank_id),
            note,
            idempotency_key,
            since,
        )

    @strawberry.mutation(description="R7: move a client one rank up, with a note.")
    async def promote_client(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category_id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        return await by_category(
            ctx, client_id, category_id, model.ChangeKind.PROMOTION, note, idempotency_key
        )

    @strawberry.mutation(description="R7: move a client one rank down, with a note.")
    async def demote_client(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category_id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        return await by_category(
            ctx, client_id, category_id, model.ChangeKind.DEMOTION, note, idempotency_key
        )

    @strawberry.mutation(
        description="Award the client the next stripe of the rank held, with a note. The next "
        "step counts from now."
    )
    async def award_stripe(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category_id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        return await stripe_by_hand(
            ctx, client_id, category_id, model.ChangeKind.STRIPE_AWARDED, note, idempotency_key
        )

    @strawberry.mutation(
        description="Take back the last stripe the client holds in the rank held, with a note."
    )
    async def remove_stripe(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category_id: strawberry.ID,
        note: str | None = None,
        idempotency_key: Annotated[str | None, REPEAT_KEY] = None,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        return await stripe_by_hand(
            ctx, client_id, category_id, model.ChangeKind.STRIPE_REMOVED, note, idempotency_key
        )

    @strawberry.mutation(
        description="B1: staff sign off one skill the client's next step asks for (the next "
        "stripe, or the next rank). The last missing sign-off may complete the criteria: then "
        "the client takes the step (auto) or is announced eligible, as after a visit. Signing "
        "twice changes nothing."
    )
    async def sign_off_skill(
        self,
        info: Info[Any, Any],
        client_id: strawberry.ID,
        category_id: strawberry.ID,
        skill: str,
    ) -> ClientRankPayload | None:
        ctx = require(info, *STAFF)
        program = await current_program(store_of(ctx).programs)
        category = program.category(str(category_id))
        if category is None:
            return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CATEGORY"), program)
        if not program.enabled:
            return await manual_refused(ctx, categories.RankRefused("PROGRAM_DISABLED"), program)
        now = ctx.now()
        zone = (await settings_of(ctx)).zone
        try:
            member = await rank_changes.sign_off_skill(
                store_of(ctx).members,
                store_of(ctx).cards,
                store_of(ctx).roster,
                program,
                category,
                str(client_id),
                skill,
                now,
                zone,
            )
        except categories.RankRefused as exc:
            return await manual_refused(ctx, exc, program)
        except rank_changes.UnknownClient:
            return await manual_refused(ctx, categories.RankRefused("UNKNOWN_CLIENT"), program)
        holding = member.holdings[category.id]
        last = model.last_change(member.history, category.id)
        return ClientRankPayload(
            client_rank=client_rank(str(client_id), program, category, holding, now, zone),
            change=RankChange.of(program, last) if last and last.at == now else None,
            client=Client(id=client_id),
            user_errors=[],
        )


schema = SubgraphSchema(
    query=Query,
    mutation=Mutation,
    types=[Client, ClientRank, RankProgram],
    extensions=schema_extensions(),
    federation_version="2.9",
)
