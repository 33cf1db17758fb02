"""The events the ranks context publishes on `ranks.events` (schema version 1), and the
tolerant reader of the visit facts it consumes."""

from __future__ import annotations

from datetime import datetime

from plumbing import topics
from plumbing.bounds import HappenedAt
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
    # Stripes held in the rank left (a new rank starts with none).
    from_stripes: int = 0


@catalog.event("ranks.rank_assigned.v1", topic=topics.RANKS)
class RankAssigned(RankChanged):
    pass


@catalog.event("ranks.client_promoted.v1", topic=topics.RANKS)
class ClientPromoted(RankChanged):
    """`notify_client`: the category says the client is told (its `notifyClient`), so the
    notifications context sends the client the promotion message."""

    notify_client: bool = False


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


class StripeChanged(EventData):
    """Common fields of a stripe awarded or removed: `stripes` is how many stripes of
    `rank_*` the client holds AFTER the change, `from_stripes` before it."""

    change_id: str
    client_id: str
    category_id: str
    category_name: str
    rank_id: str
    rank_name: str
    rank_position: int
    stripes: int
    from_stripes: int
    stripes_in_rank: int  # how many stripes the rank has
    trigger: str  # MANUAL | AUTOMATIC
    actor_id: str | None = None
    note: str | None = None
    terminology: str
    at: datetime


@catalog.event("ranks.stripe_awarded.v1", topic=topics.RANKS)
class StripeAwarded(StripeChanged):
    pass


@catalog.event("ranks.stripe_removed.v1", topic=topics.RANKS)
class StripeRemoved(StripeChanged):
    pass


@catalog.event("ranks.stripe_eligible.v1", topic=topics.RANKS)
class StripeEligible(EventData):
    """Published once per eligibility when the category does not award by itself: the
    client meets the criteria of `stripe` (its number) of the rank held."""

    client_id: str
    category_id: str
    category_name: str
    rank_id: str
    rank_name: str
    stripe: int
    stripes_in_rank: int
    terminology: str
    notify_roles: list[str]
    notify_client: bool
    visits_in_step: int  # visits since the previous stripe (or entering the rank)
    days_in_step: int


class VisitRead(EventData):
    """Tolerant reader of `ingest.visit_recorded.v1` (docs/events/ingest.visit_recorded.v1.json)."""

    visit_id: str | None = None
    client_id: str
    session_id: str | None = None
    service_id: str | None = None
    # A visit from the future would promote "then" and hold progress until then
    # (`plumbing.bounds`: FUTURE_TIME, NAIVE_TIME; parked, as crm parks it).
    attended_at: HappenedAt

    @property
    def key(self) -> str:
        # The producer's rule: the same visit reported twice has the same key.
        if self.visit_id:
            return self.visit_id
        if self.session_id:
            return f"{self.client_id}:{self.session_id}"
        return f"{self.client_id}:{self.attended_at.isoformat()}"
