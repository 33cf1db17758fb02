"""Strawberry types of the ranks subgraph, built from the domain objects."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.gql import PageInfo, UserError
from strawberry.types import Info

from ranks.adapters.store import Program
from ranks.domain import model
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


@strawberry.enum
class RankChangeTrigger(StrEnum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


@strawberry.type(description="The studio's words for this feature, in the studio's language.")
class RankLabels:
    singular: str = strawberry.field(description='e.g. "belt", "cinturón", "cintura".')
    plural: str
    tracking: str = strawberry.field(description='The feature\'s title, e.g. "Belt tracking".')
    report: str = strawberry.field(description='The report\'s title, e.g. "Belt report".')


@strawberry.type
class RankProgram:
    enabled: bool
    terminology: RankTerminology
    labels: RankLabels = strawberry.field(
        description="Labels following the chosen terminology and the studio's language (R1)."
    )

    @classmethod
    def of(cls, program: Program, language: str | None) -> RankProgram:
        words = labels(program.terminology, language)
        return cls(
            enabled=program.enabled,
            terminology=RankTerminology(program.terminology.value),
            labels=RankLabels(
                singular=words.singular,
                plural=words.plural,
                tracking=words.tracking,
                report=words.report,
            ),
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


@strawberry.type
class RankCategory:
    id: strawberry.ID
    name: str
    auto_promote: bool
    notify_on_eligibility: bool
    notify_roles: list[Role]
    notify_client: bool
    archived: bool
    service_ids: list[strawberry.ID] = strawberry.field(
        description="Only visits of these services count toward this category (empty: all visits)."
    )
    _category: strawberry.Private[model.Category]

    @strawberry.field(description="The ranks in order, first (lowest) to last.")
    def ranks(self) -> list[Rank]:
        return [Rank.of(self._category, r) for r in self._category.ranks]

    @classmethod
    def of(cls, c: model.Category) -> RankCategory:
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
        description="What it takes to reach this rank from the one below it."
    )
    _category: strawberry.Private[model.Category]

    @strawberry.field
    def category(self) -> RankCategory:
        return RankCategory.of(self._category)

    @classmethod
    def of(cls, category: model.Category, rank: model.RankDef) -> Rank:
        try:
            position = category.position_of(rank.id)
        except model.RankRefused:
            position = 0  # a rank removed since: kept for old history entries
        return cls(
            id=strawberry.ID(rank.id),
            name=rank.name,
            position=position,
            criteria=PromotionCriteria(
                min_visits=rank.criteria.min_visits,
                min_days_in_rank=rank.criteria.min_days_in_rank,
                skills=list(rank.criteria.skills),
            ),
            _category=category,
        )


def rank_of(program: Program, category: model.Category, rank_id: str, name: str) -> Rank:
    found = program.rank(rank_id)
    if found is not None:
        return Rank.of(found[0], found[1])
    return Rank.of(category, model.RankDef(rank_id, name))


@strawberry.type
class ClientRank:
    category: RankCategory
    rank: Rank
    since: datetime
    visits_in_rank: int
    days_in_rank: int
    eligible_for_promotion: bool
    next_rank: Rank | None
    skills_signed_off: list[str] = strawberry.field(
        description="Skills of the next rank already signed off by staff."
    )


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
        )


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field(description="The client's current rank in each category.")
    async def ranks(self, info: Info[Any, Any]) -> list[ClientRank]:
        from ranks.graphql.reads import client_ranks

        return await client_ranks(info, str(self.id))

    @strawberry.field(description="Every rank change of the client, oldest first (R7-R8).")
    async def rank_history(
        self, info: Info[Any, Any], category_id: strawberry.ID | None = None
    ) -> list[RankChange]:
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
class RankInput:
    name: str | None = None
    criteria: PromotionCriteriaInput | None = None


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
    user_errors: list[UserError]
