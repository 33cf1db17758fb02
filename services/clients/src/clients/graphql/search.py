"""C10: what `clients(filter)` selects, as a MongoDB query (`client_query`) and as the
same conditions for the in-memory search index (`client_criteria`)."""

from __future__ import annotations

import re
from typing import Any

from plumbing.errors import BadInput

from clients.domain.model import fold
from clients.graphql.types import ClientFilter
from clients.service_layer.search_index import Criteria


def client_query(filter: ClientFilter | None) -> dict[str, Any]:
    query: dict[str, Any] = {"erased": {"$ne": True}}
    ands: list[dict[str, Any]] = []
    if filter is None:
        return query
    if filter.search and filter.search.strip():
        words = fold(filter.search).split()
        ands.extend({"search_text": {"$regex": re.escape(w)}} for w in words[:5])
    if filter.status:
        query["status"] = {"$in": [s.value for s in filter.status]}
    if filter.branch_id:
        query["preferred_branch_id"] = str(filter.branch_id)
    if filter.birthday_on:
        day = filter.birthday_on
        days = [day.strftime("%m-%d")]
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            days.append("02-29")  # leap-day birthdays are celebrated on the 28th
        query["birth_md"] = {"$in": days}
    if filter.rank_id:
        query["rank_ids"] = str(filter.rank_id)
    low, high = filter.min_points, filter.max_points
    if low is not None and high is not None and low > high:
        raise BadInput("minPoints is greater than maxPoints", code="BAD_POINTS_RANGE")
    if low is not None or high is not None:
        bounds: dict[str, int] = {}
        if low is not None:
            bounds["$gte"] = low
        if high is not None:
            bounds["$lte"] = high
        in_range: dict[str, Any] = {"points": bounds}
        if (low is None or low <= 0) and (high is None or high >= 0):
            # A card no loyalty event reached yet has a balance of 0.
            in_range = {"$or": [in_range, {"points": {"$exists": False}}]}
        ands.append(in_range)
    if ands:
        query["$and"] = ands
    return query


def client_criteria(filter: ClientFilter | None) -> Criteria:
    """The conditions of `client_query`, for the in-memory search index."""
    if filter is None:
        return Criteria()
    words: tuple[str, ...] = ()
    if filter.search and filter.search.strip():
        words = tuple(fold(filter.search).split()[:5])
    birth_days = None
    if filter.birthday_on:
        day = filter.birthday_on
        birth_days = {day.strftime("%m-%d")}
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            birth_days.add("02-29")  # leap-day birthdays are celebrated on the 28th
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
