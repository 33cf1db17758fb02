"""The rules of ranks: programs, categories, ordered ranks, and what a client holds.

Plain dataclasses and functions, standard library only. Every decision (count a visit,
announce an eligibility, promote, refuse) is taken here; the service layer only loads,
calls and stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from enum import StrEnum

MAX_NAME = 80
MAX_NOTE = 1000
MAX_CRITERION = 10_000
MAX_SKILLS = 20


class Terminology(StrEnum):
    BELTS = "BELTS"
    RANKINGS = "RANKINGS"
    CHALLENGES = "CHALLENGES"


class ChangeKind(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"
    PROMOTION = "PROMOTION"
    DEMOTION = "DEMOTION"


class Trigger(StrEnum):
    MANUAL = "MANUAL"
    AUTOMATIC = "AUTOMATIC"


class RankRefused(Exception):
    """A rule says no. `code` is stable for callers; the message is built by the caller
    in the studio's language from `code` and `args`."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = args


@dataclass(frozen=True)
class Criteria:
    """What it takes to reach a rank from the one below it. Both limits must hold
    where both are set; none set means the rank is given by hand only."""

    min_visits: int | None = None
    min_days_in_rank: int | None = None
    # B1: named skills staff must sign off before the rank is earned.
    skills: tuple[str, ...] = ()

    @property
    def manual_only(self) -> bool:
        return self.min_visits is None and self.min_days_in_rank is None and not self.skills

    def check(self) -> None:
        for name, value in (
            ("minVisits", self.min_visits),
            ("minDaysInRank", self.min_days_in_rank),
        ):
            if value is not None and not 1 <= value <= MAX_CRITERION:
                raise RankRefused("BAD_CRITERION", field=name, maximum=MAX_CRITERION)
        if len(self.skills) > MAX_SKILLS or any(
            not 1 <= len(s) <= MAX_NAME or s != s.strip() for s in self.skills
        ):
            raise RankRefused("BAD_SKILLS", maximum=MAX_SKILLS, length=MAX_NAME)
        if len({s.casefold() for s in self.skills}) != len(self.skills):
            raise RankRefused("BAD_SKILLS", maximum=MAX_SKILLS, length=MAX_NAME)


@dataclass(frozen=True)
class RankDef:
    id: str
    name: str
    criteria: Criteria = field(default_factory=Criteria)


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    auto_promote: bool = False
    notify_on_eligibility: bool = False
    notify_roles: tuple[str, ...] = ()
    notify_client: bool = False
    archived: bool = False
    # B3: only visits of these services count (empty: every visit counts).
    service_ids: tuple[str, ...] = ()
    ranks: tuple[RankDef, ...] = ()

    def position_of(self, rank_id: str) -> int:
        """1-based position of a rank in the category (1 = the first rank)."""
        for index, rank in enumerate(self.ranks):
            if rank.id == rank_id:
                return index + 1
        raise RankRefused("UNKNOWN_RANK", rank_id=rank_id)

    def rank(self, rank_id: str) -> RankDef:
        return self.ranks[self.position_of(rank_id) - 1]

    def next_after(self, rank_id: str) -> RankDef | None:
        position = self.position_of(rank_id)
        return self.ranks[position] if position < len(self.ranks) else None

    def before(self, rank_id: str) -> RankDef | None:
        position = self.position_of(rank_id)
        return self.ranks[position - 2] if position > 1 else None

    def counts(self, service_id: str | None) -> bool:
        return not self.service_ids or (service_id is not None and service_id in self.service_ids)


def valid_name(name: str | None) -> str:
    cleaned = (name or "").strip()
    if not 1 <= len(cleaned) <= MAX_NAME:
        raise RankRefused("BAD_NAME", maximum=MAX_NAME)
    return cleaned


def insert_rank(category: Category, rank: RankDef, position: int | None) -> Category:
    rank.criteria.check()
    if any(r.name.casefold() == rank.name.casefold() for r in category.ranks):
        raise RankRefused("DUPLICATE_RANK", name=rank.name)
    ranks = list(category.ranks)
    if position is None:
        position = len(ranks) + 1
    if not 1 <= position <= len(ranks) + 1:
        raise RankRefused("BAD_POSITION", maximum=len(ranks) + 1)
    ranks.insert(position - 1, rank)
    return replace(category, ranks=tuple(ranks))


def move_rank(category: Category, rank_id: str, position: int, held: set[str]) -> Category:
    """Reorder; refused when a rank whose place changes is held by a client (their
    'next rank' and history would silently change meaning)."""
    old = category.position_of(rank_id)
    if not 1 <= position <= len(category.ranks):
        raise RankRefused("BAD_POSITION", maximum=len(category.ranks))
    ranks = list(category.ranks)
    rank = ranks.pop(old - 1)
    ranks.insert(position - 1, rank)
    shifted = {r.id for r, before in zip(ranks, category.ranks, strict=True) if r.id != before.id}
    blocking = sorted(r.name for r in category.ranks if r.id in shifted & held)
    if blocking:
        raise RankRefused("RANK_HELD", names=", ".join(blocking))
    return replace(category, ranks=tuple(ranks))


