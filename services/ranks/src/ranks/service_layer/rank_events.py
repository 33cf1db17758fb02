"""The events a change to a client's ranks causes: the change itself (R7, R5, stripes)
and an eligibility announced (R6)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from plumbing.contracts import EventData

from ranks.domain.categories import Category
from ranks.domain.model import Change, ChangeKind, Holding, Step, days_between
from ranks.domain.program import Program
from ranks.events import (
    ClientDemoted,
    ClientEligible,
    ClientPromoted,
    RankAssigned,
    StripeAwarded,
    StripeEligible,
    StripeRemoved,
)


def change_event(program: Program, category: Category, client_id: str, change: Change) -> EventData:
    if change.kind in (ChangeKind.STRIPE_AWARDED, ChangeKind.STRIPE_REMOVED):
        stripe_kind = StripeAwarded if change.kind is ChangeKind.STRIPE_AWARDED else StripeRemoved
        return stripe_kind(
            change_id=change.id,
            client_id=client_id,
            category_id=category.id,
            category_name=category.name,
            rank_id=change.to_rank_id,
            rank_name=change.to_rank_name,
            rank_position=category.position_of(change.to_rank_id),
            stripes=change.to_stripes,
            from_stripes=change.from_stripes,
            stripes_in_rank=len(category.rank(change.to_rank_id).stripes),
            trigger=change.trigger.value,
            actor_id=change.actor_id,
            note=change.note,
            terminology=program.terminology.value,
            at=change.at,
        )
    fields = {
        "change_id": change.id,
        "client_id": client_id,
        "category_id": category.id,
        "category_name": category.name,
        "rank_id": change.to_rank_id,
        "rank_name": change.to_rank_name,
        "rank_position": category.position_of(change.to_rank_id),
        "from_rank_id": change.from_rank_id,
        "from_rank_name": change.from_rank_name,
        "from_stripes": change.from_stripes,
        "trigger": change.trigger.value,
        "actor_id": change.actor_id,
        "note": change.note,
        "terminology": program.terminology.value,
        "at": change.at,
    }
    if change.kind is ChangeKind.PROMOTION:
        # The client is told of a promotion (by hand or automatic) when the category
        # says so; eligibility notifications are a separate switch.
        return ClientPromoted(**fields, notify_client=category.notify_client)
    if change.kind is ChangeKind.DEMOTION:
        return ClientDemoted(**fields)
    return RankAssigned(**fields)


def eligible_event(
    program: Program,
    category: Category,
    client_id: str,
    holding: Holding,
    step: Step,
    now: datetime,
    zone: tzinfo,
) -> EventData:
    notify = category.notify_on_eligibility
    rank = category.rank(holding.rank_id)
    if step.is_stripe:
        return StripeEligible(
            client_id=client_id,
            category_id=category.id,
            category_name=category.name,
            rank_id=rank.id,
            rank_name=rank.name,
            stripe=step.stripe,
            stripes_in_rank=len(rank.stripes),
            terminology=program.terminology.value,
            notify_roles=list(category.notify_roles) if notify else [],
            notify_client=notify and category.notify_client,
            visits_in_step=holding.visits,
            days_in_step=days_between(holding.step_since, now, zone),
        )
    return ClientEligible(
        client_id=client_id,
        category_id=category.id,
        category_name=category.name,
        rank_id=rank.id,
        rank_name=rank.name,
        next_rank_id=step.rank.id,
        next_rank_name=step.rank.name,
        terminology=program.terminology.value,
        notify_roles=list(category.notify_roles) if notify else [],
        notify_client=notify and category.notify_client,
        visits_in_rank=holding.visits_in_rank,
        days_in_rank=days_between(holding.since, now, zone),
    )
