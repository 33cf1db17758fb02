"""The rules of ranks: what a client holds in a category (`Holding`), how visits,
time, skills and staff move it, and the history of changes (R4-R7).

Plain dataclasses and functions, standard library only. Every decision (count a visit,
announce an eligibility, promote, award a stripe, refuse) is taken here; the service
layer only loads, calls and stores.

A client climbs in *steps*: each stripe of the rank held, in order, then the next rank.
The criteria of a step count what happened since the previous step (the last stripe
earned or removed, or entering the rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum

from ranks.domain.categories import Category, Criteria, RankDef, RankRefused

MAX_NOTE = 1000


class ChangeKind(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"
    PROMOTION = "PROMOTION"
    DEMOTION = "DEMOTION"
    STRIPE_AWARDED = "STRIPE_AWARDED"
    STRIPE_REMOVED = "STRIPE_REMOVED"


class Trigger(StrEnum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


@dataclass(frozen=True)
class Holding:
    """A client's place in one category: a rank, the stripes earned in it, and the
    progress toward the next step (the next stripe, or the next rank)."""

    rank_id: str
    # When the client entered the rank.
    since: datetime
    # Keys of the visits counted toward the next step (a visit reported twice counts once).
    visit_keys: tuple[str, ...] = ()
    # The next rank an eligibility was already announced for (announced once).
    announced_for: str | None = None
    auto_promoted_at: datetime | None = None
    # Skills of the next step already signed off by staff (B1).
    skills: tuple[str, ...] = ()
    # Stripes earned in this rank (0 on entering a rank).
    stripes: int = 0
    # When the stripes last changed (earned or removed); none: not since entering the rank.
    stripe_since: datetime | None = None
    # Visits counted toward the stripes already earned in this rank.
    earlier_visits: int = 0
    # The latest attendance among `visit_keys`: the next step never starts before it, so
    # no visit counted for one step counts again for the next, whatever the order.
    last_visit_at: datetime | None = None
    # The stripe of this rank an eligibility was already announced for (announced once).
    announced_stripe: int | None = None

    @property
    def step_since(self) -> datetime:
        """Where the current step started: the last stripe change, or entering the rank."""
        return self.stripe_since or self.since

    @property
    def visits(self) -> int:
        """Visits counted toward the next step."""
        return len(self.visit_keys)

    @property
    def visits_in_rank(self) -> int:
        """Visits counted since entering the rank, over all its stripes."""
        return self.earlier_visits + len(self.visit_keys)

    def with_stripes(self, at: datetime, *, stripes: int) -> Holding:
        """The same rank with another stripe count: the next step starts afresh at `at`."""
        return replace(
            self,
            stripes=stripes,
            stripe_since=at,
            visit_keys=(),
            earlier_visits=self.visits_in_rank,
            last_visit_at=None,
            skills=(),
            announced_for=None,
            announced_stripe=None,
        )


@dataclass(frozen=True)
class Change:
    """One entry of the history: who, when, from, to, manual or automatic."""

    id: str
    category_id: str
    from_rank_id: str | None
    to_rank_id: str
    kind: ChangeKind
    trigger: Trigger
    actor_id: str | None
    note: str | None
    at: datetime
    from_rank_name: str | None = None
    to_rank_name: str = ""
    # Stripes held before and after the change (a new rank starts with none).
    from_stripes: int = 0
    to_stripes: int = 0


def days_between(since: datetime, now: datetime, zone: tzinfo) -> int:
    """Whole calendar days in the studio's own time zone (its 'today' decides)."""
    return max((now.astimezone(zone).date() - since.astimezone(zone).date()).days, 0)


def meets(criteria: Criteria, holding: Holding, now: datetime, zone: tzinfo) -> bool:
    """Whether what the holding did since the previous step meets `criteria`."""
    if criteria.manual_only:
        return False
    if criteria.min_visits is not None and holding.visits < criteria.min_visits:
        return False
    if not set(criteria.skills) <= set(holding.skills):
        return False
    if criteria.min_days_in_rank is not None:
        return days_between(holding.step_since, now, zone) >= criteria.min_days_in_rank
    return True


@dataclass(frozen=True)
class Step:
    """What a holding earns next: stripe `stripe` of its own rank, or (`stripe` 0) the
    next rank `rank`."""

    rank: RankDef
    stripe: int
    criteria: Criteria

    @property
    def is_stripe(self) -> bool:
        return self.stripe > 0