def remove_rank(category: Category, rank_id: str, held: set[str]) -> tuple[Category, RankDef]:
    rank = category.rank(rank_id)
    if rank_id in held:
        raise RankRefused("RANK_HELD", names=rank.name)
    return replace(category, ranks=tuple(r for r in category.ranks if r.id != rank_id)), rank


# ---------------------------------------------------------------- what a client holds


@dataclass(frozen=True)
class Holding:
    """A client's place in one category."""

    rank_id: str
    since: datetime
    # Keys of the visits counted since `since` (a visit reported twice counts once).
    visit_keys: tuple[str, ...] = ()
    # The next rank an eligibility was already announced for (announced once).
    announced_for: str | None = None
    auto_promoted_at: datetime | None = None
    # Skills of the next rank already signed off by staff (B1).
    skills: tuple[str, ...] = ()

    @property
    def visits(self) -> int:
        return len(self.visit_keys)


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


def days_between(since: datetime, now: datetime, zone: tzinfo) -> int:
    """Whole calendar days in the studio's own time zone (its 'today' decides)."""
    return max((now.astimezone(zone).date() - since.astimezone(zone).date()).days, 0)


def meets(criteria: Criteria, holding: Holding, now: datetime, zone: tzinfo) -> bool:
    if criteria.manual_only:
        return False
    if criteria.min_visits is not None and holding.visits < criteria.min_visits:
        return False
    if not set(criteria.skills) <= set(holding.skills):
        return False
    if criteria.min_days_in_rank is not None:
        return days_between(holding.since, now, zone) >= criteria.min_days_in_rank
    return True


def eligible_next(
    category: Category, holding: Holding, now: datetime, zone: tzinfo
) -> RankDef | None:
    """The next rank the client has earned by visits and seniority, if any."""
    if category.archived:
        return None
    try:
        nxt = category.next_after(holding.rank_id)
    except RankRefused:
        return None
    if nxt is None:
        return None  # never past the last rank
    return nxt if meets(nxt.criteria, holding, now, zone) else None


@dataclass(frozen=True)
class Outcome:
    """What happened to one holding: the new holding, a history entry, an announcement."""

    holding: Holding
    change: Change | None = None
    eligible_for: RankDef | None = None


def settle(
    category: Category,
    holding: Holding,
    now: datetime,
    zone: tzinfo,
    change_id: str,
    *,
    since: datetime | None = None,
) -> Outcome:
    """Re-evaluate after a visit or as time passes: promote (auto) or announce once."""
    nxt = eligible_next(category, holding, now, zone)
    if nxt is None:
        return Outcome(holding)
    if category.auto_promote:
        at = since or now
        change = Change(
            id=change_id,
            category_id=category.id,
            from_rank_id=holding.rank_id,
            to_rank_id=nxt.id,
            kind=ChangeKind.PROMOTION,
            trigger=Trigger.AUTOMATIC,
            actor_id=None,
            note=None,
            at=at,
            from_rank_name=category.rank(holding.rank_id).name,
            to_rank_name=nxt.name,
        )
        return Outcome(Holding(rank_id=nxt.id, since=at, auto_promoted_at=at), change)
    if holding.announced_for == nxt.id:
        return Outcome(holding)  # already announced: never twice for one eligibility
    return Outcome(replace(holding, announced_for=nxt.id), eligible_for=nxt)


def count_visit(
    category: Category,
    holding: Holding,
    key: str,
    attended_at: datetime,
    service_id: str | None,
) -> Holding:
    """Count a visit toward the next rank: once per key, only after entering the rank."""
    if not category.counts(service_id):
        return holding
    if attended_at <= holding.since or key in holding.visit_keys:
        return holding
    return replace(holding, visit_keys=(*holding.visit_keys, key))


def sign_off(category: Category, holding: Holding | None, skill: str) -> Holding:
    """Staff confirm one skill of the next rank (B1). Signing twice changes nothing."""
    if category.archived:
        raise RankRefused("CATEGORY_ARCHIVED", name=category.name)
    if holding is None:
        raise RankRefused("NO_RANK", category=category.name)
    nxt = category.next_after(holding.rank_id)
    wanted = skill.strip()
    if nxt is None or wanted not in nxt.criteria.skills:
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
) -> tuple[Holding, Change]:
    if category.archived:
        raise RankRefused("CATEGORY_ARCHIVED", name=category.name)
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
        at=now,
        from_rank_name=category.rank(current).name if current else None,
        to_rank_name=target.name,
    )
    return Holding(rank_id=target.id, since=now), change


def last_change(history: Sequence[Change], category_id: str) -> Change | None:
    for change in reversed(history):
        if change.category_id == category_id:
            return change
    return None
