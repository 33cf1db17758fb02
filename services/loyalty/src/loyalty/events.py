"""The events the loyalty context publishes on `loyalty.events` (schema version 1).

Every movement of points is one event, carrying the ledger entry it wrote. `points` is
always a positive magnitude; `balance_after` is the client's balance once it applied
(the clients service filters by it, notifications show it as `{points}`).
`points_expiring` is not a movement: it tells that a lot will expire soon (B5).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from plumbing import topics
from plumbing.contracts import Catalog, EventData
from pydantic import Field

catalog = Catalog(source="services/loyalty")


class PointsMoved(EventData):
    client_id: str
    points: int = Field(ge=0)
    balance_after: int = Field(ge=0)
    value: str  # decimal string: points x the point value, positive
    currency: str
    invoice_number: str | None = None
    branch_id: str | None = None
    entry_id: str
    at: datetime
    expires_at: datetime | None = None
    source_type: str | None = None


@catalog.event("loyalty.points_earned.v1", topic=topics.LOYALTY)
class PointsEarned(PointsMoved):
    pass


@catalog.event("loyalty.points_redeemed.v1", topic=topics.LOYALTY)
class PointsRedeemed(PointsMoved):
    channel: Literal["IN_STUDIO", "APP"]
    # The branch enables receipts for points payments (L10): notifications sends one.
    send_receipt: bool


@catalog.event("loyalty.points_granted.v1", topic=topics.LOYALTY)
class PointsGranted(PointsMoved):
    # MANUAL, BIRTHDAY, REFERRAL_FIRST_PURCHASE, VISIT_COUNT, PROMOTION (B4)
    note: str | None = None
    actor_id: str | None = None


@catalog.event("loyalty.points_deducted.v1", topic=topics.LOYALTY)
class PointsDeducted(PointsMoved):
    note: str | None = None
    actor_id: str | None = None


@catalog.event("loyalty.points_expired.v1", topic=topics.LOYALTY)
class PointsExpired(PointsMoved):
    pass


@catalog.event("loyalty.points_reversed.v1", topic=topics.LOYALTY)
class PointsReversed(PointsMoved):
    # TAKEN_BACK: what a refunded purchase earned; RETURNED: what it had spent.
    direction: Literal["TAKEN_BACK", "RETURNED"]


@catalog.event("loyalty.points_expiring.v1", topic=topics.LOYALTY)
class PointsExpiring(EventData):
    """B5: what is left of one lot expires at `expires_at`; published once per lot, the
    program's `expiryReminderDays` before. `balance` is the client's balance at `at` (the
    moment of the reminder); nothing moved, so there is no `balance_after`."""

    client_id: str
    lot_id: str
    points: int = Field(ge=1)
    value: str  # decimal string: points x the point value, positive
    currency: str
    expires_at: datetime
    balance: int = Field(ge=0)
    at: datetime
