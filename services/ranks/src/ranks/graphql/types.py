"""Strawberry types of the ranks subgraph, built from the domain objects."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.gql import PageInfo, UserError, context_of, may_read_client
from plumbing.node_ids import global_id
from strawberry.types import Info

from ranks.domain import categories, model
from ranks.domain.categories import Terminology
from ranks.domain.program import Program
from ranks.domain.words import labels


@strawberry.enum
class RankTerminology(StrEnum):
    BELTS = "BELTS"
    RANKINGS = "RANKINGS"
    CHALLENGES = "CHALLENGES"


@strawberry.enum
class RankChangeKind(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"
    PROMOTION = "PROMOTION"
    DEMOTION = "DEMOTION"
    STRIPE_AWARDED = "STRIPE_AWARDED"
    STRIPE_REMOVED = "STRIPE_REMOVED"


@strawberry.enum
class RankChangeTrigger(StrEnum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


@strawberry.type(description="The studio's words for this feature, in the request's language.")
class RankLabels:
    singular: str = strawberry.field(description='e.g. "belt", "cinturón", "cintura".')
    plural: str
    tracking: str = strawberry.field(description='The feature\'s title, e.g. "Belt tracking".')
    report: str = strawberry.field(description='The report\'s title, e.g. "Belt report".')
    stripe: str = strawberry.field(
        description='The word for a sub-rank earned within a rank, e.g. "stripe", "grado".'
    )
    stripes: str


@strawberry.federation.type(keys=["id"])
class RankProgram:
    @strawberry.field(description="The program's global id (one program per studio).")
    def id(self, info: Info[Any, Any]) -> strawberry.ID:
        return strawberry.ID(global_id("RankProgram", context_of(info).tenant))

    enabled: bool
    terminology: RankTerminology
    language: strawberry.Private[str | None]

    @strawberry.field(
        description="Labels following the chosen terminology, in the request's language (R1); "
        "`terminology` and `language` (es, it, en) ask for another's, e.g. to offer the "
        "choice of terminology in a settings screen."
    )
    def labels(
        self, terminology: RankTerminology | None = None, language: str | None = None
    ) -> RankLabels:
        chosen = Terminology((terminology or self.terminology).value)
        words = labels(chosen, language or self.language)
        return RankLabels(
            singular=words.singular,
            plural=words.plural,
            tracking=words.tracking,
            report=words.report,
            stripe=words.stripe,
            stripes=words.stripes,
        )

    @classmethod
    def of(cls, program: Program, language: str | None) -> RankProgram:
        return cls(
            enabled=program.enabled,
            terminology=RankTerminology(program.terminology.value),
            language=language,
        )


@strawberry.type(
    description="Both limits must hold where both are set; none set means promotion is manual only."
)
class PromotionCriteria:
    min_visits: int | None
    min_days_in_rank: int | None
    skills: list[str] = strawberry.field(
        description="Skills staff must sign off (signOffSkill) before the rank is earned."
    )

    @classmethod
    def of(cls, criteria: categories.Criteria) -> PromotionCriteria:
        return cls(
            min_visits=criteria.min_visits,
            min_days_in_rank=criteria.min_days_in_rank,
            skills=list(criteria.skills),
        )


@strawberry.type(
    description="A sub-rank earned, in order, while holding a rank (e.g. a belt's stripes)."
)
class Stripe:
    number: int = strawberry.field(description="1 for the first stripe of its rank.")
    criteria: PromotionCriteria = strawberry.field(
        description="What it takes to earn this stripe: visits and days since the previous "
        "stripe (or since entering the rank), skills. None set: given by hand only."
    )


@strawberry.type
class RankCategory:
    id: strawberry.ID
    name: str
    auto_promote: bool
    notify_on_eligibility: bool
    notify_roles: list[Role]
    notify_client: bool = strawberry.field(
        description="The client is told too: of every promotion (by hand or automatic), and of "
        "an eligibility when notifyOnEligibility is on."
    )
    archived: bool
    service_ids: list[strawberry.ID] = strawberry.field(
        description="Only visits of these services count toward this category (empty: all visits)."
    )
    _category: strawberry.Private[categories.Category]

    @strawberry.field(description="The ranks in order, first (lowest) to last.")
    def ranks(self) -> list[Rank]:
        return [Rank.of(self._category, r) for r in self._category.ranks]

    @classmethod
    def of(cls, c: categories.Category) -> RankCategory:
        return cls(
            id=strawberry.ID(c.id),
            name=c.name,
            auto_promote=c.auto_promote,
            notify_on_eligibility=c.notify_on_eligibility,
            notify_roles=[Role(r) for r in c.notify_roles],
            notify_client=c.notify_client,
            archived=c.archived,
            service_ids=[strawberry.ID(s) for s in c.service_ids],
            _category=c,
        )


@strawberry.type
class Rank:
    id: strawberry.ID
    name: str
    position: int = strawberry.field(description="1 for the first (lowest) rank of its category.")
    criteria: PromotionCriteria = strawberry.field(
        description="What it takes to reach this rank from the one below it, counted since "
        "the previous step: the last stripe of the rank below, or entering it."
    )
    stripes: list[Stripe] = strawberry.field(
        description="Stripes earned in order while holding this rank, before the next rank."
    )
    _category: strawberry.Private[categories.Category]

    @strawberry.field
    def category(self) -> RankCategory:
        return RankCategory.of(self._category)

    @classmethod
    def of(cls, category: categories.Category, rank: categories.RankDef) -> Rank:
        try:
            position = category.position_of(rank.id)
        except categories.RankRefused:
            position = 0  # a rank removed since: kept for old history entries
        return cls(
            id=strawberry.ID(rank.id),
            name=rank.name,
            position=position,
            criteria=PromotionCriteria.of(rank.criteria),
            stripes=[
                Stripe(number=n, criteria=PromotionCriteria.of(c))
                for n, c in enumerate(rank.stripes, start=1)
            ],
            _category=category,
        )


def rank_of(program: Program, category: categories.Category, rank_id: str, name: str) -> Rank:
    found = program.rank(rank_id)
    if found is not None:
        return Rank.of(found[0], found[1])
    return Rank.of(category, categories.RankDef(rank_id, name))


@strawberry.federation.type(keys=["id"])
class ClientRank:
    id: strawberry.ID
    category: RankCategory
    rank: Rank
    since: datetime
    visits_in_rank: int = strawberry.field(
        description="Visits counted since entering the rank (over all its stripes)."
    )
    days_in_rank: int
    eligible_for_promotion: bool = strawberry.field(
        description="Meets the next rank's criteria (after every stripe of this rank)."
    )
    next_rank: Rank | None
    skills_signed_off: list[str] = strawberry.field(
        description="Skills of the next step (next stripe, or next rank) already signed off."
    )
    stripes: int = strawberry.field(description="Stripes of the rank held (0 on a new rank).")
    next_stripe: Stripe | None = strawberry.field(
        description="The next stripe to earn in this rank; none when every stripe is held."
    )
    eligible_for_stripe: bool = strawberry.field(
        description="Meets the next stripe's criteria (categories without auto-promotion)."
    )
    step_since: datetime = strawberry.field(
        description="Start of the current step: the last stripe change, or `since`."
    )
    visits_in_step: int = strawberry.field(
        description="Visits counted toward the next step (next stripe, or next rank)."
    )
    days_in_step: int = strawberry.field(description="Days since `stepSince`.")


@strawberry.type
class RankChange:
    id: strawberry.ID
    category: RankCategory
    from_rank: Rank | None
    to_rank: Rank
    kind: RankChangeKind
    trigger: RankChangeTrigger
    actor_id: strawberry.ID | None
    note: str | None
    at: datetime
    from_stripes: int = strawberry.field(description="Stripes held before the change.")
    to_stripes: int = strawberry.field(
        description="Stripes held after the change (0 on a new rank)."
    )

    @classmethod
    def of(cls, program: Program, change: model.Change) -> RankChange | None:
        category = program.category(change.category_id)
        if category is None:
            return None
        return cls(
            id=strawberry.ID(change.id),
            category=RankCategory.of(category),
            from_rank=rank_of(program, category, change.from_rank_id, change.from_rank_name or "")
            if change.from_rank_id
            else None,
            to_rank=rank_of(program, category, change.to_rank_id, change.to_rank_name),
            kind=RankChangeKind(change.kind.value),
            trigger=RankChangeTrigger(change.trigger.value),
            actor_id=strawberry.ID(change.actor_id) if change.actor_id else None,
            note=change.note,
            at=change.at,
            from_stripes=change.from_stripes,
            to_stripes=change.to_stripes,
        )


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        may_read_client(info, str(id))  # a partner without `clients:read` is refused here
        return cls(id=id)

    @strawberry.field(description="The client's current rank in each category.")
    async def ranks(self, info: Info[Any, Any]) -> list[ClientRank] | None:
        from ranks.graphql.reads import client_ranks

        return await client_ranks(info, str(self.id))

    @strawberry.field(description="Every rank change of the client, oldest first (R7-R8).")
    async def rank_history(
        self, info: Info[Any, Any], category_id: strawberry.ID | None = None
    ) -> list[RankChange] | None:
        from ranks.graphql.reads import client_history

        return await client_history(info, str(self.id), category_id)


@strawberry.type
class RankReportRow:
    client: Client
    rank: Rank
    since: datetime
    visits_in_rank: int
    eligible_for_promotion: bool
    last_change: RankChange | None
    auto_promoted_at: datetime | None = strawberry.field(
        description="When the client last reached a rank of this category automatically."
    )
    stripes: int = strawberry.field(description="Stripes of the rank held.")
    eligible_for_stripe: bool = strawberry.field(
        description="Announced eligible for the next stripe and not yet awarded."
    )


@strawberry.type
class RankReportEdge:
    cursor: str
    node: RankReportRow


@strawberry.type
class RankReportConnection:
    edges: list[RankReportEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class RankReportFilter:
    rank_id: strawberry.ID | None = None
    eligible_only: bool | None = None
    auto_promoted_since: datetime | None = None


@strawberry.input
class PromotionCriteriaInput:
    min_visits: int | None = None
    min_days_in_rank: int | None = None
    skills: list[str] | None = strawberry.field(
        default=None, description="Named skills staff must sign off (B1)."
    )


@strawberry.input
class RankCategoryInput:
    name: str | None = None
    auto_promote: bool | None = None
    notify_on_eligibility: bool | None = None
    notify_roles: list[Role] | None = None
    notify_client: bool | None = None
    archived: bool | None = strawberry.field(
        default=None, description="Archive (hide) or restore the category; holdings are kept."
    )
    service_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Count only visits of these services (B3); empty: all."
    )


@strawberry.input
class StripeInput:
    criteria: PromotionCriteriaInput | None = strawberry.field(
        default=None,
        description="Counted since the previous stripe (or entering the rank); none: by hand.",
    )


@strawberry.input
class RankInput:
    name: str | None = None
    criteria: PromotionCriteriaInput | None = None
    stripes: list[StripeInput] | None = strawberry.field(
        default=None,
        description="The rank's stripes in order (replaces them; [] removes them all). "
        "Refused (STRIPES_HELD) below what a client holds.",
    )


@strawberry.type
class RankProgramPayload:
    program: RankProgram | None
    user_errors: list[UserError]


@strawberry.type
class RankCategoryPayload:
    category: RankCategory | None
    user_errors: list[UserError]


@strawberry.type
class RankPayload:
    rank: Rank | None
    user_errors: list[UserError]


@strawberry.type
class ClientRankPayload:
    client_rank: ClientRank | None
    change: RankChange | None
    client: Client | None = strawberry.field(
        default=None, description="The client whose rank changed (their card's `ranks`)."
    )
    user_errors: list[UserError]