def step_after(category: Category, rank_id: str, stripes: int) -> Step | None:
    """After `stripes` stripes of a rank: its next stripe while one is left, then the
    next rank; none past the last rank (or for a rank no longer in the category)."""
    try:
        rank = category.rank(rank_id)
    except RankRefused:
        return None
    if stripes < len(rank.stripes):
        return Step(rank, stripes + 1, rank.stripes[stripes])
    nxt = category.next_after(rank.id)
    return Step(nxt, 0, nxt.criteria) if nxt is not None else None


def next_step(category: Category, holding: Holding) -> Step | None:
    return step_after(category, holding.rank_id, holding.stripes)


def eligible_step(category: Category, holding: Holding, now: datetime, zone: tzinfo) -> Step | None:
    """The next step, when what the client did since the previous one has earned it."""
    if category.archived:
        return None
    step = next_step(category, holding)
    if step is None or not meets(step.criteria, holding, now, zone):
        return None
    return step


@dataclass(frozen=True)
class Outcome:
    """What happened to one holding: the new holding, a history entry, an announcement
    (`eligible_for`: the step the client is now eligible for, announced once)."""

    holding: Holding
    change: Change | None = None
    eligible_for: Step | None = None


def settle(
    category: Category,
    holding: Holding,
    now: datetime,
    zone: tzinfo,
    change_id: str,
    *,
    since: datetime | None = None,
) -> Outcome:
    """Re-evaluate after a visit or as time passes: take the next step (auto) or announce
    it once. The step starts at `since` (the visit that earned it; default `now`), never
    before a visit already counted toward the step it completes."""
    step = eligible_step(category, holding, now, zone)
    if step is None:
        return Outcome(holding)
    if category.auto_promote:
        at = since or now
        if holding.last_visit_at is not None and holding.last_visit_at > at:
            at = holding.last_visit_at
        rank = category.rank(holding.rank_id)
        if step.is_stripe:
            change = Change(
                id=change_id,
                category_id=category.id,
                from_rank_id=rank.id,
                to_rank_id=rank.id,
                kind=ChangeKind.STRIPE_AWARDED,
                trigger=Trigger.AUTOMATIC,
                actor_id=None,
                note=None,
                at=at,
                from_rank_name=rank.name,
                to_rank_name=rank.name,
                from_stripes=holding.stripes,
                to_stripes=step.stripe,
            )
            return Outcome(holding.with_stripes(at, stripes=step.stripe), change)
        change = Change(
            id=change_id,
            category_id=category.id,
            from_rank_id=rank.id,
            to_rank_id=step.rank.id,
            kind=ChangeKind.PROMOTION,
            trigger=Trigger.AUTOMATIC,
            actor_id=None,
            note=None,
            at=at,
            from_rank_name=rank.name,
            to_rank_name=step.rank.name,
            from_stripes=holding.stripes,
        )
        return Outcome(Holding(rank_id=step.rank.id, since=at, auto_promoted_at=at), change)
    if step.is_stripe:
        if holding.announced_stripe == step.stripe:
            return Outcome(holding)  # already announced: never twice for one eligibility
        return Outcome(replace(holding, announced_stripe=step.stripe), eligible_for=step)
    if holding.announced_for == step.rank.id:
        return Outcome(holding)  # already announced: never twice for one eligibility
    return Outcome(replace(holding, announced_for=step.rank.id), eligible_for=step)


def count_visit(
    category: Category,
    holding: Holding,
    key: str,
    attended_at: datetime,
    service_id: str | None,
) -> Holding:
    """Count a visit toward the next step: once per key, only if attended after the
    previous step (entering the rank, or the last stripe change)."""
    if not category.counts(service_id):
        return holding
    if attended_at <= holding.step_since or key in holding.visit_keys:
        return holding
    latest = holding.last_visit_at
    return replace(
        holding,
        visit_keys=(*holding.visit_keys, key),
        last_visit_at=attended_at if latest is None or attended_at > latest else latest,
    )


def sign_off(category: Category, holding: Holding | None, skill: str) -> Holding:
    """Staff confirm one skill of the next step (B1): the next stripe's, or the next
    rank's once every stripe is earned. Signing twice changes nothing."""
    if category.archived:
        raise RankRefused("CATEGORY_ARCHIVED", name=category.name)
    if holding is None:
        raise RankRefused("NO_RANK", category=category.name)
    category.rank(holding.rank_id)
    step = next_step(category, holding)
    wanted = skill.strip()
    if step is None or wanted not in step.criteria.skills:
        raise RankRefused("UNKNOWN_SKILL", skill=wanted)
    if wanted in holding.skills:
        return holding
    return replace(holding, skills=(*holding.skills, wanted))


