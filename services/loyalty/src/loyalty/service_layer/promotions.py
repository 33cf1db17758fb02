"""B4: a rank promotion grants the points the program sets for that rank."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from plumbing.ids import new_id

from loyalty.adapters.accounts import AccountState
from loyalty.adapters.tenant_storage import TenantStores
from loyalty.domain.earning import Program, PromotionReward, program_at, promotion_reward
from loyalty.domain.ledger import Entry
from loyalty.service_layer.account_changes import change_one
from loyalty.service_layer.points import update_program


@dataclass(frozen=True)
class Promotion:
    """A `ranks.client_promoted.v1`: `published_at` (the event's time) picks the program
    version, `at` (the promotion's own time) dates the grant and starts its expiry."""

    client_id: str
    rank_id: str
    rank_name: str
    category_name: str
    at: datetime
    published_at: datetime


async def promoted(stores: TenantStores, p: Promotion) -> list[Entry]:
    versions = await stores.programs.versions()
    # The program as it stood when the promotion was published: a reward set later never
    # pays for promotions before it.
    program = program_at(versions, p.published_at)
    reward = promotion_reward(program, p.rank_id)
    if reward is None:
        return []
    name = f"{p.rank_name} ({p.category_name})" if p.category_name else p.rank_name

    def decide(loaded: AccountState) -> list[Entry]:
        if loaded.erased:
            return []  # an erased client takes no new movements
        return loaded.account.reward_promotion(
            entry_id=new_id(),
            rank_id=p.rank_id,
            rank_name=name or None,
            points=reward.points,
            expiry_days=reward.expiry_days,
            point_value=program.point_value,
            at=p.at,
        )

    return (await change_one(stores, p.client_id, decide)).entries


async def set_reward(
    stores: TenantStores,
    now: datetime,
    *,
    rank_id: str,
    points: int,
    expiry_days: int | None,
) -> Program:
    """A new program version with the rank's reward set (`points` 0: removed). Without
    `expiry_days` the granted points last as long as the program's `expiryDays`."""

    def edit(current: Program) -> Program:
        rewards = dict(current.promotion_rewards)
        if points <= 0:
            rewards.pop(rank_id, None)
        else:
            days = current.expiry_days if expiry_days is None else expiry_days
            rewards[rank_id] = PromotionReward(rank_id, points, days)
        return replace(current, promotion_rewards=rewards)

    return await update_program(stores, now, edit)
