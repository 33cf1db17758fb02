"""The program's shape: categories, their ordered ranks and each rank's stripes, with
the criteria of every step, and the edits that keep what clients hold in place (R2-R3).

Plain dataclasses and functions, standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

MAX_NAME = 80
MAX_CRITERION = 10_000
MAX_SKILLS = 20
MAX_STRIPES = 10


class Terminology(StrEnum):
    BELTS = "BELTS"
    RANKINGS = "RANKINGS"
    CHALLENGES = "CHALLENGES"


class RankRefused(Exception):
    """A rule says no. `code` is stable for callers; the message is built by the caller
    in the request's language from `code` and `args` (its params)."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = args


@dataclass(frozen=True)
class Criteria:
    """What it takes to earn a step (a stripe, or a rank) since the previous step. Every
    criterion set must hold; none set means the step is given by hand only."""

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
    # Stripes (sub-ranks) earned in order while holding this rank, each with its own
    # criteria; stripe n is `stripes[n - 1]`.
    stripes: tuple[Criteria, ...] = ()


def check_stripes(stripes: Sequence[Criteria]) -> None:
    if len(stripes) > MAX_STRIPES:
        raise RankRefused("BAD_STRIPES", maximum=MAX_STRIPES)
    for number, criteria in enumerate(stripes, start=1):
        try:
            criteria.check()
        except RankRefused as exc:
            raise RankRefused(exc.code, **exc.args_, stripe=number) from None


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
    check_stripes(rank.stripes)
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


def set_stripes(rank: RankDef, stripes: Sequence[Criteria], most_held: int) -> RankDef:
    """Replace a rank's stripes. Refused while a client holds more stripes than the new
    list has (what clients hold stays put); new criteria apply from the next step on."""
    check_stripes(stripes)
    if most_held > len(stripes):
        raise RankRefused("STRIPES_HELD", name=rank.name, held=most_held)
    return replace(rank, stripes=tuple(stripes))


# ---------------------------------------------------------------- what a client holds
