"""C10: what a client search asks for, whatever answers it (the database's indexes on
MongoDB, this process's search index on FerretDB)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Criteria:
    """What `clients(filter)` asks for; every condition given must hold (AND)."""

    words: tuple[str, ...] = ()  # folded; each is a substring of the search text
    statuses: frozenset[str] | None = None
    branch_id: str | None = None
    birth_days: frozenset[str] | None = None  # "MM-DD"
    rank_id: str | None = None
    min_points: int | None = None
    max_points: int | None = None


def window(count: int, start: int, end: int, limit: int, from_end: bool) -> range:
    """The indexes of a page among `count` sorted keys, between `start` and `end`."""
    end = max(start, min(end, count))
    if from_end:
        return range(max(start, end - limit), end)
    return range(start, min(end, start + limit))


def month_birthdays(month: int) -> frozenset[str]:
    """Every "MM-DD" birthday of a month: February counts the 29th in every year, since
    a leap-day birthday is still celebrated that month."""
    days = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    return frozenset(f"{month:02d}-{day:02d}" for day in range(1, days + 1))
