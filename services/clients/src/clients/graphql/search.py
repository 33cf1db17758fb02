"""C10: what `clients(filter)` selects, as criteria any search implementation answers
(`clients.adapters.card_search`)."""

from __future__ import annotations

from datetime import date

from plumbing.errors import BadInput

from clients.domain.model import fold
from clients.domain.search import Criteria, month_birthdays
from clients.graphql.inputs import ClientFilter


def client_criteria(filter: ClientFilter | None, today: date | None = None) -> Criteria:
    """The conditions of the filter; refuses a points range upside down. `today` is the
    studio's date, for `birthdayThisMonth`."""
    if filter is None:
        return Criteria()
    low, high = filter.min_points, filter.max_points
    if low is not None and high is not None and low > high:
        raise BadInput("minPoints is greater than maxPoints", code="BAD_POINTS_RANGE")
    words: tuple[str, ...] = ()
    if filter.search and filter.search.strip():
        words = tuple(fold(filter.search).split()[:5])
    birth_days = None
    if filter.birthday_on:
        day = filter.birthday_on
        birth_days = {day.strftime("%m-%d")}
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            birth_days.add("02-29")  # leap-day birthdays are celebrated on the 28th
    if filter.birthday_this_month and today is not None:
        month = month_birthdays(today.month)
        birth_days = set(month) if birth_days is None else birth_days & month
    return Criteria(
        words=words,
        statuses=frozenset(s.value for s in filter.status) if filter.status else None,
        branch_id=str(filter.branch_id) if filter.branch_id else None,
        birth_days=frozenset(birth_days) if birth_days is not None else None,
        rank_id=str(filter.rank_id) if filter.rank_id else None,
        min_points=filter.min_points,
        max_points=filter.max_points,
    )


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
