"""Use cases on what clients hold: manual changes (ranks and stripes), visits,
seniority, erasure.

Each one reads the client's document, asks the domain, and stores the outcome in one
conditional write (retried on a concurrent change). Then the report's read model is
brought up to date for the categories that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from plumbing.contracts import EventData
from plumbing.ids import new_id
from plumbing.late import awaited, pauses_for

from ranks.adapters.store import Conflict, Member, Program, RosterRow, Store
from ranks.domain.model import (
    Category,
    Change,
    ChangeKind,
    Holding,
    RankRefused,
    Step,
    count_visit,
    days_between,
    manual_change,
    settle,
    sign_off,
    step_after,
    stripe_change,
)
from ranks.events import (
    ClientDemoted,
    ClientEligible,
    ClientPromoted,
    RankAssigned,
    StripeAwarded,
    StripeEligible,
    StripeRemoved,
    VisitRead,
)

ATTEMPTS = 8
# A client card and its first visit travel on different topics: wait a little for the
# card before calling the client unknown.
UNKNOWN_CLIENT_WAIT = (0.25, 0.5, 1.0, 1.5)


class UnknownClient(Exception):
    pass


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


async def load_member(
    store: Store, client_id: str, *, wait: bool = True, staff: bool = False
) -> Member:
    """The client's document. A visit for a client nobody told us about is refused
    (after a short wait for the card event). Staff acting on a client wait longer for a
    card created a moment ago (`plumbing.late`), then are refused too: a rank for an id
    no card ever had would sit in the report with nobody behind it."""
    pauses = pauses_for(client_id) if staff else UNKNOWN_CLIENT_WAIT if wait else ()
    member = await awaited(lambda: store.member(client_id), pauses)
    if member is None:
        raise UnknownClient(client_id)
    return member


async def _refresh_roster(store: Store, client_id: str, changed: dict[str, Holding]) -> None:
    for category_id, h in changed.items():
        await store.put_row(
            category_id,
            RosterRow(
                client_id=client_id,
                rank_id=h.rank_id,
                since=h.since,
                eligible=h.announced_for is not None,
                auto_promoted_at=h.auto_promoted_at,
                stripes=h.stripes,
                step_since=h.step_since,
                stripe_eligible=h.announced_stripe is not None,
            ),
        )


@dataclass
class ManualResult:
    holding: Holding
    change: Change
    member: Member


async def change_by_hand(
    store: Store,
    program: Program,
    category: Category,
    client_id: str,
    kind: ChangeKind,
    *,
    rank_id: str | None,
    actor_id: str,
    note: str | None,
    now: datetime,
) -> ManualResult:
    """Assign, promote or demote (R7). Raises RankRefused or UnknownClient."""
    for _ in range(ATTEMPTS):
        member = await load_member(store, client_id, staff=True)
        holding, change = manual_change(
            category,
            member.holdings.get(category.id),
            kind,
            rank_id=rank_id,
            actor_id=actor_id,
            note=note,
            now=now,
            change_id=new_id(),
        )
        try:
            await store.save_member(
                member,
                {category.id: holding},
                [change],
                [change_event(program, category, client_id, change)],
                now,
            )
        except Conflict:
            continue
        member.holdings[category.id] = holding
        member.history.append(change)
        await _refresh_roster(store, client_id, {category.id: holding})
        return ManualResult(holding, change, member)
    raise RuntimeError("too many concurrent changes to one client")


async def change_stripe_by_hand(
    store: Store,
    program: Program,
    category: Category,
    client_id: str,
    kind: ChangeKind,
    *,
    actor_id: str,
    note: str | None,
    now: datetime,
) -> ManualResult:
    """Award the next stripe or take the last one back. Raises RankRefused or
    UnknownClient."""
    for _ in range(ATTEMPTS):
        member = await load_member(store, client_id, staff=True)
        holding, change = stripe_change(
            category,
            member.holdings.get(category.id),
            kind,
            actor_id=actor_id,
            note=note,
            now=now,
            change_id=new_id(),
        )
        try:
            await store.save_member(
                member,
                {category.id: holding},
                [change],
                [change_event(program, category, client_id, change)],
                now,
            )
        except Conflict:
            continue
        member.holdings[category.id] = holding
        member.history.append(change)
        await _refresh_roster(store, client_id, {category.id: holding})
        return ManualResult(holding, change, member)
    raise RuntimeError("too many concurrent changes to one client")


async def sign_off_skill(
    store: Store,
    program: Program,
    category: Category,
    client_id: str,
    skill: str,
    now: datetime,
    zone: tzinfo,
) -> Member:
    """B1: staff confirm a skill of the next step (stripe or rank); the last missing one
    may complete the criteria, which then promotes or announces like a visit does."""
    for _ in range(ATTEMPTS):
        member = await load_member(store, client_id, staff=True)
        signed = sign_off(category, member.holdings.get(category.id), skill)
        changed, history, events = await _settle_member(
            store, program, member, {category.id: signed}, now, zone, since=now
        )
        if not changed:
            return member
        try:
            await store.save_member(member, changed, history, events, now)
        except Conflict:
            continue
        member.holdings.update(changed)
        member.history.extend(history)
        await _refresh_roster(store, client_id, changed)
        return member
    raise RuntimeError("too many concurrent changes to one client")


async def _settle_member(
    store: Store,
    program: Program,
    member: Member,
    holdings: dict[str, Holding],
    now: datetime,
    zone: tzinfo,
    since: datetime | None,
) -> tuple[dict[str, Holding], list[Change], list[EventData]]:
    changed: dict[str, Holding] = {}
    history: list[Change] = []
    events: list[EventData] = []
    for category_id, holding in holdings.items():
        category = program.category(category_id)
        if category is None:
            continue
        outcome = settle(category, holding, now, zone, new_id(), since=since)
        if outcome.holding != member.holdings.get(category_id):
            changed[category_id] = outcome.holding
        if outcome.change is not None:
            history.append(outcome.change)
            events.append(change_event(program, category, member.client_id, outcome.change))
        if outcome.eligible_for is not None:
            events.append(
                eligible_event(
                    program, category, member.client_id, holding, outcome.eligible_for, now, zone
                )
            )
    return changed, history, events


async def record_visit(
    store: Store, program: Program, visit: VisitRead, now: datetime, zone: tzinfo
) -> int:
    """Count a visit in every category the client holds a rank in (R4), then promote or
    announce (R5-R6). Returns how many categories changed. Raises UnknownClient."""
    for _ in range(ATTEMPTS):
        member = await load_member(store, visit.client_id)
        if not program.enabled:
            return 0
        counted: dict[str, Holding] = {}
        for category_id, holding in member.holdings.items():
            category = program.category(category_id)
            if category is None or category.archived:
                continue
            try:
                counted[category_id] = count_visit(
                    category, holding, visit.key, visit.attended_at, visit.service_id
                )
            except RankRefused:
                continue
        changed, history, events = await _settle_member(
            store, program, member, counted, now, zone, since=visit.attended_at
        )
        if not changed:
            return 0
        try:
            await store.save_member(member, changed, history, events, now)
        except Conflict:
            continue
        visible = {
            k: v
            for k, v in changed.items()
            if (old := member.holdings.get(k)) is None
            or (old.rank_id, old.stripes, old.announced_for, old.announced_stripe)
            != (v.rank_id, v.stripes, v.announced_for, v.announced_stripe)
        }
        await _refresh_roster(store, member.client_id, visible)
        return len(changed)
    raise RuntimeError("too many concurrent changes to one client")


async def reevaluate(
    store: Store, program: Program, client_id: str, now: datetime, zone: tzinfo
) -> bool:
    """Seniority (R5): what time alone has earned. Idempotent; safe in several replicas
    (the version guard lets one writer act, the others find nothing left to do)."""
    for _ in range(ATTEMPTS):
        try:
            member = await load_member(store, client_id, wait=False)
        except UnknownClient:
            return False
        changed, history, events = await _settle_member(
            store, program, member, dict(member.holdings), now, zone, since=None
        )
        if not changed:
            return False
        try:
            await store.save_member(member, changed, history, events, now)
        except Conflict:
            continue
        await _refresh_roster(store, client_id, changed)
        return True
    return False


async def seniority_due(
    store: Store, program: Program, now: datetime, zone: tzinfo
) -> Sequence[str]:
    """Clients whose next step (stripe or rank) asks for days and who may have reached
    them, found from the roster (by `_id`), not by scanning every client."""
    due: set[str] = set()
    for category in program.categories:
        if category.archived:
            continue
        if not any(
            c.min_days_in_rank is not None for r in category.ranks for c in (r.criteria, *r.stripes)
        ):
            continue
        for row in await store.rows(category.id):
            if row.eligible or row.stripe_eligible:
                continue  # already announced: the job has nothing left to say
            step = step_after(category, row.rank_id, row.stripes)
            days = step.criteria.min_days_in_rank if step is not None else None
            if days is None:
                continue
            if days_between(row.step_since or row.since, now, zone) >= days:
                due.add(row.client_id)
    return sorted(due)
