"""C10: what a client search asks for, whatever answers it (the database's indexes on
MongoDB, this process's search index on FerretDB)."""

from __future__ import annotations

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
