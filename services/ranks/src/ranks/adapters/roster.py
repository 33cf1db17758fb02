"""The roster: `rankReport`'s and the seniority job's read model, one row per client and
category (rank, since, stripes, announced eligibilities, last automatic promotion).

`Roster` is the port the use cases see; each question it answers is one a database can
answer with an index (`MongoRoster`, `ranks.adapters.mongo_roster`). On the local
FerretDB only `{_id}` filters are pushed down, so there the rows are kept in bucket
documents read whole and answered in memory (`BucketRoster`,
`ranks.adapters.bucket_roster`); `MemoryRoster` is the use-case tests' roster.
`roster_for` chooses by the storage the service opened.

A row is a second write after the member's save, not atomic with it: a crash in between
leaves the row one change behind until the member's next change rewrites it.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from ranks.domain.model import Holding


@dataclass(frozen=True)
class RosterRow:
    client_id: str
    rank_id: str
    since: datetime
    # Announced eligible for the next rank (`eligible`) or the next stripe.
    eligible: bool
    auto_promoted_at: datetime | None
    stripes: int = 0
    # Where the current step started (the last stripe change, or `since`): the seniority
    # job finds the clients due from it.
    step_since: datetime | None = None
    stripe_eligible: bool = False

    @classmethod
    def of(cls, client_id: str, h: Holding) -> RosterRow:
        return cls(
            client_id=client_id,
            rank_id=h.rank_id,
            since=h.since,
            eligible=h.announced_for is not None,
            auto_promoted_at=h.auto_promoted_at,
            stripes=h.stripes,
            step_since=h.step_since,
            stripe_eligible=h.announced_stripe is not None,
        )

    @property
    def step_from(self) -> datetime:
        return self.step_since or self.since

    @property
    def waiting(self) -> bool:
        """Nothing announced yet: the seniority job may have something to say."""
        return not (self.eligible or self.stripe_eligible)


@dataclass(frozen=True)
class Wanted:
    """The rows a report page asks for."""

    # Any of these ranks: the category's, or the one the filter names.
    rank_ids: tuple[str, ...]
    eligible_only: bool = False
    auto_promoted_since: datetime | None = None

    def keeps(self, row: RosterRow) -> bool:
        since = self.auto_promoted_since
        return (
            row.rank_id in self.rank_ids
            and (not self.eligible_only or row.eligible)
            and (
                since is None
                or (row.auto_promoted_at is not None and row.auto_promoted_at >= since)
            )
        )


@dataclass(frozen=True)
class Waiting:
    """A step the seniority job looks at: clients at `stripes` stripes of `rank_id`,
    nothing announced, whose step began before `began_before`."""

    rank_id: str
    stripes: int
    began_before: datetime


@dataclass(frozen=True)
class RosterPage:
    rows: list[RosterRow]
    total: int  # rows the filter keeps, all pages
    has_next: bool
    has_previous: bool = False


def window_of(
    kept: list[RosterRow], after: str | None, before: str | None, size: int, from_end: bool
) -> RosterPage:
    """The page of `kept` (sorted by client id) between the client ids `after` and
    `before`: its first `size` rows, or its last with `from_end`."""
    start = 0 if after is None else bisect_right(kept, after, key=lambda r: r.client_id)
    end = len(kept) if before is None else bisect_left(kept, before, key=lambda r: r.client_id)
    end = max(start, end)
    low, high = (max(start, end - size), end) if from_end else (start, min(end, start + size))
    return RosterPage(
        kept[low:high],
        len(kept),
        has_next=high < len(kept),
        has_previous=low > 0 if from_end else after is not None,
    )


class Roster(Protocol):
    """One tenant's roster."""

    async def put(self, category_id: str, row: RosterRow) -> None: ...

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None: ...

    async def page(
        self,
        category_id: str,
        wanted: Wanted,
        after: str | None,
        size: int,
        before: str | None = None,
        from_end: bool = False,
    ) -> RosterPage:
        """The rows `wanted` keeps, in client id order, between the client ids `after`
        and `before`: the first `size`, or the last with `from_end`."""
        ...

    async def waiting(self, category_id: str, steps: Sequence[Waiting]) -> list[RosterRow]:
        """The rows at one of these steps, nothing announced, begun before its time."""
        ...

    async def held_ranks(self, category_id: str, rank_ids: Sequence[str]) -> set[str]:
        """Which of these ranks some client holds."""
        ...

    async def most_stripes(self, category_id: str, rank_id: str) -> int:
        """The most stripes any client holds in this rank."""
        ...


class RowsRoster(Roster):
    """A roster answered from every row of a category, in client id order (the local
    database's buckets, the tests' dictionaries)."""

    async def rows(self, category_id: str) -> list[RosterRow]:
        """Every row of the category, sorted by client id."""
        raise NotImplementedError

    async def kept(self, category_id: str, wanted: Wanted) -> list[RosterRow]:
        """The rows `wanted` keeps, sorted by client id."""
        return [row for row in await self.rows(category_id) if wanted.keeps(row)]

    async def page(
        self,
        category_id: str,
        wanted: Wanted,
        after: str | None,
        size: int,
        before: str | None = None,
        from_end: bool = False,
    ) -> RosterPage:
        kept = await self.kept(category_id, wanted)
        return window_of(kept, after, before, size, from_end)

    async def waiting(self, category_id: str, steps: Sequence[Waiting]) -> list[RosterRow]:
        before = {(s.rank_id, s.stripes): s.began_before for s in steps}
        return [
            row
            for row in await self.rows(category_id)
            if row.waiting
            and (limit := before.get((row.rank_id, row.stripes))) is not None
            and row.step_from < limit
        ]

    async def held_ranks(self, category_id: str, rank_ids: Sequence[str]) -> set[str]:
        return {row.rank_id for row in await self.rows(category_id)} & set(rank_ids)

    async def most_stripes(self, category_id: str, rank_id: str) -> int:
        rows = await self.rows(category_id)
        return max((row.stripes for row in rows if row.rank_id == rank_id), default=0)


class MemoryRoster(RowsRoster):
    """The roster in a dictionary (use-case tests)."""

    def __init__(self) -> None:
        self.categories: dict[str, dict[str, RosterRow]] = {}

    async def put(self, category_id: str, row: RosterRow) -> None:
        await asyncio.sleep(0)
        self.categories.setdefault(category_id, {})[row.client_id] = replace(row)

    async def forget(self, client_id: str, category_ids: Sequence[str]) -> None:
        for category_id in category_ids:
            self.categories.get(category_id, {}).pop(client_id, None)

    async def rows(self, category_id: str) -> list[RosterRow]:
        await asyncio.sleep(0)
        found = self.categories.get(category_id, {})
        return sorted(found.values(), key=lambda r: r.client_id)
