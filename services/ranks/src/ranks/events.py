"""The events the ranks context publishes on `ranks.events` (schema version 1)."""

from __future__ import annotations

from plumbing import topics
from plumbing.contracts import Catalog, EventData

catalog = Catalog(source="services/ranks")


@catalog.event("ranks.rank_assigned.v1", topic=topics.RANKS)
class RankAssigned(EventData):
    client_id: str
    category_id: str
    rank_id: str
    from_rank_id: str | None = None
    actor_id: str | None = None
    note: str | None = None
