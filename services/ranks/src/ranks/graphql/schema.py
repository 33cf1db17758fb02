"""The ranks subgraph: belt/rank programs and the ranks part of the client card."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from plumbing.auth import Role
from plumbing.gql import context_of, error_masking  # also registers `enum Role`
from strawberry.types import Info

from ranks.adapters.members import members


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


@strawberry.type(
    description="Both limits must hold where both are set; none set means promotion is manual only."
)
class PromotionCriteria:
    min_visits: int | None
    min_days_in_rank: int | None


@strawberry.type
class RankCategory:
    id: strawberry.ID
    name: str
    auto_promote: bool
    notify_on_eligibility: bool
    notify_roles: list[Role]
    notify_client: bool
    ranks: list[Rank]
    archived: bool


@strawberry.type
class Rank:
    id: strawberry.ID
    name: str
    position: int
    criteria: PromotionCriteria
    category: RankCategory


@strawberry.type
class ClientRank:
    category: RankCategory
    rank: Rank
    since: datetime
    visits_in_rank: int
    days_in_rank: int
    eligible_for_promotion: bool
    next_rank: Rank | None


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


@strawberry.federation.type(keys=["id"])
class Client:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Client:
        return cls(id=id)

    @strawberry.field(description="The client's current rank in each category.")
    async def ranks(self, info: Info[Any, Any]) -> list[ClientRank]:
        ctx = context_of(info)
        if not _may_see(ctx.principal, str(self.id)):
            return []
        member = await members(ctx.db, ctx.tenant).get(str(self.id))
        if member is None:
            return []
        return []  # categories arrive with the rank programme

    @strawberry.field
    async def rank_history(
        self, info: Info[Any, Any], category_id: strawberry.ID | None = None
    ) -> list[RankChange]:
        ctx = context_of(info)
        if not _may_see(ctx.principal, str(self.id)):
            return []
        return []


def _may_see(principal: Any, client_id: str) -> bool:
    return bool(
        principal.is_staff or principal.has(Role.PARTNER) or principal.client_id == client_id
    )


schema = strawberry.federation.Schema(
    types=[Client],
    extensions=[error_masking],
    federation_version="2.9",
)
