"""The events the ranks context publishes on `ranks.events` (schema version 1), and the
tolerant reader of the visit facts it consumes."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.contracts import Catalog, EventData

catalog = Catalog(source="services/ranks")

VISIT_RECORDED = "ingest.visit_recorded.v1"


class RankChanged(EventData):
    """Common fields of assignment, promotion and demotion. `rank_*` is the rank held
    AFTER the change; `from_rank_*` the one held before (none for a first assignment)."""

    change_id: str
    client_id: str
    category_id: str
    category_name: str
    rank_id: str
    rank_name: str
    rank_position: int
    from_rank_id: str | None = None
    from_rank_name: str | None = None
    trigger: str  # MANUAL | AUTOMATIC
    actor_id: str | None = None
    note: str | None = None
    terminology: str  # BELTS | RANKINGS | CHALLENGES
    at: datetime


@catalog.event("ranks.rank_assigned.v1", topic=topics.RANKS)
class RankAssigned(RankChanged):
    pass


@catalog.event("ranks.client_promoted.v1", topic=topics.RANKS)
class ClientPromoted(RankChanged):
    pass


@catalog.event("ranks.client_demoted.v1", topic=topics.RANKS)
class ClientDemoted(RankChanged):
    pass


@catalog.event("ranks.client_eligible.v1", topic=topics.RANKS)
class ClientEligible(EventData):
    """Published once per eligibility when the category does not promote by itself:
    the notifications context tells `notify_roles` (and the client if `notify_client`)."""

    client_id: str
    category_id: str
    category_name: str
    rank_id: str
    rank_name: str
    next_rank_id: str
    next_rank_name: str
    terminology: str
    notify_roles: list[str]
    notify_client: bool
    visits_in_rank: int
    days_in_rank: int


class VisitRead(EventData):
    """Tolerant reader of `ingest.visit_recorded.v1` (docs/events/ingest.visit_recorded.v1.json)."""

    visit_id: str | None = None
    client_id: str
    session_id: str | None = None
    service_id: str | None = None
    attended_at: datetime

    @property
    def key(self) -> str:
        # The producer's rule: the same visit reported twice has the same key.
        if self.visit_id:
            return self.visit_id
        if self.session_id:
            return f"{self.client_id}:{self.session_id}"
        return f"{self.client_id}:{self.attended_at.isoformat()}"