def manual_change(
    category: Category,
    holding: Holding | None,
    kind: ChangeKind,
    *,
    rank_id: str | None,
    actor_id: str,
    note: str | None,
    now: datetime,
    change_id: str,
    since: datetime | None = None,
) -> tuple[Holding, Change]:
    """`since` dates a first assignment in the past (R5: a client who earned the rank
    before the studio tracked it here, "viene de otro dojo"): time in rank counts from
    then, so the seniority job may promote them at its next run. Only a first rank in the
    category may be dated: a later date would rewrite the history after it."""
    if category.archived:
        raise RankRefused("CATEGORY_ARCHIVED", name=category.name)
    if since is not None:
        if since.tzinfo is None:
            raise RankRefused("NAIVE_TIME")
        if since > now:
            raise RankRefused("FUTURE_TIME")
        if kind is not ChangeKind.ASSIGNMENT or holding is not None:
            raise RankRefused("SINCE_NOT_ALLOWED", category=category.name)
    if note is not None and len(note) > MAX_NOTE:
        raise RankRefused("BAD_NOTE", maximum=MAX_NOTE)
    current = holding.rank_id if holding else None
    if kind is ChangeKind.ASSIGNMENT:
        assert rank_id is not None
        target = category.rank(rank_id)
        if current == rank_id:
            raise RankRefused("SAME_RANK", name=target.name)
    else:
        if holding is None:
            raise RankRefused("NO_RANK", category=category.name)
        found = (
            category.next_after(holding.rank_id)
            if kind is ChangeKind.PROMOTION
            else category.before(holding.rank_id)
        )
        if found is None:
            raise RankRefused("HIGHEST" if kind is ChangeKind.PROMOTION else "LOWEST")
        target = found
    change = Change(
        id=change_id,
        category_id=category.id,
        from_rank_id=current,
        to_rank_id=target.id,
        kind=kind,
        trigger=Trigger.MANUAL,
        actor_id=actor_id,
        note=(note or "").strip() or None,
        at=since or now,
        from_rank_name=category.rank(current).name if current else None,
        to_rank_name=target.name,
        from_stripes=holding.stripes if holding else 0,
    )
    return Holding(rank_id=target.id, since=since or now), change


def stripe_change(
    category: Category,
    holding: Holding | None,
    kind: ChangeKind,
    *,
    actor_id: str,
    note: str | None,
    now: datetime,
    change_id: str,
) -> tuple[Holding, Change]:
    """Staff award the next stripe of the rank held, or take the last one back. Like any
    change by hand, the next step starts afresh (since = now, 0 visits)."""
    if category.archived:
        raise RankRefused("CATEGORY_ARCHIVED", name=category.name)
    if note is not None and len(note) > MAX_NOTE:
        raise RankRefused("BAD_NOTE", maximum=MAX_NOTE)
    if holding is None:
        raise RankRefused("NO_RANK", category=category.name)
    rank = category.rank(holding.rank_id)
    if kind is ChangeKind.STRIPE_AWARDED:
        if not rank.stripes:
            raise RankRefused("NO_STRIPES", name=rank.name)
        if holding.stripes >= len(rank.stripes):
            raise RankRefused("ALL_STRIPES_HELD", name=rank.name)
        stripes = holding.stripes + 1
    else:
        assert kind is ChangeKind.STRIPE_REMOVED
        if holding.stripes == 0:
            raise RankRefused("NO_STRIPE_HELD", name=rank.name)
        stripes = holding.stripes - 1
    change = Change(
        id=change_id,
        category_id=category.id,
        from_rank_id=rank.id,
        to_rank_id=rank.id,
        kind=kind,
        trigger=Trigger.MANUAL,
        actor_id=actor_id,
        note=(note or "").strip() or None,
        at=now,
        from_rank_name=rank.name,
        to_rank_name=rank.name,
        from_stripes=holding.stripes,
        to_stripes=stripes,
    )
    return holding.with_stripes(now, stripes=stripes), change


def last_change(history: Sequence[Change], category_id: str) -> Change | None:
    for change in reversed(history):
        if change.category_id == category_id:
            return change
    return None
